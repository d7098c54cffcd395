import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from "@jest/globals";
import { validate } from "@octokit/graphql-schema";
import nock from "nock";
import { GitHubEvidenceError } from "../../src/github/client.js";
import { coAuthorTrailers, gatherReviewEvidence, pushPullRequest, teamSnapshot } from "../../src/github/review-evidence.js";
import { REVIEW_QUERIES } from "../../src/github/review-queries.js";
import { EvidenceSchema } from "../../src/evidence/schema.js";
import { EVIDENCE_SCHEMA, type Evidence } from "../../src/evidence/types.js";
import { reviewControl } from "../../src/controls/review/index.js";
import { touchedNamespaces } from "../../src/engine/namespaces.js";
import { PolicySchema } from "../../src/policy/schema.js";
import { Probot } from "probot";
import type { GitHubClient } from "../../src/github/client.js";
import { startStandIn, type StandIn } from "../standin/index.js";
import { appKeys, seedRepository, type Seeded } from "../standin/testing.js";
import { API, testOctokit } from "./octokit.js";

beforeEach(() => nock.disableNetConnect());
afterEach(() => {
  nock.cleanAll();
  nock.enableNetConnect();
});

const TARGET = { owner: "acme", repo: "app", number: 7 };
const sha = (n: number, c = "a") => n.toString(16).padStart(40, c === "a" ? "0" : c);

interface Vars {
  commitsAfter: string | null;
  reviewsAfter: string | null;
  pushesAfter: string | null;
  withCommits: boolean;
  withReviews: boolean;
  withPushes: boolean;
}

function gqlCommit(oid: string, opts: { message?: string; author?: string; authors?: unknown[] } = {}) {
  const who = opts.author ?? "carol";
  const ids: Record<string, number> = { carol: 30, alice: 10, bob: 20 };
  const person = { name: who, email: `${who}@example.com`, user: { login: who, databaseId: ids[who] ?? 99 } };
  return {
    commit: {
      oid,
      message: opts.message ?? "change",
      tree: { oid: `tree-${oid}` },
      parents: { totalCount: 1, nodes: [{ oid: "f".repeat(40) }] },
      author: person,
      committer: person,
      authors: { nodes: opts.authors ?? [person] },
    },
  };
}

function gqlReview(login: string, state: string, oid: string, extra: Record<string, unknown> = {}) {
  const ids: Record<string, number> = { alice: 10, bob: 20, dan: 40, renovate: 2740 };
  return {
    state,
    submittedAt: "2026-11-25T10:00:00Z",
    authorCanPushToRepository: true,
    author: { login, __typename: login === "renovate" ? "Bot" : "User", databaseId: ids[login] ?? 1 },
    commit: { oid, tree: { oid: `tree-${oid}` } },
    ...extra,
  };
}

function conn<T>(nodes: T[], next: string | null, totalCount?: number) {
  return { ...(totalCount === undefined ? {} : { totalCount }), pageInfo: { hasNextPage: next !== null, endCursor: next }, nodes };
}

function page(head: string, parts: { commits?: unknown; reviews?: unknown; pushes?: unknown }) {
  return {
    data: {
      rateLimit: { cost: 1, remaining: 4999, resetAt: "2026-11-25T13:00:00Z" },
      repository: {
        pullRequest: {
          headRefOid: head,
          ...(parts.commits ? { commits: parts.commits } : {}),
          ...(parts.reviews ? { reviews: parts.reviews } : {}),
          ...(parts.pushes ? { timelineItems: parts.pushes } : {}),
        },
      },
    },
  };
}

/** Answers GraphQL requests from a function of the variables, recording them. */
function serve(answer: (v: Vars, i: number) => unknown, times = 1) {
  const seen: Vars[] = [];
  nock(API)
    .post("/graphql", (b: { variables: Vars }) => (seen.push(b.variables), true))
    .times(times)
    .reply(200, () => answer(seen[seen.length - 1]!, seen.length - 1));
  return seen;
}

test.each(Object.entries(REVIEW_QUERIES))("GraphQL document %s is valid against GitHub's published schema", (_n, q) => {
  expect(validate(q).map((e) => e.message)).toEqual([]);
});

