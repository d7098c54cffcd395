/**
 * From the files read (repository policy, organization baseline) to the effective policy:
 * parse each, merge so the repository can only tighten the baseline, and digest the result.
 */
import type { LoadedPolicy, PolicySource } from "../evidence/types.js";
import { PolicySchema } from "./schema.js";
import { mergedDigest } from "./digest.js";
import { mergeBaseline } from "./merge.js";
import { parsePolicy, sortErrors } from "./parse.js";

export interface PolicyText {
  text: string;
  source: PolicySource;
  /**
   * The path errors are reported against. Defaults to `source.path` for the repository file and
   * `<owner>/.github/<path>` for the baseline, so the two files cannot be confused.
   */
  displayPath?: string;
}

export interface PolicyTexts {
  repository?: PolicyText | null;
  baseline?: PolicyText | null;
}

export function loadPolicy(files: PolicyTexts): LoadedPolicy {
  const repository = files.repository ?? null;
  const baseline = files.baseline ?? null;
  const sources = [baseline, repository].filter((f): f is PolicyText => f !== null).map((f) => f.source);
  if (!repository && !baseline) return { status: "missing", sources };

  if (!baseline) {
    const parsed = parsePolicy(repository!.text, displayPath(repository!, false));
    return parsed.ok
      ? { status: "valid", policy: parsed.policy, digest: parsed.digest, sources }
      : { status: "invalid", errors: parsed.errors, digest: parsed.digest, sources };
  }

  const base = parsePolicy(baseline.text, displayPath(baseline, true));
  const repo = repository
    ? parsePolicy(repository.text, displayPath(repository, false), base.ok ? { known: base.policy } : {})
    : null;
  const digest = mergedDigest(base.digest, repo?.digest ?? null);
  // While the baseline is invalid, its names are unknown, so the repository file cannot be judged fairly.
  if (!base.ok) return { status: "invalid", errors: base.errors, digest, sources };
  if (!repo) return { status: "valid", policy: base.policy, digest, sources };
  if (!repo.ok) return { status: "invalid", errors: repo.errors, digest, sources };

  const merged = mergeBaseline(base, repo);
  if (merged.errors.length > 0) return { status: "invalid", errors: sortErrors(merged.errors), digest, sources };
  const result = PolicySchema.safeParse(merged.input);
  if (!result.success) {
    // Both files were valid on their own, so this is a bug in the merge, not in the files; still fail closed.
    const detail = result.error.issues.map((i) => `${i.path.map(String).join(".")}: ${i.message}`).join("; ");
    return {
      status: "invalid",
      errors: [{ path: repo.path, line: 1, column: 1, field: "", message: `the merged policy is invalid (${detail})` }],
      digest,
      sources,
    };
  }
  return { status: "valid", policy: result.data, digest, sources };
}

function displayPath(file: PolicyText, isBaseline: boolean): string {
  if (file.displayPath) return file.displayPath;
  if (!isBaseline) return file.source.path;
  const owner = file.source.repository.split("/")[0] ?? file.source.repository;
  return `${owner}/.github/${file.source.path}`;
}
