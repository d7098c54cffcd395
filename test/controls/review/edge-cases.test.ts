/** One test per edge case of the reference list (review-policy.md §5) that the review control decides. */
import { describe, expect, test } from "@jest/globals";
import { reviewControl } from "../../../src/controls/review/index.js";
import type { ControlResult } from "../../../src/engine/findings.js";
import type { Evidence } from "../../../src/evidence/types.js";
import type { Policy } from "../../../src/policy/schema.js";
import {
  HEAD,
  HEAD_TREE,
  OLD_HEAD,
  actor,
  alice,
  bob,
  carol,
  commit,
  dan,
  erin,
  input,
  mainNeeds,
  policy,
  pr,
  renovate,
  review,
} from "./fixtures.js";

function judge(p: Policy, e: Evidence): ControlResult {
  return reviewControl.evaluate(input(p, e));
}
const errors = (r: ControlResult) => r.findings.filter((f) => f.severity === "error").map((f) => f.code);
const notCounted = (r: ControlResult, login: string) =>
  r.findings.find((f) => f.code === "review.approval_not_counted" && f.message.startsWith(`${login}'s`))?.message;

describe("review edge cases", () => {
  test("edge case 1: a sock-puppet account outside the approving team does not count", () => {
    const p = mainNeeds(1, { from: ["@acme/core"] });
    const teams = [{ team: "@acme/core", members: [alice, bob], resolvedAt: "2026-11-25T12:00:00Z" }];
    const puppet = { login: "carol-alt", id: 31, type: "User" as const };
    const r = judge(p, pr({ reviews: [review(puppet, "APPROVED")], teams }));
    expect(r.status).toBe("fail");
    expect(notCounted(r, "carol-alt")).toMatch(/not in review.from \(@acme\/core\)/);
    expect(judge(p, pr({ reviews: [review(alice, "APPROVED")], teams })).status).toBe("pass");
  });

  test("edge case 2: a Co-authored-by co-author cannot approve, whether mapped by GitHub, a noreply address or a policy identity email", () => {
    const p = mainNeeds(1, {}, { identities: { danny: { github: "dan", github_id: 40, emails: ["dan@corp.example"] } } });
    const cases = [
      actor(alice), // GitHub mapped the email
      { name: "Alice", email: "10+alice@users.noreply.github.com", user: null },
    ];
    for (const co of cases) {
      const r = judge(p, pr({ commits: [commit(HEAD, carol, { coAuthors: [co] })], reviews: [review(alice, "APPROVED")] }));
      expect(r.status).toBe("fail");
      expect(notCounted(r, "alice")).toMatch(/contributed to the change \(co-authored cccccc/);
    }
    const viaPolicy = judge(
      p,
      pr({ commits: [commit(HEAD, carol, { coAuthors: [{ name: "D", email: "DAN@corp.example", user: null }] })], reviews: [review(dan, "APPROVED")] }),
    );
    expect(notCounted(viaPolicy, "dan")).toMatch(/co-authored/);
    // The same approval from someone who did not co-author counts.
    expect(judge(p, pr({ commits: [commit(HEAD, carol, { coAuthors: [actor(erin)] })], reviews: [review(alice, "APPROVED")] })).status).toBe("pass");
  });

  test("edge case 3: a reviewer who pushed to the branch, or authored its update merge, is not independent", () => {
    const p = mainNeeds(1);
    const pushed = judge(p, pr({ pushers: [carol, bob], reviews: [review(bob, "APPROVED")] }));
    expect(notCounted(pushed, "bob")).toMatch(/pushed to the pull request's branch/);
    const updateMerge = commit(HEAD, { name: "bob", email: "bob@example.com", user: { login: "bob", id: 20 } }, { parents: [OLD_HEAD, "f".repeat(40)] });
    const merged = judge(p, pr({ commits: [commit(OLD_HEAD, carol), updateMerge], reviews: [review(bob, "APPROVED")] }));
    expect(notCounted(merged, "bob")).toMatch(/authored cccccc/);
    // When the policy does not exclude pushers, the push alone does not disqualify.
    const lenient = judge(mainNeeds(1, { exclude: ["author", "contributors"] }), pr({ pushers: [carol, bob], reviews: [review(bob, "APPROVED")] }));
    expect(lenient.status).toBe("pass");
  });

  test("edge case 4: approvals are bound to the commit reviewed, not to timestamps", () => {
    const p = mainNeeds(1);
    // Submitted after the push (later timestamp) but on the old head: does not count.
    const late = judge(p, pr({ reviews: [review(alice, "APPROVED", OLD_HEAD)] }));
    expect(late.status).toBe("fail");
    expect(notCounted(late, "alice")).toMatch(/approved bbbbbbb, not the current head ccccccc/);
    // On the current head: counts whatever its time.
    expect(judge(p, pr({ reviews: [review(alice, "APPROVED", HEAD, { submittedAt: "2000-01-01T00:00:00Z" })] })).status).toBe("pass");
  });

  test("edge case 5: an update that leaves the tree identical keeps the approval only when allow_same_tree is set", () => {
    const sameTree = review(alice, "APPROVED", OLD_HEAD, { commitTree: HEAD_TREE });
    expect(judge(mainNeeds(1, { allow_same_tree: true }), pr({ reviews: [sameTree] })).status).toBe("pass");
    const approved = judge(mainNeeds(1, { allow_same_tree: true }), pr({ reviews: [sameTree] })).findings.find((f) => f.code === "review.approved");
    expect(approved?.message).toMatch(/alice \(on an identical tree\)/);
    expect(judge(mainNeeds(1), pr({ reviews: [sameTree] })).status).toBe("fail");
    const differentTree = review(alice, "APPROVED", OLD_HEAD);
    const r = judge(mainNeeds(1, { allow_same_tree: true }), pr({ reviews: [differentTree] }));
    expect(notCounted(r, "alice")).toMatch(/its tree differs/);
  });

  test("edge case 7: a dismissal never resurrects an older approval", () => {
    const p = mainNeeds(1);
    const r = judge(p, pr({ reviews: [review(alice, "APPROVED"), review(alice, "DISMISSED")] }));
    expect(r.status).toBe("fail");
    expect(notCounted(r, "alice")).toMatch(/dismissed/);
    // Approve, request changes, the request is dismissed: the first approval does not come back.
    const r2 = judge(p, pr({ reviews: [review(alice, "APPROVED"), review(alice, "CHANGES_REQUESTED", HEAD, { state: "DISMISSED", dismissed: true })] }));
    expect(r2.status).toBe("fail");
    expect(errors(r2)).not.toContain("review.changes_requested");
    // A fresh approval after the dismissal counts.
    expect(judge(p, pr({ reviews: [review(alice, "APPROVED"), review(alice, "DISMISSED"), review(alice, "APPROVED")] })).status).toBe("pass");
  });

  test("edge case 8: changes requested is that reviewer's veto until they approve again", () => {
    const p = mainNeeds(1);
    const vetoed = judge(p, pr({ reviews: [review(alice, "APPROVED"), review(bob, "APPROVED"), review(bob, "CHANGES_REQUESTED")] }));
    expect(errors(vetoed)).toEqual(["review.changes_requested"]);
    expect(vetoed.findings.find((f) => f.code === "review.changes_requested")?.message).toMatch(/^bob requested changes on ccccccc/);
    // A comment afterwards does not lift it; a new approval does.
    expect(errors(judge(p, pr({ reviews: [review(alice, "APPROVED"), review(bob, "CHANGES_REQUESTED"), review(bob, "COMMENTED")] })))).toEqual([
      "review.changes_requested",
    ]);
    expect(judge(p, pr({ reviews: [review(alice, "APPROVED"), review(bob, "CHANGES_REQUESTED"), review(bob, "APPROVED")] })).status).toBe("pass");
    // Someone without write access and outside the policy cannot block.
    const outsider = { login: "drive-by", id: 99, type: "User" as const };
    expect(judge(p, pr({ reviews: [review(alice, "APPROVED"), review(outsider, "CHANGES_REQUESTED", HEAD, { canPush: false })] })).status).toBe("pass");
  });

  test("edge case 9: a bot's approval counts only when review.bots names it", () => {
    const r = judge(mainNeeds(1), pr({ reviews: [review(renovate, "APPROVED")] }));
    expect(notCounted(r, "renovate[bot]")).toMatch(/is a bot this namespace's review.bots does not name/);
    const named = policy({
      identities: { renovate: { github: "renovate[bot]", github_id: 2740, bot: true } },
      namespaces: [{ name: "main", refs: ["refs/heads/main"], review: { approvals: 1, from: ["@acme/core"], bots: ["renovate"] } }],
    });
    expect(judge(named, pr({ reviews: [review(renovate, "APPROVED", HEAD, { canPush: null })], teams: [] })).status).toBe("pass");
    // A policy identity marked bot is a bot even when GitHub calls the account a user.
    const marked = policy({
      identities: { ci: { github: "ci-user", github_id: 77, bot: true } },
      namespaces: [{ name: "main", refs: ["refs/heads/main"], review: { approvals: 1 } }],
    });
    expect(judge(marked, pr({ reviews: [review({ login: "ci-user", id: 77, type: "User" }, "APPROVED")] })).status).toBe("fail");
  });

  test("edge case 10: team membership comes from the recorded snapshot, and an unresolved team counts nobody", () => {
    const p = mainNeeds(1, { from: ["@acme/core"] });
    const snap = [{ team: "@acme/core", members: [{ login: "alice", id: 10 }], resolvedAt: "2026-11-25T12:00:00Z" }];
    expect(judge(p, pr({ reviews: [review(alice, "APPROVED")], teams: snap })).status).toBe("pass");
    expect(judge(p, pr({ reviews: [review(bob, "APPROVED")], teams: snap })).status).toBe("fail");
    const missing = judge(p, pr({ reviews: [review(alice, "APPROVED")], teams: [] }));
    expect(missing.status).toBe("fail");
    expect(missing.findings.map((f) => f.code)).toContain("review.team_unresolved");
  });

  test("edge case 11: one person counts once however many rules they satisfy, and distinct teams need distinct people", () => {
    const p = policy({
      teams: { core: ["alice", "bob"], security: ["alice", "dan"] },
      identities: { alice: { github: "alice", github_id: 10 }, bob: { github: "bob", github_id: 20 }, dan: { github: "dan", github_id: 40 } },
      namespaces: [{ name: "main", refs: ["refs/heads/main"], review: { approvals: 2, from: ["core", "security", "alice"], distinct_teams: 2 } }],
    });
    const once = judge(p, pr({ reviews: [review(alice, "APPROVED"), review(alice, "APPROVED")] }));
    // alice is in both teams but is one person: one approval, one team.
    expect(errors(once)).toEqual(["review.insufficient_approvals", "review.insufficient_teams"]);
    expect(once.findings.find((f) => f.code === "review.insufficient_approvals")?.message).toMatch(/it has 1 \(alice\)/);
    // alice + bob: two people, but if alice stands for security, bob covers core: two teams.
    expect(judge(p, pr({ reviews: [review(alice, "APPROVED"), review(bob, "APPROVED")] })).status).toBe("pass");
    // bob + another core-only member cannot cover security.
    const p2 = policy({
      teams: { core: ["bob", "erin"], security: ["dan"] },
      identities: { bob: { github: "bob", github_id: 20 }, erin: { github: "erin", github_id: 50 }, dan: { github: "dan", github_id: 40 } },
      namespaces: [{ name: "main", refs: ["refs/heads/main"], review: { approvals: 2, from: ["core", "security"], distinct_teams: 2 } }],
    });
    const oneTeam = judge(p2, pr({ reviews: [review(bob, "APPROVED"), review(erin, "APPROVED")] }));
    expect(errors(oneTeam)).toEqual(["review.insufficient_teams"]);
    expect(oneTeam.findings.find((f) => f.code === "review.insufficient_teams")?.remedy).toMatch(/security/);
  });

  test("edge case 12: an author who owns the namespace gives no implicit approval", () => {
    const p = policy({
      identities: { carol: { github: "carol", github_id: 30 }, alice: { github: "alice", github_id: 10 } },
      teams: { owners: ["carol", "alice"] },
      namespaces: [{ name: "main", refs: ["refs/heads/main"], owners: ["owners"], review: { approvals: 1, from: ["owners"] } }],
    });
    const r = judge(p, pr({ reviews: [] }));
    expect(r.status).toBe("fail");
    expect(r.findings.find((f) => f.code === "review.insufficient_approvals")?.remedy).toMatch(/eligible people who have not approved yet: alice$|alice\.$/);
    expect(r.findings.find((f) => f.code === "review.insufficient_approvals")?.remedy).not.toMatch(/carol/);
  });

  test("edge case 13: only review objects approve; a comment review saying LGTM does not", () => {
    const r = judge(mainNeeds(1), pr({ reviews: [review(alice, "COMMENTED"), review(bob, "PENDING")] }));
    expect(r.status).toBe("fail");
    expect(r.findings.find((f) => f.code === "review.insufficient_approvals")?.message).toMatch(/it has 0\./);
  });

  test("edge case 15: the rule of the pull request's current base applies after retargeting", () => {
    const p = policy({
      namespaces: [
        { name: "main", refs: ["refs/heads/main"], review: { approvals: 1 } },
        { name: "release", refs: ["refs/heads/release/*"], review: { approvals: 2 } },
      ],
    });
    const e = pr({ ref: "refs/heads/release/1.0", reviews: [review(alice, "APPROVED")] });
    const r = judge(p, e);
    expect(r.findings.filter((f) => f.severity === "error").map((f) => f.namespace)).toEqual(["release"]);
  });

  test("edge case 16: a pull request editing the policy file needs the policy owners", () => {
    const p = policy({
      identities: { dan: { github: "dan", github_id: 40 } },
      namespaces: [
        { name: "main", refs: ["refs/heads/main"], review: { approvals: 1 } },
        { name: "policy", paths: [".github/vouch.yml"], review: { approvals: 1, from: ["dan"] } },
      ],
    });
    const byOther = judge(p, pr({ files: [".github/vouch.yml"], reviews: [review(alice, "APPROVED")] }));
    expect(byOther.findings.filter((f) => f.severity === "error").map((f) => [f.code, f.namespace])).toEqual([["review.insufficient_approvals", "policy"]]);
    expect(judge(p, pr({ files: [".github/vouch.yml"], reviews: [review(alice, "APPROVED"), review(dan, "APPROVED")] })).status).toBe("pass");
    // A rename away from the policy path is a change to it too.
    const renamed = pr({ changedFiles: [{ path: "old.yml", previousPath: ".github/vouch.yml", status: "renamed" }], reviews: [review(alice, "APPROVED")] });
    expect(judge(p, renamed).status).toBe("fail");
    // A policy that names nobody for itself fails the change.
    const unowned = judge(mainNeeds(1), pr({ files: [".github/vouch.yml"], reviews: [review(alice, "APPROVED")] }));
    expect(errors(unowned)).toEqual(["review.policy_unowned"]);
  });

  test("edge case 17: a pull request from a fork is held to the same rules; its author still cannot approve", () => {
    const forker = { login: "mallory", id: 66, type: "User" as const };
    const r = judge(mainNeeds(1), pr({ author: forker, headRepository: "mallory/app", reviews: [review(forker, "APPROVED", HEAD, { canPush: false })] }));
    expect(r.status).toBe("fail");
    expect(notCounted(r, "mallory")).toMatch(/is the pull request's author/);
  });

  test("edge case 18: a pull request with no files still needs the default rule", () => {
    const r = judge(mainNeeds(1), pr({ files: [], commits: [commit(HEAD, carol)] }));
    expect(reviewControl.applies(input(mainNeeds(1), pr({ files: [] })))).toBe(true);
    expect(errors(r)).toEqual(["review.insufficient_approvals"]);
  });

  test("edge case 22: identities are matched by numeric id, so renames neither lose nor grant approval rights", () => {
    const p = policy({
      identities: { alice: { github: "alice-old", github_id: 10 } },
      namespaces: [{ name: "main", refs: ["refs/heads/main"], review: { approvals: 1, from: ["alice"] } }],
    });
    expect(judge(p, pr({ reviews: [review({ login: "alice-new", id: 10 }, "APPROVED")] })).status).toBe("pass");
    // Someone who registered the freed old login has another id: not alice.
    expect(judge(p, pr({ reviews: [review({ login: "alice-old", id: 999 }, "APPROVED")] })).status).toBe("fail");
  });
});