describe("gatherReviewEvidence", () => {
  test("one request for a small pull request: commits with co-authors, reviews bound to commits, force pushers, team snapshots", async () => {
    const head = sha(2);
    serve(() =>
      page(head, {
        commits: conn(
          [
            gqlCommit(sha(1)),
            gqlCommit(head, {
              message: "fix\n\nCo-authored-by: Alice <alice@example.com>\nco-authored-by: Ghost <ghost@example.com>",
              authors: [
                { name: "carol", email: "carol@example.com", user: { login: "carol", databaseId: 30 } },
                { name: "Alice", email: "ALICE@example.com", user: { login: "alice", databaseId: 10 } },
                { name: "Ghost", email: "ghost@example.com", user: null },
              ],
            }),
          ],
          null,
          2,
        ),
        reviews: conn(
          [
            gqlReview("alice", "APPROVED", head),
            gqlReview("renovate", "APPROVED", head, { authorCanPushToRepository: null }),
            gqlReview("bob", "DISMISSED", sha(1)),
            gqlReview("dan", "PENDING", head, { submittedAt: null }),
          ],
          null,
          4,
        ),
        pushes: conn([{ actor: { login: "bob", __typename: "User", databaseId: 20 } }, {}], null),
      }),
    );
    nock(API).get("/orgs/acme/teams/core/members").query({ per_page: "100" }).reply(200, [{ login: "alice", id: 10, type: "User" }]);

    const r = await gatherReviewEvidence(testOctokit(), TARGET, {
      teams: ["@acme/core"],
      knownPushers: [{ login: "carol", id: 30 }, { login: "bob", id: 20 }],
      now: () => new Date("2026-11-25T12:00:00Z"),
    });
    expect(r.requests).toBe(2);
    expect(r.gaps).toEqual([]);
    expect(r.headSha).toBe(head);
    expect(r.review.headTree).toBe(`tree-${head}`);
    expect(r.review.commits[1]!.coAuthors).toEqual([
      { name: "Alice", email: "alice@example.com", user: { login: "alice", id: 10 } },
      { name: "Ghost", email: "ghost@example.com", user: null },
    ]);
    expect(r.review.reviews.map((x) => [x.author.login, x.state, x.dismissed, x.canPush])).toEqual([
      ["alice", "APPROVED", false, true],
      ["renovate[bot]", "APPROVED", false, null],
      ["bob", "DISMISSED", true, true],
    ]);
    expect(r.review.reviews[1]!.author).toEqual({ login: "renovate[bot]", id: 2740, type: "Bot" });
    expect(r.review.pushers.map((p) => p.login)).toEqual(["carol", "bob"]);
    expect(r.review.pushersComplete).toBe(false);
    expect(r.teams).toEqual([{ team: "@acme/core", members: [{ login: "alice", id: 10, type: "User" }], resolvedAt: "2026-11-25T12:00:00.000Z" }]);
  });

  test("pages hundreds of commits and many reviews together, dropping each connection once read", async () => {
    const head = sha(250);
    const commitPages = [0, 1, 2].map((p) => Array.from({ length: p < 2 ? 100 : 50 }, (_, i) => gqlCommit(sha(p * 100 + i + 1))));
    const reviewPages = [0, 1].map((p) => Array.from({ length: p === 0 ? 100 : 30 }, (_, i) => gqlReview("alice", "COMMENTED", sha(p * 100 + i + 1))));
    const seen = serve(
      (v, i) =>
        page(head, {
          ...(v.withCommits ? { commits: conn(commitPages[i]!, i < 2 ? `C${i + 1}` : null, 250) } : {}),
          ...(v.withReviews ? { reviews: conn(reviewPages[i]!, i < 1 ? `R${i + 1}` : null, 130) } : {}),
          ...(v.withPushes ? { pushes: conn([], null) } : {}),
        }),
      3,
    );
    const r = await gatherReviewEvidence(testOctokit(), TARGET);
    expect(r.requests).toBe(3);
    expect(seen.map((v) => [v.commitsAfter, v.reviewsAfter, v.withCommits, v.withReviews, v.withPushes])).toEqual([
      [null, null, true, true, true],
      ["C1", "R1", true, true, false],
      ["C2", null, true, false, false],
    ]);
    expect(r.review.commits).toHaveLength(250);
    expect(r.review.reviews).toHaveLength(130);
    expect(r.gaps).toEqual([]);
  });

  test("when the head moves while paging, it starts again from the new head", async () => {
    const first = page(sha(1), { commits: conn([gqlCommit(sha(1))], "C1", 2), reviews: conn([], null, 0), pushes: conn([], null) });
    const moved = page(sha(3), { commits: conn([gqlCommit(sha(2))], "C1", 2) });
    const again = page(sha(3), { commits: conn([gqlCommit(sha(2))], "C9", 2), reviews: conn([], null, 0), pushes: conn([], null) });
    const last = page(sha(3), { commits: conn([gqlCommit(sha(3))], null, 2) });
    const answers = [first, moved, again, last];
    const seen = serve((_v, i) => answers[i], 4);
    const r = await gatherReviewEvidence(testOctokit(), TARGET);
    expect(seen[2]!.commitsAfter).toBeNull();
    expect(r.review.commits.map((c) => c.oid)).toEqual([sha(2), sha(3)]);
    expect(r.headSha).toBe(sha(3));
    expect(r.gaps).toEqual([]);
  });

  test("a list GitHub cuts short, or a head missing from the commits, is a gap (the verdict fails closed)", async () => {
    serve(() => page(sha(9), { commits: conn([gqlCommit(sha(1))], null, 300), reviews: conn([], null, 2), pushes: conn([], null) }));
    const r = await gatherReviewEvidence(testOctokit(), TARGET);
    expect(r.gaps.map((g) => g.reason)).toEqual([
      "GitHub listed 1 of 300",
      "GitHub listed 0 of 2",
      "it was not among the pull request's commits",
    ]);
  });

  test("an API failure names the call and its status, never the token", async () => {
    nock(API).post("/graphql").reply(502, { message: "Bad gateway" });
    const err = await gatherReviewEvidence(testOctokit(), TARGET).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GitHubEvidenceError);
    expect((err as Error).message).toBe("GitHub API: could not read the commits and reviews of pull request #7 (HTTP 502)");
    expect((err as Error).message).not.toMatch(/ghs_/);
  });

  test("a missing pull request is reported as not found", async () => {
    nock(API).post("/graphql").reply(200, { data: { rateLimit: null, repository: { pullRequest: null } } });
    await expect(gatherReviewEvidence(testOctokit(), TARGET)).rejects.toMatchObject({ status: 404 });
  });

  test("a team that cannot be read becomes a gap, not an empty team", async () => {
    serve(() => page(sha(1), { commits: conn([gqlCommit(sha(1))], null, 1), reviews: conn([], null, 0), pushes: conn([], null) }));
    nock(API).get("/orgs/acme/teams/ghosts/members").query(true).reply(404, { message: "Not Found" });
    const r = await gatherReviewEvidence(testOctokit(), TARGET, { teams: ["@acme/ghosts"] });
    expect(r.teams).toEqual([]);
    expect(r.gaps).toEqual([{ what: "the members of @acme/ghosts", reason: "GitHub API: could not read the members of @acme/ghosts (HTTP 404)" }]);
  });

  test("gathered evidence is plain JSON the evidence schema accepts, and the review control judges it", async () => {
    const head = sha(2);
    serve(() =>
      page(head, {
        commits: conn([gqlCommit(head, { message: "x\n\nCo-authored-by: Bob <bob@example.com>", authors: [{ name: "Bob", email: "bob@example.com", user: { login: "bob", databaseId: 20 } }] })], null, 1),
        reviews: conn([gqlReview("bob", "APPROVED", head), gqlReview("alice", "APPROVED", head)], null, 2),
        pushes: conn([], null),
      }),
    );
    const r = await gatherReviewEvidence(testOctokit(), TARGET, { knownPushers: [{ login: "carol", id: 30 }], pushersComplete: true });
    const evidence = {
      schema: EVIDENCE_SCHEMA,
      repository: { id: 1, fullName: "acme/app" },
      observedAt: "2026-11-25T12:00:00.000Z",
      change: {
        kind: "pull_request" as const,
        ref: "refs/heads/main",
        baseSha: sha(1),
        headSha: r.headSha,
        files: [{ path: "a.ts", status: "modified" as const }],
        filesComplete: true,
        pullRequest: { number: 7, author: { login: "carol", id: 30 }, headRef: "f", headRepository: "acme/app", draft: false },
      },
      gaps: r.gaps,
      review: r.review,
      teams: r.teams,
    };
    const replayed = EvidenceSchema.parse(JSON.parse(JSON.stringify(evidence)));
    const policy = PolicySchema.parse({ version: 1, namespaces: [{ name: "main", refs: ["refs/heads/main"], review: { approvals: 2 } }] });
    const result = reviewControl.evaluate({ policy, evidence: replayed, touched: touchedNamespaces(policy.namespaces, replayed.change) });
    expect(result.status).toBe("fail");
    expect(result.findings.find((f) => f.code === "review.approval_not_counted")?.message).toMatch(/^bob's review .*\(co-authored/);
  });
});

