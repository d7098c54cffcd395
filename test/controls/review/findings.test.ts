/** Every finding the review control can produce, and how it plugs into evaluate(). */
import { describe, expect, test } from "@jest/globals";
import { reviewControl } from "../../../src/controls/review/index.js";
import { githubTeamsNamed } from "../../../src/controls/review/principals.js";
import { standings } from "../../../src/controls/review/standing.js";
import { evaluate } from "../../../src/engine/evaluate.js";
import type { ControlResult } from "../../../src/engine/findings.js";
import type { Evidence, LoadedPolicy } from "../../../src/evidence/types.js";
import type { Policy } from "../../../src/policy/schema.js";
import { HEAD, OLD_HEAD, alice, bob, carol, commit, dan, erin, input, mainNeeds, policy, pr, review } from "./fixtures.js";

function judge(p: Policy, e: Evidence): ControlResult {
  return reviewControl.evaluate(input(p, e));
}
const find = (r: ControlResult, code: string) => r.findings.find((f) => f.code === code);

describe("review control findings", () => {
  test("two eligible approvals pass, and the summary and notice name who approved", () => {
    const r = judge(mainNeeds(2), pr({ reviews: [review(alice, "APPROVED"), review(bob, "APPROVED")] }));
    expect(r.status).toBe("pass");
    expect(r.summary).toMatch(/main: 2\/2/);
    expect(find(r, "review.approved")).toMatchObject({ severity: "notice" });
    expect(find(r, "review.approved")?.message).toMatch(/2 eligible approvals of 2 required: alice, bob/);
  });

  test("insufficient approvals say how many are missing and from whom: anyone with write access except the excluded", () => {
    const r = judge(mainNeeds(2), pr({ pushers: [carol, dan], reviews: [review(alice, "APPROVED")] }));
    const f = find(r, "review.insufficient_approvals")!;
    expect(f.severity).toBe("error");
    expect(f.message).toBe('Namespace "main" needs 2 eligible approvals; it has 1 (alice).');
    expect(f.remedy).toBe("Still needed: 1 more approval of the current head from anyone with write access except carol, dan.");
  });

  test("with review.from, the remedy lists eligible members who have not approved yet", () => {
    const p = mainNeeds(2, { from: ["@acme/core"] });
    const teams = [{ team: "@acme/core", members: [alice, bob, carol, erin], resolvedAt: "2026-11-25T12:00:00Z" }];
    const r = judge(p, pr({ reviews: [review(alice, "APPROVED")], teams }));
    expect(find(r, "review.insufficient_approvals")?.remedy).toBe(
      "Still needed: 1 more approval of the current head from @acme/core; eligible people who have not approved yet: bob, erin.",
    );
  });

  test("with review.from empty, the namespace's owners are its reviewers: someone outside the owning team does not count for that path", () => {
    const p = policy({
      namespaces: [
        { name: "main", refs: ["refs/heads/main"], review: { approvals: 1 } },
        { name: "payments", paths: ["services/payments/**"], owners: ["@acme/payments"], review: { approvals: 1 } },
      ],
    });
    const teams = [{ team: "@acme/payments", members: [dan], resolvedAt: "2026-11-25T12:00:00Z" }];
    const r = judge(p, pr({ files: ["services/payments/api.ts"], reviews: [review(alice, "APPROVED")], teams }));
    expect(r.findings.filter((f) => f.severity === "error").map((f) => [f.code, f.namespace])).toEqual([["review.insufficient_approvals", "payments"]]);
    expect(find(r, "review.approval_not_counted")?.message).toBe('alice\'s review does not count for "payments": is not in the namespace\'s owners (@acme/payments).');
    expect(find(r, "review.insufficient_approvals")?.remedy).toMatch(/from @acme\/payments; eligible people who have not approved yet: dan\.$/);
    expect(judge(p, pr({ files: ["services/payments/api.ts"], reviews: [review(alice, "APPROVED"), review(dan, "APPROVED")], teams })).status).toBe("pass");
  });

  test("without review.from, an approval needs confirmed write access", () => {
    const r = judge(mainNeeds(2), pr({ reviews: [review(alice, "APPROVED", HEAD, { canPush: false }), review(bob, "APPROVED", HEAD, { canPush: null })] }));
    expect(r.findings.filter((f) => f.code === "review.approval_not_counted").map((f) => f.message)).toEqual([
      'alice\'s review does not count for "main": has no write access to the repository.',
      'bob\'s review does not count for "main": has write access GitHub did not confirm.',
    ]);
  });

  test("an approval from a deleted account never counts, even with write access", () => {
    const ghost = { login: null, id: null };
    const r = judge(mainNeeds(1), pr({ reviews: [review(ghost, "APPROVED")] }));
    expect(r.status).toBe("fail");
    expect(find(r, "review.approval_not_counted")?.message).toMatch(/^an unknown account's review .* no longer exists/);
  });

  test("a stale approval's remedy asks that reviewer to approve again; other reasons ask for someone else", () => {
    const r = judge(mainNeeds(1), pr({ reviews: [review(alice, "APPROVED", OLD_HEAD)] }));
    expect(find(r, "review.approval_not_counted")?.remedy).toBe("alice can approve the current head again.");
    const r2 = judge(mainNeeds(1), pr({ commits: [commit(HEAD, alice)], reviews: [review(alice, "APPROVED")] }));
    expect(find(r2, "review.approval_not_counted")?.remedy).toMatch(/independent reviewer/);
  });

  test("a pull request without review evidence fails rather than passing unjudged", () => {
    const r = judge(mainNeeds(1), pr({ noReview: true }));
    expect(r.status).toBe("fail");
    expect(find(r, "review.evidence_missing")?.message).toMatch(/"main" require approvals, but the evidence has no reviews or commits for this pull request/);
  });

  test("commits that do not include the head mean the pull request moved while read", () => {
    const r = judge(mainNeeds(1), pr({ commits: [commit(OLD_HEAD, carol)], reviews: [review(alice, "APPROVED")] }));
    expect(find(r, "review.evidence_inconsistent")?.severity).toBe("error");
    expect(r.status).toBe("fail");
  });

  test("incomplete pusher records are noted without failing", () => {
    const r = judge(mainNeeds(1), pr({ pushersComplete: false, reviews: [review(alice, "APPROVED")] }));
    expect(r.status).toBe("pass");
    expect(find(r, "review.pushers_unknown")).toMatchObject({ severity: "notice" });
    expect(find(judge(mainNeeds(1, { exclude: ["author"] }), pr({ pushersComplete: false }))!, "review.pushers_unknown")).toBeUndefined();
  });

  test("commit identities mapped to no account are reported, because they could not be excluded", () => {
    const ghost = { name: "Ghost", email: "ghost@nowhere.example", user: null };
    const r = judge(mainNeeds(1), pr({ commits: [commit(HEAD, ghost)], reviews: [review(alice, "APPROVED")] }));
    expect(find(r, "review.unattributed_commits")?.message).toMatch(/ghost@nowhere.example/);
    expect(r.status).toBe("pass");
  });

  test("a partial file list may hide a policy change: an unprotected policy then fails closed", () => {
    const r = judge(mainNeeds(1), pr({ files: ["a.ts"], filesComplete: false, reviews: [review(alice, "APPROVED")] }));
    expect(find(r, "review.policy_unowned")?.message).toMatch(/may change the policy/);
  });

  test("a policy file change with no review namespace at all is still judged", () => {
    const p = policy({ namespaces: [{ name: "src", paths: ["src/**"], forbid: ["force-push"] }] });
    const e = pr({ files: [".github/vouch.yml"] });
    expect(reviewControl.applies(input(p, e))).toBe(true);
    expect(judge(p, e).findings.map((f) => f.code)).toEqual(["review.policy_unowned"]);
    expect(reviewControl.applies(input(p, pr({ files: ["README.md"] })))).toBe(false);
  });

  test("pushes are not the review control's to judge (the namespaces control judges direct pushes)", () => {
    const e = pr();
    e.change = { ...e.change, kind: "push" };
    expect(reviewControl.applies(input(mainNeeds(1), e))).toBe(false);
  });

  test("registered with evaluate(), the review control's verdict decides the check", () => {
    const loaded = (p: Policy): LoadedPolicy => ({ status: "valid", policy: p, digest: "sha256:" + "ab".repeat(32), sources: [] });
    const p = mainNeeds(1, {}, { secrets: { enabled: false } });
    expect(evaluate(loaded(p), pr({ reviews: [review(alice, "APPROVED")] }), [reviewControl]).conclusion).toBe("success");
    const v = evaluate(loaded(p), pr({ reviews: [review(carol, "APPROVED")] }), [reviewControl]);
    expect(v.conclusion).toBe("failure");
    expect(v.title).toMatch(/Namespace "main" needs 1 eligible approval/);
  });
});

describe("review helpers", () => {
  test("reviews submitted in the same second keep GitHub's order", () => {
    const t = "2026-11-25T10:00:00Z";
    const s = standings([review(alice, "APPROVED", HEAD, { submittedAt: t }), review(alice, "CHANGES_REQUESTED", HEAD, { submittedAt: t })]);
    expect(s.map((x) => x.kind)).toEqual(["changes_requested"]);
  });

  test("githubTeamsNamed lists every @org/team the policy refers to, once", () => {
    const p = policy({
      teams: { core: ["@acme/core", "@acme/sec"] },
      namespaces: [
        { name: "a", refs: ["refs/heads/main"], owners: ["@acme/owners"], review: { approvals: 1, from: ["@acme/core", "core"], bots: ["@acme/bots"] } },
      ],
    });
    expect(githubTeamsNamed(p)).toEqual(["@acme/bots", "@acme/core", "@acme/owners", "@acme/sec"]);
  });
});
