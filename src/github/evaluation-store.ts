/**
 * Saves what each evaluation judged, next to its verdict, so a user or support can replay it
 * offline with `vouch evaluate --policy policy.yml --evidence evidence.json`. Evidence holds no
 * secret values (secret findings are redacted), so it is safe to keep.
 */
import { mkdir, mkdtemp, rename, rm, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import type { Evidence, LoadedPolicy } from "../evidence/types.js";
import type { Verdict } from "../engine/evaluate.js";

export interface SavedEvaluation {
  dir: string;
  files: { evidence: string; verdict: string; policy: string | null };
}

const SAFE = /[^A-Za-z0-9._-]/g;
/** Where evaluations are assembled before they appear; owners cannot start with a dot, so it never collides. */
const PARTIAL = ".partial";

/**
 * Writes `<root>/<owner>/<repo>/<head sha>/<delivery id>/` with evidence.json, verdict.json and
 * policy.yml: the repository's policy file as read when there is no organization baseline (so the
 * replayed verdict carries the same digest), otherwise the effective merged policy as JSON.
 */
export async function saveEvaluation(
  root: string,
  input: { evidence: Evidence; verdict: Verdict; policy: LoadedPolicy; policyText: string | null; deliveryId: string },
): Promise<SavedEvaluation> {
  const [owner = "_", repo = "_"] = input.evidence.repository.fullName.split("/");
  const dir = join(root, safePart(owner), safePart(repo), safePart(input.verdict.headSha), safePart(input.deliveryId));
  // Written into a scratch directory and renamed into place, so a reader (support replaying it,
  // a test waiting for it) never sees an evaluation without its verdict, and a failed write leaves nothing.
  // The scratch space sits under the root (same file system, so the rename is atomic) and
  // outside every repository's directory, so listings of saved evaluations never see it.
  await mkdir(dirname(dir), { recursive: true });
  await mkdir(join(root, PARTIAL), { recursive: true });
  const scratch = await mkdtemp(join(root, PARTIAL, "evaluation-"));
  const text = input.policyText ?? (input.policy.status === "valid" ? `${JSON.stringify(input.policy.policy, null, 2)}\n` : null);
  try {
    await writeFile(join(scratch, "evidence.json"), `${JSON.stringify(input.evidence, null, 2)}\n`);
    await writeFile(join(scratch, "verdict.json"), `${JSON.stringify(input.verdict, null, 2)}\n`);
    if (text !== null) await writeFile(join(scratch, "policy.yml"), text);
    // A retried delivery re-evaluates the same head: its newer files replace the earlier ones.
    await rm(dir, { recursive: true, force: true });
    await rename(scratch, dir);
  } catch (error) {
    await rm(scratch, { recursive: true, force: true });
    throw error;
  }
  const evidence = join(dir, "evidence.json");
  const verdict = join(dir, "verdict.json");
  const policy = text === null ? null : join(dir, "policy.yml");
  return { dir, files: { evidence, verdict, policy } };
}

/** One path segment from payload or header text: never a separator, never `.`/`..`, never empty. */
function safePart(text: string): string {
  const part = text.replace(SAFE, "_");
  return /^\.*$/.test(part) ? `_${part}` : part;
}
