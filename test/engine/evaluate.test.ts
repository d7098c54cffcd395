import { describe, expect, test } from "@jest/globals";
import { evaluate } from "../../src/engine/evaluate.js";
import type { Control } from "../../src/controls/control.js";
import type { Evidence } from "../../src/evidence/types.js";
import { loadedPolicy, pullRequestEvidence } from "../helpers/evidence.js";

const valid = loadedPolicy;

function evidence(files: string[], overrides: Partial<Evidence> = {}): Evidence {
  return pullRequestEvidence(files, overrides);
}

describe("evaluate", () => {
  test("no policy anywhere is neutral and says how to add one", () => {
    const v = evaluate({ status: "missing", sources: [] }, evidence(["a"]));
    expect(v.conclusion).toBe("neutral");
    expect(v.title).toMatch(/\.github\/vouch\.yml/);
  });

  test("an invalid policy fails with one located finding per error and judges nothing else", () => {
    const v = evaluate(
      {
        status: "invalid",
        digest: "sha256:00",
        sources: [{ repository: "acme/app", path: ".github/vouch.yml", ref: "main" }],
        errors: [
          { path: ".github/vouch.yml", line: 4, column: 7, field: "namespaces.0.review.approvals", message: "expected a number" },
          { path: ".github/vouch.yml", line: 9, column: 1, field: "baseline:signatures.required", message: "the baseline requires signatures" },
        ],
      },
      evidence(["a"]),
    );
    expect(v.conclusion).toBe("failure");
    expect(v.findings.map((f) => [f.code, f.location?.line, f.location?.column])).toEqual([
      ["policy.invalid", 4, 7],
      ["policy.loosens_baseline", 9, 1],
    ]);
    expect(v.findings[1]!.message).toBe("signatures.required: the baseline requires signatures");
    expect(v.policyDigest).toBe("sha256:00");
    expect(v.namespaces).toEqual([]);
  });

  test("a change that touches no protected namespace passes, recording the policy digest", () => {
    const v = evaluate(valid({ namespaces: [{ name: "payments", paths: ["services/payments/**"], review: { approvals: 2 } }] }), evidence(["README.md"]));
    expect(v.conclusion).toBe("success");
    expect(v.title).toBe("No protected namespace touched");
    expect(v.policyDigest).toMatch(/^sha256:/);
  });

  test("a requirement no registered control can judge fails closed, naming namespace and control", () => {
    const v = evaluate(
      valid({ namespaces: [{ name: "payments", paths: ["services/payments/**"], review: { approvals: 2 } }], secrets: { enabled: false } }),
      evidence(["services/payments/a.ts"]),
      [],
    );
    expect(v.conclusion).toBe("failure");
    expect(v.findings).toHaveLength(1);
    expect(v.findings[0]).toMatchObject({ code: "control.unavailable", control: "review", namespace: "payments" });
  });

  test("secret scanning is on by default, so touching a protected namespace needs the secrets control", () => {
    const v = evaluate(valid({ namespaces: [{ name: "main", refs: ["refs/heads/main"] }] }), evidence(["x"]), []);
    expect(v.findings.map((f) => f.control)).toEqual(["secrets"]);
  });

  test("a registered control judges its requirement and its findings decide the verdict", () => {
    const review: Control = {
      id: "review",
      title: "Review",
      applies: ({ touched }) => touched.length > 0,
      evaluate: ({ touched }) => ({
        control: "review",
        status: "fail",
        summary: "missing approvals",
        findings: touched.map((t) => ({ code: "review.missing", control: "review", severity: "error", namespace: t.name, message: `${t.name} needs 2 approvals`, remedy: "ask" })),
      }),
    };
    const policy = valid({ namespaces: [{ name: "main", refs: ["refs/heads/main"], review: { approvals: 2 } }], secrets: { enabled: false } });
    const v = evaluate(policy, evidence(["x"]), [review]);
    expect(v.findings.map((f) => f.code)).toEqual(["review.missing"]);
    expect(v.controls.map((c) => [c.control, c.status])).toEqual([
      ["policy", "pass"],
      ["review", "fail"],
    ]);
  });

  test("an evidence gap fails the verdict even when nothing else is wrong", () => {
    const v = evaluate(valid({ secrets: { enabled: false } }), evidence(["x"], { gaps: [{ what: "the files of commit b", reason: "head moved" }] }));
    expect(v.conclusion).toBe("failure");
    expect(v.findings[0]).toMatchObject({ code: "evidence.incomplete" });
    expect(v.findings[0]!.message).toContain("head moved");
  });

  test("errors sort before warnings and the title names the first error", () => {
    const noisy: Control = {
      id: "secrets",
      title: "Secrets",
      applies: () => true,
      evaluate: () => ({
        control: "secrets",
        status: "fail",
        summary: "",
        findings: [
          { code: "secrets.warn", control: "secrets", severity: "warning", message: "maybe", remedy: "" },
          { code: "secrets.block", control: "secrets", severity: "error", message: "AWS key in a.txt", remedy: "" },
        ],
      }),
    };
    const v = evaluate(valid({}), evidence(["a.txt"]), [noisy]);
    expect(v.findings.map((f) => f.severity)).toEqual(["error", "warning"]);
    expect(v.title).toBe("1 problem: AWS key in a.txt");
  });

  test("is deterministic: the same policy and evidence give the same verdict", () => {
    const p = valid({ namespaces: [{ name: "main", refs: ["refs/heads/main"], forbid: ["force-push"] }] });
    const e = evidence(["a", "b"]);
    expect(JSON.stringify(evaluate(p, e))).toBe(JSON.stringify(evaluate(p, e)));
    expect(evaluate(p, e).observedAt).toBe(e.observedAt);
  });
});
