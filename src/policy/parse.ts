/**
 * Parses `.github/vouch.yml`: YAML (with line and column for every error), then the zod schema,
 * then the semantic checks. Every error is located in the file.
 */
import type { PolicyError } from "../evidence/types.js";
import { type Policy, PolicySchema } from "./schema.js";
import { fileDigest } from "./digest.js";
import { type KnownNames, semanticErrors } from "./semantics.js";
import { type Locator, readYaml } from "./yaml-source.js";
import { zodErrors } from "./zod-errors.js";

/** A file that parsed and validated: what the baseline merge works on. */
export interface ParsedSource {
  path: string;
  /** The raw YAML data, before schema defaults. */
  input: unknown;
  /** The validated policy, with defaults. */
  policy: Policy;
  locate: Locator;
}

export type ParseResult =
  | ({ ok: true; digest: string } & ParsedSource)
  | { ok: false; errors: PolicyError[]; digest: string };

export interface ParseOptions {
  /** Identities and teams the organization baseline defines, which this file may refer to. */
  known?: KnownNames;
}

export function parsePolicy(text: string, path: string, options: ParseOptions = {}): ParseResult {
  const digest = fileDigest(text);
  const read = readYaml(text, path);
  if (!read.ok) return { ok: false, errors: read.errors, digest };
  const { input, locate } = read;

  const errors: PolicyError[] = [];
  if (input !== null && typeof input === "object" && "_extends" in input) {
    errors.push({
      path,
      ...locate(["_extends"], { key: true }),
      field: "_extends",
      message:
        "_extends is not supported: Vouch never pulls policy from another repository. The organization baseline in <org>/.github (.github/vouch.yml) applies automatically; remove _extends.",
    });
  }
  const result = PolicySchema.safeParse(input);
  if (!result.success) {
    errors.push(...zodErrors(result.error.issues, input, path, locate));
    return { ok: false, errors: sortErrors(errors), digest };
  }
  errors.push(...semanticErrors(result.data, path, locate, options.known));
  if (errors.length > 0) return { ok: false, errors: sortErrors(errors), digest };
  return { ok: true, path, input, policy: result.data, locate, digest };
}

export function sortErrors(errors: PolicyError[]): PolicyError[] {
  return [...errors].sort((a, b) => a.line - b.line || a.column - b.column);
}
