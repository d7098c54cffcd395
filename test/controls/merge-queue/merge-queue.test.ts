/** The merge-queue control: a group lands only what Vouch passed, proven by tree equality. */
import { describe, expect, test } from "@jest/globals";
import { evaluate } from "../../../src/engine/evaluate.js";
import type { Evidence } from "../../../src/evidence/types.js";
import type { MergeGroupEvidence, QueuedPullRequest } from "../../../src/evidence/merge-group.js";
import { EvidenceSchema } from "../../../src/evidence/schema.js";
import { BASE_SHA, HEAD_SHA, loadedPolicy, pullRequestEvidence } from "../../helpers/evidence.js";

const TREE = "c".repeat(40);
const policy = loadedPolicy({ namespaces: [{ name: "main", refs: ["refs/heads/main"], review: { approvals: 2 } }], secrets: { enabled: false } });

const pr = (number: number, extra: Partial<QueuedPullRequest> = {}): QueuedPullRequest => ({
  number,
  headSha: String(number).repeat(40).slice(0, 40),
  baseRef: "main",
  vouchConclusion: "success",
  checkRunId: 100 + number,
  changedPaths: [`pr-${number}.txt`],
  ...extra,
});

function groupEvidence(group: Partial<MergeGroupEvidence> | null): Evidence {
  const e = pullRequestEvidence(["pr-1.txt", "pr-2.txt"]);
  e.change = { ...e.change, kind: "merge_group" };
  if (group === null) return e;
  return {
    ...e,
    mergeGroup: {
      headRef: `refs/heads/gh-readonly-queue/main/pr-2-${BASE_SHA}`,
      headTree: TREE,
      pullRequests: [pr(1), pr(2)],
      discoveredFrom: ["branch gh-readonly-queue/main/pr-2"],
      composedTree: TREE,
      conflict: null,
      differingPaths: [],
      differingPathsComplete: true,
      ...group,
    },
  };
}

const codes = (e: Evidence) => evaluate(policy, e).findings.filter((f) => f.control === "merge_queue").map((f) => f.code);

describe("merge queue", () => {
  test("a group of passed pull requests whose tree equals their merge passes", () => {
    const v = evaluate(policy, groupEvidence({}));
    expect(v.conclusion).toBe("success");
    const composed = v.findings.find((f) => f.code === "merge_queue.composed")!;
    expect(composed.message).toContain("#1, #2");
    // The review control does not ask a merge group for reviews of its own.
    expect(v.findings.map((f) => f.code)).not.toContain("review.evidence_missing");
  });

  test("the evidence is valid under the evidence schema", () => {
    expect(EvidenceSchema.safeParse(groupEvidence({})).success).toBe(true);
  });

  test("a queued pull request Vouch failed fails the group and is named", () => {
    const v = evaluate(policy, groupEvidence({ pullRequests: [pr(1), pr(2, { vouchConclusion: "failure" })] }));
    expect(v.conclusion).toBe("failure");
    const f = v.findings.find((x) => x.code === "merge_queue.pull_request_not_passed")!;
    expect(f.message).toMatch(/#2 .*concluded failure/);
    expect(f.location?.commit).toBe(pr(2).headSha);
  });

  test("a queued pull request with no vouch check at all fails the group", () => {
    expect(codes(groupEvidence({ pullRequests: [pr(1, { vouchConclusion: null, checkRunId: null })] }))).toContain("merge_queue.pull_request_not_passed");
  });

  test("a pull request targeting another branch fails the group", () => {
    expect(codes(groupEvidence({ pullRequests: [pr(1, { baseRef: "develop" })] }))).toContain("merge_queue.wrong_base");
  });

  test("content no approved head produces fails, naming the path, and the pull requests that touch it", () => {
    const v = evaluate(policy, groupEvidence({ composedTree: "d".repeat(40), differingPaths: ["sneaky.txt", "pr-2.txt"] }));
    expect(v.conclusion).toBe("failure");
    const found = v.findings.filter((f) => f.code === "merge_queue.unapproved_content");
    expect(found.map((f) => f.location?.path)).toEqual(["sneaky.txt", "pr-2.txt"]);
    expect(found[0]!.message).toMatch(/no queued pull request changes it/);
    expect(found[1]!.message).toMatch(/#2/);
    expect(found.every((f) => f.location?.commit === HEAD_SHA)).toBe(true);
  });

  test("differing trees fail even when the evidence lists no path", () => {
    expect(codes(groupEvidence({ composedTree: "d".repeat(40), differingPaths: [] }))).toEqual(["merge_queue.unapproved_content"]);
  });

  test("a conflict while composing fails, naming the pull request and path", () => {
    const v = evaluate(policy, groupEvidence({ composedTree: null, conflict: { number: 2, paths: ["shared.txt"] } }));
    const f = v.findings.find((x) => x.code === "merge_queue.not_composable")!;
    expect(f.message).toMatch(/#2 .*shared\.txt/);
  });

  test("a group in which no pull request could be identified fails", () => {
    expect(codes(groupEvidence({ pullRequests: [] }))).toEqual(["merge_queue.pull_requests_unknown"]);
  });

  test("missing merge-group evidence fails closed", () => {
    const v = evaluate(policy, groupEvidence(null));
    expect(v.conclusion).toBe("failure");
    expect(codes(groupEvidence(null))).toEqual(["merge_queue.evidence_missing"]);
  });

  test("pull requests and pushes are not judged by it", () => {
    const v = evaluate(policy, pullRequestEvidence(["a.txt"]));
    expect(v.controls.map((c) => c.control)).not.toContain("merge_queue");
  });
});
