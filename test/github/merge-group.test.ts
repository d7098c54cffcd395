/** Finding a merge group's pull requests from what GitHub names: the queue branch and its commit subjects. */
import { describe, expect, test } from "@jest/globals";
import { gatherMergeGroupEvidence, queueRefBase, queueRefPullRequest, subjectPullRequest } from "../../src/github/merge-group.js";
import type { GitHubClient } from "../../src/github/client.js";

const SHA = "0123456789abcdef0123456789abcdef01234567";

describe("queueRefPullRequest", () => {
  test("reads the last pull request of GitHub's queue branch, with or without refs/heads/", () => {
    expect(queueRefPullRequest(`refs/heads/gh-readonly-queue/main/pr-42-${SHA}`)).toBe(42);
    expect(queueRefPullRequest(`gh-readonly-queue/release/1.x/pr-7-${SHA}`)).toBe(7);
  });
  test("anything else names no pull request", () => {
    expect(queueRefPullRequest("refs/heads/gh-readonly-queue/main/pr-9-abc")).toBeNull();
    expect(queueRefPullRequest(`refs/heads/feature/pr-9-${SHA}`)).toBeNull();
  });
});

describe("queueRefBase", () => {
  test("reads the base branch a queue branch targets, slashes included", () => {
    expect(queueRefBase(`gh-readonly-queue/release/1.x/pr-7-${SHA}`)).toBe("release/1.x");
    expect(queueRefBase("feature/gh-readonly-queue")).toBeNull();
  });
});

describe("subjectPullRequest", () => {
  test("merge and squash subjects GitHub writes", () => {
    expect(subjectPullRequest("Merge pull request #12 from acme/topic")).toBe(12);
    expect(subjectPullRequest("Fix the parser (#13)")).toBe(13);
    expect(subjectPullRequest("Fix the parser (#13)  ")).toBe(13);
  });
  test("a number elsewhere in a subject is not a queue entry", () => {
    expect(subjectPullRequest("Revert #12 and fix (#13) properly")).toBeNull();
    expect(subjectPullRequest("direct commit")).toBeNull();
  });
});

test("without git access the group is an evidence gap, never a pass", async () => {
  const octokit = {} as GitHubClient; // not reached: nothing is read without git
  const result = await gatherMergeGroupEvidence(octokit, undefined, {
    owner: "acme",
    repo: "app",
    headRef: `refs/heads/gh-readonly-queue/main/pr-1-${SHA}`,
    headSha: SHA,
    baseSha: SHA,
    baseBranch: "main",
  });
  expect(result.mergeGroup).toBeUndefined();
  expect(result.gaps[0]!.reason).toMatch(/no git access/);
});
