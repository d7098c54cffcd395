import { afterAll, beforeAll, beforeEach, describe, expect, test } from "@jest/globals";
import { importCommit, push } from "../helpers/git.js";
import { startStandIn, type StandIn } from "./index.js";
import { api, appJwt, appKeys, seedRepository, type Seeded } from "./testing.js";

let standIn: StandIn;
let seeded: Seeded;
const keys = appKeys();

beforeAll(async () => {
  standIn = await startStandIn({ publicKey: keys.publicKey, appId: 42 });
  seeded = await seedRepository(standIn);
});

afterAll(async () => {
  await seeded.cleanup();
  await standIn.close();
});

beforeEach(() => {
  standIn.state.log.length = 0;
});

function annotation(i: number) {
  return { path: "src/a.ts", start_line: i + 1, end_line: i + 1, annotation_level: "warning", message: `finding ${i}` };
}

describe("authentication", () => {
  const tokenPath = "/app/installations/1/access_tokens";

  test("a JWT signed with the app's key buys an installation token that then authorizes API calls", async () => {
    const minted = await api(standIn, "POST", tokenPath, { authorization: `Bearer ${appJwt(keys.privateKey, 42)}` });
    expect(minted.status).toBe(201);
    const { token } = minted.body as { token: string };
    expect(token).toMatch(/^ghs_/);
    expect((await api(standIn, "GET", "/repos/acme/widgets", { authorization: `token ${token}` })).status).toBe(200);
    expect((await api(standIn, "GET", "/repos/acme/widgets", { authorization: `Bearer ${token}` })).status).toBe(200);
  });

  test("refuses JWTs signed by another key, for another app, expired, or not RS256", async () => {
    const { generateKeyPairSync } = await import("node:crypto");
    const other = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({ type: "pkcs1", format: "pem" }).toString();
    const now = Math.floor(Date.now() / 1000);
    const bad = [
      appJwt(other, 42),
      appJwt(keys.privateKey, 43),
      appJwt(keys.privateKey, 42, { iat: now - 1000, exp: now - 10 }),
      appJwt(keys.privateKey, 42, { exp: now + 3600 }),
      appJwt(keys.privateKey, 42, { alg: "HS256" }),
      "not.a.jwt",
    ];
    for (const jwt of bad) {
      const response = await api(standIn, "POST", tokenPath, { authorization: `Bearer ${jwt}` });
      expect(response.status).toBe(401);
    }
    expect((await api(standIn, "POST", tokenPath, { authorization: null })).status).toBe(401);
  });

  test("installation endpoints refuse a missing or unknown token, and app endpoints refuse a token", async () => {
    expect((await api(standIn, "GET", "/repos/acme/widgets", { authorization: null })).status).toBe(401);
    expect((await api(standIn, "GET", "/repos/acme/widgets", { authorization: "token ghs_forged" })).status).toBe(401);
    expect((await api(standIn, "GET", "/app")).status).toBe(401);
    const jwt = `Bearer ${appJwt(keys.privateKey, 42)}`;
    expect((await api(standIn, "GET", "/repos/acme/widgets", { authorization: jwt })).status).toBe(401);
  });

  test("an installation other than 1 does not exist", async () => {
    const response = await api(standIn, "POST", "/app/installations/7/access_tokens", { authorization: `Bearer ${appJwt(keys.privateKey, 42)}` });
    expect(response.status).toBe(404);
  });
});

