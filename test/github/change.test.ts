import { afterEach, beforeEach, describe, expect, test } from "@jest/globals";
import nock from "nock";
import { compareFiles, pullRequestChange, pushChange, COMPARE_FILE_CAP } from "../../src/github/change.js";
import { API, testOctokit } from "./octokit.js";

beforeEach(() => nock.disableNetConnect());
afterEach(() => {
  nock.cleanAll();
  nock.enableNetConnect();
});

function prPage(paths: string[], opts: { head?: string; total: number; next?: string | null }) {
  return {
    data: {
      rateLimit: { cost: 1, remaining: 4999, resetAt: "2026-11-25T13:00:00Z" },
      repository: {
        pullRequest: {
          number: 7,
          headRefOid: opts.head ?? "b".repeat(40),
          headRefName: "feature",
          baseRefName: "main",
          baseRefOid: "a".repeat(40),
          isDraft: false,
          author: { login: "octocat", databaseId: 583231 },
          headRepository: { nameWithOwner: "acme/app" },
          files: {
            totalCount: opts.total,
            pageInfo: { hasNextPage: Boolean(opts.next), endCursor: opts.next ?? null },
            nodes: paths.map((path) => ({ path, changeType: "MODIFIED" })),
          },
        },
      },
    },
  };
}

describe("pullRequestChange", () => {
  test("pages through files with the cursor and describes the change against the base branch", async () => {
    const cursors: (string | null)[] = [];
    const record = (b: { variables: { after: string | null } }) => (cursors.push(b.variables.after), true);
    nock(API)
      .post("/graphql", record)
      .reply(200, prPage(["a.ts", "b.ts"], { total: 3, next: "CUR1" }))
      .post("/graphql", record)
      .reply(200, prPage(["c.ts"], { total: 3 }));
    const { change, requests } = await pullRequestChange(testOctokit(), { owner: "acme", repo: "app", number: 7 });
    expect(cursors).toEqual([null, "CUR1"]);
    expect(requests).toBe(2);
    expect(change).toMatchObject({
      kind: "pull_request",
      ref: "refs/heads/main",
      headSha: "b".repeat(40),
      filesComplete: true,
      pullRequest: { number: 7, author: { login: "octocat", id: 583231 }, headRef: "feature" },
    });
    expect(change.files.map((f) => f.path)).toEqual(["a.ts", "b.ts", "c.ts"]);
  });

  test("when GitHub stops short of totalCount (its 3,000-file cap) the list is marked incomplete", async () => {
    nock(API).post("/graphql").reply(200, prPage(["a.ts"], { total: 3500 }));
    const { change } = await pullRequestChange(testOctokit(), { owner: "acme", repo: "app", number: 7 });
    expect(change.filesComplete).toBe(false);
  });

  test("a head that moves between pages restarts the listing so files of two revisions never mix", async () => {
    nock(API)
      .post("/graphql")
      .reply(200, prPage(["old.ts"], { total: 2, next: "C1" }))
      .post("/graphql")
      .reply(200, prPage(["x.ts"], { total: 2, next: "C2", head: "c".repeat(40) }))
      .post("/graphql")
      .reply(200, prPage(["new1.ts", "new2.ts"], { total: 2, head: "c".repeat(40) }));
    const { change } = await pullRequestChange(testOctokit(), { owner: "acme", repo: "app", number: 7 });
    expect(change.headSha).toBe("c".repeat(40));
    expect(change.files.map((f) => f.path)).toEqual(["new1.ts", "new2.ts"]);
  });

  test("GraphQL errors become a typed evidence error", async () => {
    nock(API).post("/graphql").reply(200, { data: null, errors: [{ message: "Something went wrong" }] });
    await expect(pullRequestChange(testOctokit(), { owner: "acme", repo: "app", number: 7 })).rejects.toThrow(/files of pull request #7/);
  });
});

describe("compare-based changes", () => {
  test("keeps both ends of a rename", async () => {
    nock(API)
      .get(`/repos/acme/app/compare/${"a".repeat(40)}...${"b".repeat(40)}`)
      .query(true)
      .reply(200, { files: [{ filename: "new/x.ts", previous_filename: "old/x.ts", status: "renamed" }] });
    const r = await compareFiles(testOctokit(), { owner: "acme", repo: "app", base: "a".repeat(40), head: "b".repeat(40) });
    expect(r).toEqual({ files: [{ path: "new/x.ts", previousPath: "old/x.ts", status: "renamed" }], complete: true });
  });

  test("a compare at GitHub's 300-file cap is marked incomplete", async () => {
    const files = Array.from({ length: COMPARE_FILE_CAP }, (_, i) => ({ filename: `f${i}`, status: "added" }));
    nock(API).get(/\/repos\/acme\/app\/compare\/.*/).query(true).reply(200, { files });
    const r = await compareFiles(testOctokit(), { owner: "acme", repo: "app", base: "x", head: "y" });
    expect(r.complete).toBe(false);
  });

  test("a new branch is compared with the default branch, since it has no 'before'", async () => {
    const scope = nock(API).get(`/repos/acme/app/compare/main...${"b".repeat(40)}`).query(true).reply(200, { files: [{ filename: "a", status: "added" }] });
    const change = await pushChange(testOctokit(), {
      owner: "acme",
      repo: "app",
      ref: "refs/heads/topic",
      before: "0".repeat(40),
      after: "b".repeat(40),
      created: true,
      deleted: false,
      forced: false,
      pusher: { login: "alice", id: null },
      defaultBranch: "main",
    });
    scope.done();
    expect(change).toMatchObject({ kind: "push", ref: "refs/heads/topic", baseSha: null, headSha: "b".repeat(40), push: { created: true } });
  });

  test("the repository's first push is marked initial, with a file list that cannot be complete", async () => {
    const change = await pushChange(testOctokit(), {
      owner: "acme",
      repo: "app",
      ref: "refs/heads/main",
      before: "0".repeat(40),
      after: "b".repeat(40),
      created: true,
      deleted: false,
      forced: false,
      pusher: { login: "alice", id: 7 },
      defaultBranch: "main",
    });
    expect(change).toMatchObject({ headSha: "b".repeat(40), baseSha: null, filesComplete: false, push: { initial: true } });
    expect(nock.pendingMocks()).toEqual([]);
  });
});