describe("teamSnapshot", () => {
  test("follows Link pagination through every page of members", async () => {
    const next = `${API}/organizations/1/team/2/members?per_page=100&page=2`;
    nock(API)
      .get("/orgs/acme/teams/core/members")
      .query({ per_page: "100" })
      .reply(200, Array.from({ length: 100 }, (_, i) => ({ login: `u${i}`, id: i + 1, type: "User" })), { Link: `<${next}>; rel="next"` })
      .get("/organizations/1/team/2/members")
      .query({ per_page: "100", page: "2" })
      .reply(200, [{ login: "last", id: 500, type: "User" }]);
    const t = await teamSnapshot(testOctokit(), "@acme/core", () => new Date("2026-11-25T12:00:00Z"));
    expect(t.requests).toBe(2);
    expect(t.snapshot.members).toHaveLength(101);
    expect(t.snapshot.members[100]).toEqual({ login: "last", id: 500, type: "User" });
  });

  test("rejects a team not written @org/slug without calling GitHub", async () => {
    await expect(teamSnapshot(testOctokit(), "core")).rejects.toBeInstanceOf(GitHubEvidenceError);
  });
});

test("coAuthorTrailers reads every Co-authored-by line and ignores malformed ones", () => {
  expect(coAuthorTrailers("t\n\nCo-Authored-By: A B <a@x.io>\nCo-authored-by: nobody\nco-authored-by:<c@x.io>")).toEqual([
    { name: "A B", email: "a@x.io" },
    { name: null, email: "c@x.io" },
  ]);
});

