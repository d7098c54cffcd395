/** Evidence and policy builders shared by the engine and control tests. */
import { EVIDENCE_SCHEMA, type Evidence, type LoadedPolicy } from "../../src/evidence/types.js";
import { PolicySchema, type PolicyInput } from "../../src/policy/schema.js";

export const BASE_SHA = "a".repeat(40);
export const HEAD_SHA = "b".repeat(40);

/** A pull request into main of acme/app that modifies `files`; `extra` adds or replaces top-level fields. */
export function pullRequestEvidence(files: string[], extra: Partial<Evidence> = {}): Evidence {
  return {
    schema: EVIDENCE_SCHEMA,
    repository: { id: 1, fullName: "acme/app" },
    observedAt: "2026-11-25T12:00:00.000Z",
    change: {
      kind: "pull_request",
      ref: "refs/heads/main",
      baseSha: BASE_SHA,
      headSha: HEAD_SHA,
      files: files.map((path) => ({ path, status: "modified" as const })),
      filesComplete: true,
    },
    gaps: [],
    ...extra,
  };
}

/** A valid loaded policy from the fields given (version 1 implied). */
export function loadedPolicy(input: Omit<PolicyInput, "version">): LoadedPolicy {
  return {
    status: "valid",
    policy: PolicySchema.parse({ version: 1, ...input }),
    digest: "sha256:" + "ab".repeat(32),
    sources: [{ repository: "acme/app", path: ".github/vouch.yml", ref: "main" }],
  };
}