describe("contents", () => {
  test("returns the file at the requested ref, base64-encoded, and 404 where it is absent", async () => {
    const main = await api(standIn, "GET", "/repos/acme/widgets/contents/src/a.ts");
    expect(Buffer.from((main.body as { content: string }).content, "base64").toString()).toBe("export const a = 1;\n");
    const feature = await api(standIn, "GET", "/repos/acme/widgets/contents/src/a.ts?ref=feature");
    expect(Buffer.from((feature.body as { content: string }).content, "base64").toString()).toBe("export const a = 2;\n");
    expect((await api(standIn, "GET", "/repos/acme/widgets/contents/src/b.ts?ref=main")).status).toBe(404);
    expect((await api(standIn, "GET", "/repos/acme/widgets/contents/src/a.ts?ref=no-such-branch")).status).toBe(404);
    expect((await api(standIn, "GET", "/repos/acme/widgets/contents/src/a.ts?ref=--upload-pack=x")).status).toBe(404);
  });

  test("lists a directory", async () => {
    const response = await api(standIn, "GET", "/repos/acme/widgets/contents/src?ref=feature");
    expect((response.body as Array<{ name: string; type: string }>).map((e) => [e.name, e.type])).toEqual([
      ["a.ts", "file"],
      ["b.ts", "file"],
    ]);
  });
});

describe("pull requests and comparisons", () => {
  test("files carry status and previous_filename computed by git, commits come oldest first", async () => {
    const files = (await api(standIn, "GET", "/repos/acme/widgets/pulls/1/files")).body as Array<Record<string, unknown>>;
    expect(files.map((f) => [f.filename, f.status, f.previous_filename])).toEqual([
      ["docs/README.md", "renamed", "README.md"],
      ["src/a.ts", "modified", undefined],
      ["src/b.ts", "added", undefined],
    ]);
    const commits = (await api(standIn, "GET", "/repos/acme/widgets/pulls/1/commits")).body as Array<{ sha: string; author: { login: string } | null }>;
    expect(commits.map((c) => c.sha).at(-1)).toBe(seeded.headSha);
    expect(commits[0]?.author?.login).toBe("alice");
  });

  test("compare A...B lists commits and files from the merge base, and reports divergence", async () => {
    const body = (await api(standIn, "GET", "/repos/acme/widgets/compare/main...feature")).body as {
      status: string;
      ahead_by: number;
      behind_by: number;
      commits: Array<{ sha: string }>;
      files: Array<{ filename: string; status: string }>;
    };
    expect(body.status).toBe("ahead");
    expect([body.ahead_by, body.behind_by]).toEqual([2, 0]);
    expect(body.commits.map((c) => c.sha).at(-1)).toBe(seeded.headSha);
    expect(body.files.map((f) => f.status)).toEqual(["renamed", "modified", "added"]);
    const reverse = (await api(standIn, "GET", `/repos/acme/widgets/compare/${seeded.headSha}...${seeded.baseSha}`)).body as { status: string };
    expect(reverse.status).toBe("behind");
    expect((await api(standIn, "GET", "/repos/acme/widgets/compare/main")).status).toBe(404);
  });

  test("a pull request with more than 3,000 files lists only 3,000, paginated with Link headers", async () => {
    const repo = await standIn.addRepo({ owner: "acme", name: "huge" });
    await push(seeded.work, repo.gitDir, ["main"]);
    const files: Record<string, string> = {};
    for (let i = 0; i < 3005; i++) files[`gen/f${i}.txt`] = `${i}\n`;
    await importCommit(repo.gitDir, { ref: "huge", from: seeded.baseSha, files, message: "many files" });
    const pull = await standIn.openPullRequest({ owner: "acme", repo: "huge", head: "huge", author: "alice" });

    const first = await api(standIn, "GET", `/repos/acme/huge/pulls/${pull.number}/files?per_page=100`);
    expect((first.body as unknown[]).length).toBe(100);
    const link = first.headers.get("link") ?? "";
    expect(link).toContain('rel="next"');
    expect(link).toMatch(/page=30>; rel="last"/);
    const last = await api(standIn, "GET", `/repos/acme/huge/pulls/${pull.number}/files?per_page=100&page=30`);
    expect((last.body as unknown[]).length).toBe(100);
    expect(last.headers.get("link")).not.toContain('rel="next"');
    const beyond = await api(standIn, "GET", `/repos/acme/huge/pulls/${pull.number}/files?per_page=100&page=31`);
    expect(beyond.body).toEqual([]);
    const detail = (await api(standIn, "GET", `/repos/acme/huge/pulls/${pull.number}`)).body as { changed_files: number };
    expect(detail.changed_files).toBe(3005);
  });

  test("commits/{sha}/pulls finds the pull requests containing a commit", async () => {
    const found = (await api(standIn, "GET", `/repos/acme/widgets/commits/${seeded.headSha}/pulls`)).body as Array<{ number: number }>;
    expect(found.map((p) => p.number)).toEqual([1]);
    const none = (await api(standIn, "GET", `/repos/acme/widgets/commits/${seeded.baseSha}/pulls`)).body as unknown[];
    expect(none).toEqual([]);
  });

  test("reviews come back with state, commit and reviewer", async () => {
    standIn.addReview({ owner: "acme", repo: "widgets", pullNumber: 1, user: "dave", state: "APPROVED" });
    const reviews = (await api(standIn, "GET", "/repos/acme/widgets/pulls/1/reviews")).body as Array<{ user: { login: string }; state: string; commit_id: string }>;
    expect(reviews.at(-1)).toMatchObject({ user: { login: "dave" }, state: "APPROVED", commit_id: seeded.headSha });
  });
});

