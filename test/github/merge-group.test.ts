/** Finding a merge group's pull requests from what GitHub names: the queue branch and its commit subjects. */
import { afterAll, beforeAll, describe, expect, test } from "@jest/globals";
import { gatherMergeGroupEvidence, queueRefBase, queueRefPullRequest, subjectPullRequest } from "../../src/github/merge-group.js";
import { GitHubEvidenceError, type GitHubClient } from "../../src/github/client.js";
import { isTransient } from "../../src/github/run-evaluation.js";
import { commitFiles, initRepo, push, removeDir, tempDir } from "../helpers/git.js";
import { startStandIn, type StandIn } from "../standin/index.js";
import { appKeys } from "../standin/testing.js";

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

describe("fetch failures", () => {
  let standIn: StandIn;
  let work: string;
  let dataDir: string;
  let head: string;

  beforeAll(async () => {
    standIn = await startStandIn({ publicKey: appKeys().publicKey });
    const { gitDir } = await standIn.addRepo({ owner: "acme", name: "queue" });
    work = await initRepo();
    head = await commitFiles(work, { "a.txt": "a\n" }, "first");
    await push(work, gitDir, ["main"]);
    dataDir = await tempDir("vouch-mq-data-");
  });
  afterAll(async () => {
    await standIn.close();
    await removeDir(work);
    await removeDir(dataDir);
  });

  const gather = (token: string, timeoutMs?: number) =>
    gatherMergeGroupEvidence({ auth: async () => ({ token }) } as unknown as GitHubClient, { baseUrl: standIn.url, dataDir, ...(timeoutMs ? { timeoutMs } : {}) }, {
      owner: "acme",
      repo: "queue",
      headRef: `refs/heads/gh-readonly-queue/main/pr-1-${head}`,
      headSha: head,
      baseSha: head,
      baseBranch: "main",
    });

  test("a git server answering 502, or not at all, is retried (a transient error), never a verdict", async () => {
    standIn.failNext({ pathPrefix: "/acme/queue.git/", status: 502 });
    const overloaded = await gather(standIn.issueToken()).catch((e: unknown) => e);
    expect(overloaded).toBeInstanceOf(GitHubEvidenceError);
    expect(isTransient(overloaded)).toBe(true);
    standIn.failNext({ pathPrefix: "/acme/queue.git/", hangMs: 20_000 });
    const silent = await gather(standIn.issueToken(), 200).catch((e: unknown) => e);
    expect(silent).toBeInstanceOf(GitHubEvidenceError);
    expect((silent as Error).message).toMatch(/no answer in time/);
    expect(isTransient(silent)).toBe(true);
  });

  test("a refused token is an evidence gap with the reason", async () => {
    const result = await gather("not-a-token");
    expect(result.mergeGroup).toBeUndefined();
    expect(result.gaps[0]!.reason).toMatch(/fetching its git objects failed \(auth\)/);
  });
});
