/** `from_codeowners`: CODEOWNERS rules become path namespaces, judged by the review control, replayable from the evidence. */
import { describe, expect, test } from "@jest/globals";
import { evaluate } from "../../src/engine/evaluate.js";
import type { Evidence, LoadedPolicy } from "../../src/evidence/types.js";
import type { CodeownersEvidence } from "../../src/evidence/codeowners.js";
import { parseCodeowners } from "../../src/policy/codeowners.js";
import { EvidenceSchema } from "../../src/evidence/schema.js";
import { PolicySchema, type PolicyInput } from "../../src/policy/schema.js";
import { alice, bob, dan, erin, pr, review } from "../controls/review/fixtures.js";

const CODEOWNERS = `# who owns what
*                 @acme/core
/services/pay/    @erin pay@example.com
/services/pay/vendored
/docs/            @dan
`;

function loaded(input: Omit<PolicyInput, "version">): LoadedPolicy {
  return { status: "valid", policy: PolicySchema.parse({ version: 1, ...input }), digest: "sha256:" + "ab".repeat(32), sources: [] };
}

const POLICY = loaded({
  identities: { erin: { github: "erin", github_id: 50 }, payments: { emails: ["pay@example.com"], github: "bob", github_id: 20 }, dan: { github: "dan", github_id: 40 } },
  namespaces: [
    { name: "owners", refs: ["refs/heads/main"], from_codeowners: true, review: { approvals: 1 } },
    { name: "policy", paths: [".github/vouch.yml", ".github/CODEOWNERS", "CODEOWNERS", "docs/CODEOWNERS"], review: { approvals: 1, from: ["dan"] } },
  ],
  secrets: { enabled: false },
});

function codeowners(text = CODEOWNERS, path: string | null = ".github/CODEOWNERS"): CodeownersEvidence {
  return { path, ref: "main", ...parseCodeowners(text) };
}

function withCodeowners(e: Evidence, co: CodeownersEvidence | undefined = codeowners()): Evidence {
  return co ? { ...e, codeowners: co } : e;
}

const core = { team: "@acme/core", members: [alice], resolvedAt: "2026-11-25T12:00:00.000Z" };
const errorCodes = (v: ReturnType<typeof evaluate>) => v.findings.filter((f) => f.severity === "error").map((f) => f.code);