describe("check runs", () => {
  test("annotations accumulate across PATCHes and conclusion implies completed", async () => {
    const created = await api(standIn, "POST", "/repos/acme/widgets/check-runs", {
      body: { name: "vouch", head_sha: seeded.headSha, status: "in_progress", output: { title: "t", summary: "s", annotations: [annotation(0)] } },
    });
    expect(created.status).toBe(201);
    const id = (created.body as { id: number }).id;
    const patch = (n: number) =>
      api(standIn, "PATCH", `/repos/acme/widgets/check-runs/${id}`, {
        body: { output: { title: "t", summary: "s", annotations: Array.from({ length: n }, (_, i) => annotation(i)) } },
      });
    expect((await patch(50)).status).toBe(200);
    const done = await api(standIn, "PATCH", `/repos/acme/widgets/check-runs/${id}`, { body: { conclusion: "failure", output: { title: "done", summary: "2 problems" } } });
    expect(done.body).toMatchObject({ status: "completed", conclusion: "failure", output: { title: "done", annotations_count: 51 } });
    const [run] = standIn.checkRuns("acme", "widgets").filter((c) => c.id === id);
    expect(run?.annotations).toHaveLength(51);
    expect(run?.output.summary).toBe("2 problems");
  });

  test("refuses what GitHub refuses: 51 annotations, oversize summary, completed without conclusion, unknown SHA", async () => {
    const tooMany = await api(standIn, "POST", "/repos/acme/widgets/check-runs", {
      body: { name: "vouch", head_sha: seeded.headSha, output: { title: "t", summary: "s", annotations: Array.from({ length: 51 }, (_, i) => annotation(i)) } },
    });
    expect(tooMany.status).toBe(422);
    expect((tooMany.body as { message: string }).message).toMatch(/annotations.*50/);
    const tooLong = await api(standIn, "POST", "/repos/acme/widgets/check-runs", {
      body: { name: "vouch", head_sha: seeded.headSha, output: { title: "t", summary: "x".repeat(65536) } },
    });
    expect(tooLong.status).toBe(422);
    const noConclusion = await api(standIn, "POST", "/repos/acme/widgets/check-runs", { body: { name: "vouch", head_sha: seeded.headSha, status: "completed" } });
    expect(noConclusion.status).toBe(422);
    const unknownSha = await api(standIn, "POST", "/repos/acme/widgets/check-runs", { body: { name: "vouch", head_sha: "f".repeat(40) } });
    expect(unknownSha.status).toBe(422);
    expect(standIn.checkRuns("acme", "widgets").filter((c) => c.status === "completed" && c.conclusion === null)).toEqual([]);
  });

  test("listing by ref keeps the latest run per name unless filter=all", async () => {
    const ids: number[] = [];
    for (const name of ["list-a", "list-a", "list-b"]) {
      ids.push(((await api(standIn, "POST", "/repos/acme/widgets/check-runs", { body: { name, head_sha: seeded.headSha } })).body as { id: number }).id);
    }
    type List = { total_count: number; check_runs: Array<{ id: number; name: string }> };
    const latest = (await api(standIn, "GET", "/repos/acme/widgets/commits/feature/check-runs?check_name=list-a")).body as List;
    expect(latest.check_runs.map((c) => c.id)).toEqual([ids[1]]);
    const all = (await api(standIn, "GET", "/repos/acme/widgets/commits/feature/check-runs?check_name=list-a&filter=all")).body as List;
    expect(all.total_count).toBe(2);
    const everything = (await api(standIn, "GET", `/repos/acme/widgets/commits/${seeded.headSha}/check-runs?per_page=100`)).body as List;
    expect(everything.check_runs.map((c) => c.name)).toEqual(expect.arrayContaining(["list-a", "list-b", "vouch"]));
    expect(new Set(everything.check_runs.map((c) => c.name)).size).toBe(everything.check_runs.length);
    const onBase = (await api(standIn, "GET", `/repos/acme/widgets/commits/${seeded.baseSha}/check-runs`)).body as List;
    expect(onBase.total_count).toBe(0);
  });
});