describe("pushPullRequest", () => {
  const MERGE = "9".repeat(40);
  const PR_HEAD = "8".repeat(40);
  const pull = (extra: Record<string, unknown> = {}) => ({
    number: 12,
    merged_at: "2026-11-25T11:00:00Z",
    merge_commit_sha: MERGE,
    base: { ref: "main" },
    head: { sha: PR_HEAD },
    ...extra,
  });
  const run = (id: number, conclusion: string | null, appId = 1) => ({ id, name: "vouch", conclusion, app: { id: appId } });
  const target = { owner: "acme", repo: "app", ref: "refs/heads/main", sha: MERGE, appId: 1 };

  test("a push whose commit is the merge of a pull request Vouch passed", async () => {
    nock(API).get(`/repos/acme/app/commits/${MERGE}/pulls`).query(true).reply(200, [pull()]);
    nock(API)
      .get(`/repos/acme/app/commits/${PR_HEAD}/check-runs`)
      .query((q) => q.check_name === "vouch" && q.app_id === "1")
      .reply(200, { total_count: 2, check_runs: [run(5, "failure"), run(6, "success")] });
    expect(await pushPullRequest(testOctokit(), target)).toEqual({ viaPullRequest: { number: 12, passed: true, headSha: PR_HEAD }, requests: 2 });
  });

  test("Vouch's latest run failed, or only another app's run passed: not passed", async () => {
    nock(API).get(`/repos/acme/app/commits/${MERGE}/pulls`).query(true).times(2).reply(200, [pull()]);
    nock(API).get(`/repos/acme/app/commits/${PR_HEAD}/check-runs`).query(true).reply(200, { total_count: 2, check_runs: [run(7, "failure"), run(6, "success")] });
    expect((await pushPullRequest(testOctokit(), target)).viaPullRequest?.passed).toBe(false);
    nock(API).get(`/repos/acme/app/commits/${PR_HEAD}/check-runs`).query(true).reply(200, { total_count: 1, check_runs: [run(9, "success", 666)] });
    expect((await pushPullRequest(testOctokit(), target)).viaPullRequest?.passed).toBe(false);
  });

  test("a commit that is not the merge commit of a pull request into this branch is a direct push", async () => {
    nock(API)
      .get(`/repos/acme/app/commits/${MERGE}/pulls`)
      .query(true)
      .reply(200, [pull({ base: { ref: "dev" } }), pull({ merged_at: null }), pull({ merge_commit_sha: "7".repeat(40) })]);
    expect(await pushPullRequest(testOctokit(), target)).toEqual({ viaPullRequest: null, requests: 1 });
  });

  test("API failures are evidence errors naming the call", async () => {
    nock(API).get(`/repos/acme/app/commits/${MERGE}/pulls`).query(true).reply(500, {});
    await expect(pushPullRequest(testOctokit(), target)).rejects.toThrow(`GitHub API: could not read the pull requests of commit ${MERGE} (HTTP 500)`);
  });
});

