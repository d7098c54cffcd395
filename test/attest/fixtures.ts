/** Verdicts, evidence and policies for attestation tests, built the way the engine builds them. */
import { PolicySchema } from "../../src/policy/schema.js";
import { EVIDENCE_SCHEMA, type Evidence, type LoadedPolicy } from "../../src/evidence/types.js";
import type { Verdict } from "../../src/engine/evaluate.js";
import type { ControlResult } from "../../src/engine/findings.js";

export const HEAD = "5f1c0e5a9b8e4a1c2d3e4f5061728394a5b6c7d8";
export const BASE = "9d46397a9b8e4a1c2d3e4f5061728394a5b6c7d8";
export const DIGEST = `sha256:${"ab".repeat(32)}`;

export function policy(overrides: Record<string, unknown> = {}): LoadedPolicy {
  const p = PolicySchema.parse({
    version: 1,
    namespaces: [
      {
        name: "default-branch",
        refs: ["refs/heads/main"],
        forbid: ["force-push", "deletion", "direct-push"],
        review: { approvals: 1 },
      },
    ],
    signatures: { required: true },
    ...overrides,
  });
  return { status: "valid", policy: p, digest: DIGEST, sources: [{ repository: "acme/widget", path: ".github/vouch.yml", ref: "refs/heads/main", sha: BASE }] };
}

export function evidence(over: Partial<Evidence> = {}): Evidence {
  return {
    schema: EVIDENCE_SCHEMA,
    repository: { id: 123456789, fullName: "acme/widget" },
    observedAt: "2026-03-02T10:15:01.000Z",
    change: {
      kind: "pull_request",
      ref: "refs/heads/main",
      baseSha: BASE,
      headSha: HEAD,
      files: [{ path: "src/a.ts", status: "modified" }],
      filesComplete: true,
      pullRequest: { number: 42, author: { login: "alice", id: 111 }, headRef: "feature", headRepository: "acme/widget", draft: false },
    },
    gaps: [],
    ...over,
  };
}

const pass = (control: ControlResult["control"]): ControlResult => ({ control, status: "pass", summary: `${control} ok`, findings: [] });

export function verdict(over: Partial<Verdict> = {}): Verdict {
  return {
    conclusion: "success",
    title: "All requirements met for default-branch",
    policyDigest: DIGEST,
    observedAt: "2026-03-02T10:15:01.000Z",
    headSha: HEAD,
    ref: "refs/heads/main",
    namespaces: [{ name: "default-branch", reasons: ["ref refs/heads/main"], matchedPaths: ["src/a.ts"] }],
    controls: [pass("policy"), pass("namespaces"), pass("signatures"), pass("review"), pass("secrets")],
    findings: [],
    ...over,
  };
}

export function failing(control: ControlResult["control"]): Verdict {
  const v = verdict();
  const finding = { code: `${control}.bad`, control, severity: "error" as const, message: "bad", remedy: "fix" };
  return {
    ...v,
    conclusion: "failure",
    title: "1 problem: bad",
    controls: v.controls.map((c) => (c.control === control ? { ...c, status: "fail", findings: [finding] } : c)),
    findings: [finding],
  };
}