describe("robustness, faults and the request log", () => {
  test("malformed JSON is a 400, unknown routes 404, and the server keeps answering", async () => {
    const bad = await api(standIn, "POST", "/repos/acme/widgets/check-runs", { rawBody: "{not json" });
    expect(bad.status).toBe(400);
    expect((await api(standIn, "GET", "/repos/acme/widgets/teleport")).status).toBe(404);
    expect((await api(standIn, "GET", "/repos/acme/widgets/contents/%E0%A4%A")).status).toBeGreaterThanOrEqual(400);
    expect((await api(standIn, "GET", "/repos/acme/widgets")).status).toBe(200);
  });

  test("failNext answers the given status for the given number of matching requests, then recovers", async () => {
    standIn.failNext({ method: "GET", pathPrefix: "/api/v3/repos/acme/widgets/pulls", status: 502, count: 2 });
    standIn.failNext({ pathPrefix: "/api/graphql", status: 403, headers: { "retry-after": "1" }, body: { message: "You have exceeded a secondary rate limit." } });
    expect((await api(standIn, "GET", "/repos/acme/widgets")).status).toBe(200);
    expect((await api(standIn, "GET", "/repos/acme/widgets/pulls/1")).status).toBe(502);
    expect((await api(standIn, "GET", "/repos/acme/widgets/pulls/1/files")).status).toBe(502);
    expect((await api(standIn, "GET", "/repos/acme/widgets/pulls/1")).status).toBe(200);
    const limited = await api(standIn, "POST", "/api/graphql", { body: { query: "{ rateLimit { remaining } }" } });
    expect(limited.status).toBe(403);
    expect(limited.headers.get("retry-after")).toBe("1");
    expect((await api(standIn, "POST", "/api/graphql", { body: { query: "{ rateLimit { remaining } }" } })).status).toBe(200);
  });

  test("every request is logged with its body and status, never its authorization header", async () => {
    await api(standIn, "POST", "/repos/acme/widgets/check-runs", { body: { name: "logged", head_sha: seeded.headSha } });
    await api(standIn, "GET", "/repos/acme/widgets/pulls?state=all");
    const posts = standIn.requests({ method: "POST", pathPrefix: "/api/v3/repos/acme/widgets/check-runs" });
    expect(posts).toHaveLength(1);
    expect(posts[0]).toMatchObject({ body: { name: "logged" }, status: 201 });
    expect(standIn.requests({ pathPrefix: "/api/v3/repos/acme/widgets/pulls" })[0]?.query).toEqual({ state: "all" });
    expect(JSON.stringify(standIn.requests())).not.toMatch(/ghs_|authorization/i);
  });
});