describe("against the GitHub stand-in (real GraphQL execution, real git)", () => {
  let standIn: StandIn;
  let seeded: Seeded;
  let octokit: GitHubClient;
  const keys = appKeys();

  beforeAll(async () => {
    standIn = await startStandIn({ publicKey: keys.publicKey, appId: 321 });
    seeded = await seedRepository(standIn);
    const probot = new Probot({ appId: 321, privateKey: keys.privateKey, secret: "s", baseUrl: standIn.apiUrl, logLevel: "fatal" });
    octokit = (await probot.auth(1)) as unknown as GitHubClient;
  });
  afterAll(async () => {
    await seeded.cleanup();
    await standIn.close();
  });
  beforeEach(() => nock.enableNetConnect(/^127\.0\.0\.1/));

  test("gathers commits, bound reviews and a team, and the review control decides on them", async () => {
    const r0 = { owner: "acme", repo: "widgets", pullNumber: 1 };
    standIn.addReview({ ...r0, user: "bob", state: "APPROVED" });
    standIn.addReview({ ...r0, user: "carol", state: "APPROVED", commitId: seeded.baseSha });
    standIn.addReview({ ...r0, user: "dave", state: "CHANGES_REQUESTED" });
    standIn.addTeam({ org: "acme", slug: "maintainers", members: ["bob", "carol", "dave"] });

    const r = await gatherReviewEvidence(octokit, { owner: "acme", repo: "widgets", number: 1 }, { teams: ["@acme/maintainers"] });
    expect(r.gaps).toEqual([]);
    expect(r.headSha).toBe(seeded.headSha);
    expect(r.review.commits).toHaveLength(2);
    expect(r.review.commits[1]!.author.user?.login).toBe("alice");
    expect(r.review.commits[1]!.committer).toMatchObject({ email: "ci@example.com", user: null });
    expect(r.review.reviews.map((x) => [x.author.login, x.state, x.commitOid === seeded.headSha])).toEqual([
      ["bob", "APPROVED", true],
      ["carol", "APPROVED", false],
      ["dave", "CHANGES_REQUESTED", true],
    ]);
    expect(r.teams[0]?.members.map((m) => m.login)).toEqual(["bob", "carol", "dave"]);

    const policy = PolicySchema.parse({
      version: 1,
      namespaces: [{ name: "main", refs: ["refs/heads/main"], review: { approvals: 2, from: ["@acme/maintainers"] } }],
    });
    const evidence: Evidence = {
      schema: EVIDENCE_SCHEMA,
      repository: { id: 1, fullName: "acme/widgets" },
      observedAt: "2026-11-25T12:00:00.000Z",
      change: {
        kind: "pull_request" as const,
        ref: "refs/heads/main",
        baseSha: seeded.baseSha,
        headSha: r.headSha,
        files: [],
        filesComplete: true,
        pullRequest: { number: 1, author: { login: "alice", id: standIn.state.user("alice").id }, headRef: "feature", headRepository: "acme/widgets", draft: false },
      },
      gaps: r.gaps,
      review: r.review,
      teams: r.teams,
    };
    const result = reviewControl.evaluate({ policy, evidence, touched: touchedNamespaces(policy.namespaces, evidence.change) });
    expect(result.findings.filter((f) => f.severity === "error").map((f) => f.code)).toEqual(["review.insufficient_approvals", "review.changes_requested"]);
    expect(result.findings.find((f) => f.code === "review.insufficient_approvals")?.message).toMatch(/it has 1 \(bob\)/);
    expect(result.findings.find((f) => f.code === "review.approval_not_counted" && f.message.startsWith("carol"))?.message).toMatch(/not the current head/);
  });
});
