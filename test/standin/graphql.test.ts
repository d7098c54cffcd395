import { afterAll, beforeAll, describe, expect, test } from "@jest/globals";
import { commitFiles, push, git } from "../helpers/git.js";
import { startStandIn, type StandIn } from "./index.js";
import { api, appKeys, seedRepository, type Seeded } from "./testing.js";

let standIn: StandIn;
let seeded: Seeded;

beforeAll(async () => {
  standIn = await startStandIn({ publicKey: appKeys().publicKey });
  seeded = await seedRepository(standIn);
  standIn.addUser({ login: "bob", emails: ["bob@example.com"] });
  standIn.addUser({ login: "renovate[bot]", type: "Bot" });
  standIn.addReview({ owner: "acme", repo: "widgets", pullNumber: 1, user: "bob", state: "APPROVED" });
  standIn.addReview({ owner: "acme", repo: "widgets", pullNumber: 1, user: "bob", state: "COMMENTED" });
  standIn.addReview({ owner: "acme", repo: "widgets", pullNumber: 1, user: "carol", state: "APPROVED", commitId: seeded.baseSha });
  standIn.addReview({ owner: "acme", repo: "widgets", pullNumber: 1, user: "carol", state: "CHANGES_REQUESTED" });
  standIn.addReview({ owner: "acme", repo: "widgets", pullNumber: 1, user: "renovate[bot]", state: "APPROVED" });
  standIn.addTeam({ org: "acme", slug: "maintainers", members: ["bob", "carol", "dave"] });
});

afterAll(async () => {
  await seeded.cleanup();
  await standIn.close();
});

interface GqlResponse {
  data?: Record<string, unknown> | null;
  errors?: Array<{ message: string; type?: string; path?: unknown[] }>;
}

async function gql(query: string, variables: Record<string, unknown> = {}): Promise<GqlResponse> {
  const response = await api(standIn, "POST", "/api/graphql", { body: { query, variables } });
  expect(response.status).toBe(200);
  return response.body as GqlResponse;
}

const PR = `query ($number: Int!, $after: String) {
  repository(owner: "acme", name: "widgets") {
    pullRequest(number: $number) {
      number headRefOid headRefName baseRefName baseRefOid isDraft
      author { login ... on User { databaseId } }
      files(first: 2, after: $after) { totalCount pageInfo { hasNextPage endCursor } nodes { path changeType } }
    }
  }
}`;

