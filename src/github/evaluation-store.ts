/**
 * Saves what each evaluation judged, next to its verdict, so a user or support can replay it
 * offline with `vouch evaluate --policy policy.yml --evidence evidence.json`. Evidence holds no
 * secret values (secret findings are redacted), so it is safe to keep.
 */
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { Evidence, LoadedPolicy } from "../evidence/types.js";
import type { Verdict } from "../engine/evaluate.js";

export interface SavedEvaluation {
  dir: string;
  files: { evidence: string; verdict: string; policy: string | null };
}

const SAFE = /[^A-Za-z0-9._-]/g;

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
  const dir = join(root, owner.replace(SAFE, "_"), repo.replace(SAFE, "_"), input.verdict.headSha.replace(SAFE, "_"), input.deliveryId.replace(SAFE, "_"));
  await mkdir(dir, { recursive: true });
  const evidence = join(dir, "evidence.json");
  const verdict = join(dir, "verdict.json");
  await writeFile(evidence, `${JSON.stringify(input.evidence, null, 2)}\n`);
  await writeFile(verdict, `${JSON.stringify(input.verdict, null, 2)}\n`);
  const text = input.policyText ?? (input.policy.status === "valid" ? `${JSON.stringify(input.policy.policy, null, 2)}\n` : null);
  const policy = text === null ? null : join(dir, "policy.yml");
  if (policy) await writeFile(policy, text!);
  return { dir, files: { evidence, verdict, policy } };
}