describe("installation scope, large files, issues and deliveries", () => {
  test("a repository outside the installation is invisible to its token, over REST and git alike", async () => {
    const hidden = await standIn.addRepo({ owner: "acme", name: "hidden", installed: false });
    await push(seeded.work, hidden.gitDir, ["main"]);
    expect((await api(standIn, "GET", "/repos/acme/hidden")).status).toBe(404);
    expect((await api(standIn, "GET", "/repos/acme/hidden/contents/README.md")).status).toBe(404);
    const listed = (await api(standIn, "GET", "/installation/repositories?per_page=100")).body as { repositories: Array<{ name: string }> };
    expect(listed.repositories.map((r) => r.name)).toContain("widgets");
    expect(listed.repositories.map((r) => r.name)).not.toContain("hidden");
    const info = await fetch(`${standIn.url}/acme/hidden.git/info/refs?service=git-upload-pack`, {
      headers: { authorization: `Basic ${Buffer.from(`x-access-token:${standIn.issueToken()}`).toString("base64")}` },
    });
    expect(info.status).toBe(404);
  });

  test("files over 1 MB come back without content, as GitHub's contents API does", async () => {
    const repo = await standIn.addRepo({ owner: "acme", name: "big" });
    await importCommit(repo.gitDir, { ref: "main", files: { "big.bin": Buffer.alloc(1024 * 1024 + 1, 7), "small.txt": "s\n" }, message: "big" });
    const big = (await api(standIn, "GET", "/repos/acme/big/contents/big.bin")).body as { encoding: string; content: string; size: number };
    expect(big).toMatchObject({ encoding: "none", content: "", size: 1024 * 1024 + 1 });
    const small = (await api(standIn, "GET", "/repos/acme/big/contents/small.txt")).body as { encoding: string; content: string };
    expect(small.encoding).toBe("base64");
  });

  test("issues are recorded with the app as author; redelivery requests are recorded", async () => {
    const created = await api(standIn, "POST", "/repos/acme/widgets/issues", { body: { title: "Vouch: force push to main", body: "details", labels: ["security"] } });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ title: "Vouch: force push to main", labels: [{ name: "security" }], user: { login: "vouch[bot]", type: "Bot" } });
    expect(standIn.state.issues.at(-1)).toMatchObject({ title: "Vouch: force push to main", body: "details" });
    expect((await api(standIn, "POST", "/repos/acme/widgets/issues", { body: { body: "no title" } })).status).toBe(422);

    const delivery = standIn.state.addDelivery({ event: "push", statusCode: 500, status: "Internal Server Error" });
    const jwt = `Bearer ${appJwt(keys.privateKey, 42)}`;
    const listed = (await api(standIn, "GET", "/app/hook/deliveries", { authorization: jwt })).body as Array<{ id: number; status_code: number }>;
    expect(listed[0]).toMatchObject({ id: delivery.id, status_code: 500 });
    expect((await api(standIn, "POST", `/app/hook/deliveries/${delivery.id}/attempts`, { authorization: jwt })).status).toBe(202);
    expect((await api(standIn, "POST", "/app/hook/deliveries/1/attempts", { authorization: jwt })).status).toBe(404);
    expect(standIn.state.redeliveries).toEqual([delivery.id]);
  });
});

describe("reset", () => {
  test("forgets pulls, checks, teams, keys, the log and pending faults, but keeps repositories and users", async () => {
    standIn.addTeam({ org: "acme", slug: "t", members: ["alice"] });
    standIn.addSshSigningKey("alice", "ssh-ed25519 AAAA alice");
    standIn.failNext({ status: 500, count: 5 });
    standIn.reset();
    expect(standIn.state.pulls).toEqual([]);
    expect(standIn.checkRuns("acme", "widgets")).toEqual([]);
    expect(standIn.requests()).toEqual([]);
    expect((await api(standIn, "GET", "/repos/acme/widgets")).status).toBe(200);
    expect((await api(standIn, "GET", "/repos/acme/widgets/pulls/1")).status).toBe(404);
    expect((await api(standIn, "GET", "/orgs/acme/teams/t/members")).status).toBe(404);
    expect((await api(standIn, "GET", "/users/alice/ssh_signing_keys")).body).toEqual([]);
  });
});