describe("from_codeowners", () => {
  test("each changed path is held to the owners of the last rule matching it", () => {
    const e = withCodeowners(pr({ files: ["services/pay/api.ts", "src/app.ts"], reviews: [review(alice, "APPROVED")], teams: [core] }));
    const v = evaluate(POLICY, e);
    expect(v.namespaces.map((n) => n.name).sort()).toEqual(["owners.L2", "owners.L3"]);
    // alice (@acme/core) covers line 2; line 3 (@erin, pay@example.com) still needs erin or bob.
    expect(errorCodes(v)).toEqual(["review.insufficient_approvals"]);
    const missing = v.findings.find((f) => f.code === "review.insufficient_approvals")!;
    expect(missing.namespace).toBe("owners.L3");
  });

  test("approvals from the owners of every touched rule pass; an email owner counts through the policy identity listing it", () => {
    const e = withCodeowners(pr({ files: ["services/pay/api.ts", "src/app.ts"], reviews: [review(alice, "APPROVED"), review(bob, "APPROVED")], teams: [core] }));
    expect(evaluate(POLICY, e).conclusion).toBe("success");
    const e2 = withCodeowners(pr({ files: ["services/pay/api.ts"], reviews: [review(erin, "APPROVED")], teams: [core] }));
    expect(evaluate(POLICY, e2).conclusion).toBe("success");
  });

  test("a rule without owners carves its paths out", () => {
    const e = withCodeowners(pr({ files: ["services/pay/vendored/lib.c"], teams: [core] }));
    const v = evaluate(POLICY, e);
    expect(v.namespaces).toEqual([]);
    expect(v.conclusion).toBe("success");
  });

  test("@user owners count through the policy identity with that login, else by login", () => {
    const e = withCodeowners(pr({ files: ["docs/guide.md"], reviews: [review(dan, "APPROVED")], teams: [core] }));
    expect(evaluate(POLICY, e).conclusion).toBe("success");
    const byLogin = withCodeowners(pr({ files: ["notes/x.txt"], reviews: [review(bob, "APPROVED")], teams: [core] }), codeowners("/notes/ @bob\n"));
    const plain = loaded({ namespaces: [{ name: "owners", from_codeowners: true, review: { approvals: 1 } }], secrets: { enabled: false } });
    expect(evaluate(plain, byLogin).conclusion).toBe("success");
  });

  test("the PR author cannot approve as a code owner", () => {
    const e = withCodeowners(pr({ files: ["docs/guide.md"], author: dan, reviews: [review(dan, "APPROVED")], teams: [core] }));
    expect(evaluate(POLICY, e).conclusion).toBe("failure");
  });

  test("a malformed line fails the change with file:line", () => {
    const e = withCodeowners(pr({ files: ["src/app.ts"], reviews: [review(alice, "APPROVED")], teams: [core] }), codeowners(`${CODEOWNERS}!secret @alice\n`));
    const v = evaluate(POLICY, e);
    const f = v.findings.find((x) => x.code === "codeowners.malformed_line")!;
    expect(f.message).toMatch(/^\.github\/CODEOWNERS:6: "!secret": negation/);
    expect(f.location).toEqual({ path: ".github/CODEOWNERS", line: 6 });
    expect(v.conclusion).toBe("failure");
  });

  test("an email owner nobody is known by is a warning naming the line", () => {
    const e = withCodeowners(pr({ files: ["x.md"], reviews: [review(alice, "APPROVED")], teams: [core] }), codeowners("*.md ghost@example.com\n"));
    const v = evaluate(POLICY, e);
    expect(v.findings.find((f) => f.code === "codeowners.owner_unresolved")?.location).toEqual({ path: ".github/CODEOWNERS", line: 1 });
    expect(v.conclusion).toBe("failure");
  });

  test("no CODEOWNERS on the base branch is an error, not an unowned repository", () => {
    const v = evaluate(POLICY, withCodeowners(pr({ files: ["src/app.ts"] }), codeowners("", null)));
    expect(errorCodes(v)).toEqual(["codeowners.missing"]);
  });

  test("evidence without a CODEOWNERS reading fails closed", () => {
    expect(errorCodes(evaluate(POLICY, pr({ files: ["src/app.ts"] })))).toEqual(["codeowners.evidence_missing"]);
  });

  test("an incomplete file list counts every owning rule as touched", () => {
    const v = evaluate(POLICY, withCodeowners(pr({ files: [], filesComplete: false, teams: [core] })));
    expect(v.namespaces.map((n) => n.name)).toEqual(expect.arrayContaining(["owners.L2", "owners.L3", "owners.L5"]));
  });

  test("a change to CODEOWNERS needs the policy owners, like the policy file", () => {
    const e = withCodeowners(pr({ files: [".github/CODEOWNERS"], reviews: [review(alice, "APPROVED")], teams: [core] }));
    const v = evaluate(POLICY, e);
    expect(v.findings.some((f) => f.code === "review.insufficient_approvals" && f.namespace === "policy")).toBe(true);
    const unowned = loaded({ namespaces: [{ name: "owners", from_codeowners: true, review: { approvals: 1 } }, { name: "policy", paths: [".github/vouch.yml"], review: { approvals: 1 } }] });
    // Unless a CODEOWNERS rule owns it, a CODEOWNERS file no policy namespace covers is unowned.
    const u = evaluate(unowned, withCodeowners(pr({ files: ["docs/CODEOWNERS"], teams: [core] }), codeowners("/src/ @alice\n")));
    expect(u.findings.find((f) => f.code === "review.policy_unowned")?.message).toMatch(/docs\/CODEOWNERS/);
  });

  test("the evidence with its CODEOWNERS reading is valid JSON the schema accepts", () => {
    expect(EvidenceSchema.safeParse(withCodeowners(pr({ files: ["a.ts"] }))).success).toBe(true);
  });

  test("pushes ignore from_codeowners namespaces", () => {
    const e = pr({ files: ["src/app.ts"] });
    e.change = { ...e.change, kind: "push", push: { before: "a".repeat(40), after: "c".repeat(40), created: false, deleted: false, forced: false, pusher: { login: "x", id: 1 } } };
    expect(evaluate(POLICY, e).findings.filter((f) => f.code.startsWith("codeowners."))).toEqual([]);
  });
});

describe("the policy shape", () => {
  test("a from_codeowners namespace takes no paths, owners, forbid or review.from, and needs approvals", () => {
    const bad = PolicySchema.safeParse({ version: 1, namespaces: [{ name: "o", from_codeowners: true, paths: ["x"], owners: ["a"], forbid: ["deletion"], review: { approvals: 1, from: ["a"] } }] });
    expect(bad.success).toBe(false);
    const messages = bad.error!.issues.map((i) => i.message).join("\n");
    expect(messages).toMatch(/remove paths/);
    expect(messages).toMatch(/remove owners/);
    expect(messages).toMatch(/not ref operations/);
    expect(messages).toMatch(/remove review.from/);
    expect(PolicySchema.safeParse({ version: 1, namespaces: [{ name: "o", from_codeowners: true }] }).success).toBe(false);
    expect(PolicySchema.safeParse({ version: 1, namespaces: [{ name: "o", from_codeowners: true, review: { approvals: 2 } }] }).success).toBe(true);
  });
});