describe("GraphQL", () => {
  test("answers a pull request's refs, author and paginated files from the git repository", async () => {
    const first = await gql(PR, { number: 1 });
    expect(first.errors).toBeUndefined();
    const pr = (first.data?.repository as { pullRequest: Record<string, unknown> }).pullRequest;
    expect(pr).toMatchObject({ number: 1, headRefOid: seeded.headSha, baseRefOid: seeded.baseSha, headRefName: "feature", isDraft: false });
    expect(pr.author).toEqual({ login: "alice", databaseId: standIn.state.user("alice").id });
    const files = pr.files as { totalCount: number; pageInfo: { hasNextPage: boolean; endCursor: string }; nodes: Array<{ path: string; changeType: string }> };
    expect(files.totalCount).toBe(3);
    expect(files.nodes).toEqual([
      { path: "docs/README.md", changeType: "RENAMED" },
      { path: "src/a.ts", changeType: "MODIFIED" },
    ]);
    expect(files.pageInfo.hasNextPage).toBe(true);
    const second = await gql(PR, { number: 1, after: files.pageInfo.endCursor });
    const rest = ((second.data?.repository as { pullRequest: Record<string, unknown> }).pullRequest.files as typeof files);
    expect(rest.nodes).toEqual([{ path: "src/b.ts", changeType: "ADDED" }]);
    expect(rest.pageInfo.hasNextPage).toBe(false);
  });

  test("commits carry tree, parents and authors mapped to users by email", async () => {
    const result = await gql(`{ repository(owner: "acme", name: "widgets") { pullRequest(number: 1) {
      commits(first: 10) { totalCount nodes { commit { oid tree { oid } message parents(first: 2) { nodes { oid } }
        author { email name user { login databaseId } } committer { email user { login } } } } } } } }`);
    const commits = ((result.data?.repository as { pullRequest: { commits: { totalCount: number; nodes: Array<{ commit: Record<string, unknown> }> } } }).pullRequest.commits);
    expect(commits.totalCount).toBe(2);
    const last = commits.nodes[1]?.commit as Record<string, unknown>;
    expect(last.oid).toBe(seeded.headSha);
    expect(last.message).toBe("add b");
    expect((last.parents as { nodes: Array<{ oid: string }> }).nodes).toEqual([{ oid: commits.nodes[0]?.commit.oid }]);
    expect(last.author).toEqual({ email: "alice@example.com", name: "Alice", user: { login: "alice", databaseId: standIn.state.user("alice").id } });
    // The committer's email belongs to nobody on the stand-in, so no user is attributed.
    expect(last.committer).toEqual({ email: "ci@example.com", user: null });
    expect(String((last.tree as { oid: string }).oid)).toMatch(/^[0-9a-f]{40}$/);
  });

  test("latestOpinionatedReviews keeps each reviewer's latest approval or change request; reviews lists all", async () => {
    const result = await gql(`{ repository(owner: "acme", name: "widgets") { pullRequest(number: 1) {
      latestOpinionatedReviews(first: 10) { nodes { state commit { oid } author { __typename login ... on User { databaseId } } } }
      reviews(first: 10) { totalCount nodes { state } } } } }`);
    const pr = (result.data?.repository as { pullRequest: Record<string, { nodes: Array<Record<string, unknown>>; totalCount?: number }> }).pullRequest;
    const latest = pr.latestOpinionatedReviews?.nodes.map((n) => [(n.author as { login: string }).login, n.state, (n.commit as { oid: string }).oid]);
    expect(latest).toEqual([
      ["bob", "APPROVED", seeded.headSha],
      ["carol", "CHANGES_REQUESTED", seeded.headSha],
      ["renovate[bot]", "APPROVED", seeded.headSha],
    ]);
    expect(pr.latestOpinionatedReviews?.nodes[2]?.author).toEqual({ __typename: "Bot", login: "renovate[bot]" });
    expect(pr.reviews?.totalCount).toBe(5);
  });

  test("team members are listed with pagination", async () => {
    const result = await gql(`{ organization(login: "acme") { team(slug: "maintainers") { members(first: 2) { totalCount pageInfo { hasNextPage } nodes { login databaseId } } } } }`);
    const members = (result.data?.organization as { team: { members: { totalCount: number; pageInfo: { hasNextPage: boolean }; nodes: Array<{ login: string }> } } }).team.members;
    expect(members.totalCount).toBe(3);
    expect(members.nodes.map((m) => m.login)).toEqual(["bob", "carol"]);
    expect(members.pageInfo.hasNextPage).toBe(true);
    const missing = await gql(`{ organization(login: "acme") { team(slug: "nobody") { slug } } }`);
    expect(missing.data?.organization).toEqual({ team: null });
  });

  test("rateLimit counts queries", async () => {
    const a = await gql("{ rateLimit { cost remaining limit resetAt } }");
    const b = await gql("{ rateLimit { remaining } }");
    const ra = a.data?.rateLimit as { cost: number; remaining: number; limit: number; resetAt: string };
    expect(ra.cost).toBe(1);
    expect(ra.limit).toBe(5000);
    expect((b.data?.rateLimit as { remaining: number }).remaining).toBe(ra.remaining - 1);
  });

  test("GitHub's errors: not found with type, pagination bounds, unknown fields, bad cursors", async () => {
    const missing = await gql(`{ repository(owner: "acme", name: "nope") { name } }`);
    expect(missing.data).toEqual({ repository: null });
    expect(missing.errors?.[0]).toMatchObject({ type: "NOT_FOUND", path: ["repository"] });
    const noPr = await gql(PR, { number: 99 });
    expect(noPr.errors?.[0]?.type).toBe("NOT_FOUND");
    const unbounded = await gql(`{ repository(owner: "acme", name: "widgets") { pullRequest(number: 1) { files { totalCount } } } }`);
    expect(unbounded.errors?.[0]?.message).toMatch(/must provide a `first` or `last`/);
    const excessive = await gql(`{ repository(owner: "acme", name: "widgets") { pullRequest(number: 1) { files(first: 101) { totalCount } } } }`);
    expect(excessive.errors?.[0]?.message).toMatch(/exceeds the `first` limit of 100/);
    const invented = await gql(`{ repository(owner: "acme", name: "widgets") { pullRequest(number: 1) { mergeQueueEntry { id } } } }`);
    expect(invented.data).toBeUndefined();
    expect(invented.errors?.[0]?.message).toMatch(/Cannot query field/);
    const badCursor = await gql(PR, { number: 1, after: "garbage" });
    expect(badCursor.errors?.[0]?.message).toMatch(/valid cursor/);
    const noQuery = await api(standIn, "POST", "/api/graphql", { body: { variables: {} } });
    expect((noQuery.body as GqlResponse).errors?.[0]?.message).toMatch(/query attribute/);
  });

  test("requires an installation token", async () => {
    const response = await api(standIn, "POST", "/api/graphql", { body: { query: "{ rateLimit { remaining } }" }, authorization: null });
    expect(response.status).toBe(401);
  });

  test("a force push recorded on refresh shows up as a HeadRefForcePushedEvent; co-authors and push rights are reported", async () => {
    const repo = standIn.state.requireRepo("acme", "widgets");
    await standIn.addRepo({ owner: "acme", name: "rewritten" });
    const target = standIn.state.requireRepo("acme", "rewritten");
    await push(seeded.work, target.gitDir, ["main", "feature"]);
    const pull = await standIn.openPullRequest({ owner: "acme", repo: "rewritten", head: "feature", author: "alice" });
    standIn.addReview({ owner: "acme", repo: "rewritten", pullNumber: pull.number, user: "eve", authorCanPush: false });
    // Rewrite `feature` from main: the old head is no longer an ancestor.
    await git(seeded.work, ["checkout", "-q", "-B", "rewrite", "main"]);
    const rewritten = await commitFiles(seeded.work, { "z.txt": "z\n" }, "rewrite\n\nCo-authored-by: Bob <bob@example.com>");
    await git(seeded.work, ["checkout", "-q", "main"]);
    await push(seeded.work, target.gitDir, ["+rewrite:feature"]);
    await standIn.refreshPullRequest("acme", "rewritten", pull.number, "mallory");
    expect(repo.gitDir).not.toBe(target.gitDir);

    const result = await gql(`query ($n: Int!) { repository(owner: "acme", name: "rewritten") { pullRequest(number: $n) {
      headRefOid headRepository { nameWithOwner }
      timelineItems(first: 10, itemTypes: [HEAD_REF_FORCE_PUSHED_EVENT]) { filteredCount nodes { __typename ... on HeadRefForcePushedEvent { actor { login } beforeCommit { oid } afterCommit { oid } } } }
      commits(first: 5) { nodes { commit { authors(first: 5) { totalCount nodes { name email user { login } } } } } }
      reviews(first: 5) { nodes { authorCanPushToRepository author { login } } } } } }`, { n: pull.number });
    expect(result.errors).toBeUndefined();
    const pr = (result.data?.repository as { pullRequest: Record<string, unknown> }).pullRequest;
    expect(pr.headRefOid).toBe(rewritten);
    expect(pr.headRepository).toEqual({ nameWithOwner: "acme/rewritten" });
    expect(pr.timelineItems).toEqual({
      filteredCount: 1,
      nodes: [{ __typename: "HeadRefForcePushedEvent", actor: { login: "mallory" }, beforeCommit: { oid: seeded.headSha }, afterCommit: { oid: rewritten } }],
    });
    const authors = (pr.commits as { nodes: Array<{ commit: { authors: { totalCount: number; nodes: unknown[] } } }> }).nodes[0]?.commit.authors;
    expect(authors?.totalCount).toBe(2);
    expect(authors?.nodes[1]).toEqual({ name: "Bob", email: "bob@example.com", user: { login: "bob" } });
    expect((pr.reviews as { nodes: unknown[] }).nodes).toEqual([{ authorCanPushToRepository: false, author: { login: "eve" } }]);
  });

  test("a fast-forward push records no force push", async () => {
    const before = standIn.state.forcePushes.length;
    await git(seeded.work, ["checkout", "-q", "-B", "ff", seeded.headSha]);
    const next = await commitFiles(seeded.work, { "ff.txt": "ff\n" }, "fast-forward");
    await git(seeded.work, ["checkout", "-q", "main"]);
    await push(seeded.work, standIn.state.requireRepo("acme", "widgets").gitDir, ["ff:feature"]);
    const pull = await standIn.refreshPullRequest("acme", "widgets", 1);
    expect(pull.head.sha).toBe(next);
    expect(standIn.state.forcePushes.length).toBe(before);
  });
});
