// The clients Vouch really uses (Probot's Octokit with app auth, its GraphQL client, and
// isomorphic-git over smart HTTP) work against the stand-in exactly as against GitHub Enterprise.
import { afterAll, beforeAll, describe, expect, test } from "@jest/globals";
import * as fs from "node:fs";
import { Probot } from "probot";
import * as isogit from "isomorphic-git";
import http from "isomorphic-git/http/node";
import { removeDir, tempDir } from "../helpers/git.js";
import { startStandIn, type StandIn } from "./index.js";
import { appKeys, seedRepository, type Seeded } from "./testing.js";

let standIn: StandIn;
let seeded: Seeded;
let probot: Probot;
const keys = appKeys();

beforeAll(async () => {
  standIn = await startStandIn({ publicKey: keys.publicKey, appId: 321 });
  seeded = await seedRepository(standIn);
  probot = new Probot({ appId: 321, privateKey: keys.privateKey, secret: "s3cret", baseUrl: standIn.apiUrl, logLevel: "fatal" });
});

afterAll(async () => {
  await seeded.cleanup();
  await standIn.close();
});

describe("real clients against the stand-in", () => {
  test("Probot's app Octokit signs a JWT the stand-in accepts", async () => {
    const app = await probot.auth();
    const { data } = await app.request("GET /app");
    expect(data?.id).toBe(321);
  });

  test("an installation Octokit mints a token and reads REST, paginated, and GraphQL", async () => {
    const octokit = await probot.auth(1);
    const pr = await octokit.request("GET /repos/{owner}/{repo}/pulls/{pull_number}", { owner: "acme", repo: "widgets", pull_number: 1 });
    expect(pr.data.head.sha).toBe(seeded.headSha);
    const files = await octokit.paginate("GET /repos/{owner}/{repo}/pulls/{pull_number}/files", { owner: "acme", repo: "widgets", pull_number: 1, per_page: 1 });
    expect(files.map((f) => f.filename)).toEqual(["docs/README.md", "src/a.ts", "src/b.ts"]);
    const result = await octokit.graphql<{ repository: { pullRequest: { headRefOid: string } } }>(
      `query ($owner: String!, $name: String!) { repository(owner: $owner, name: $name) { pullRequest(number: 1) { headRefOid } } }`,
      { owner: "acme", name: "widgets" },
    );
    expect(result.repository.pullRequest.headRefOid).toBe(seeded.headSha);
    const created = await octokit.request("POST /repos/{owner}/{repo}/check-runs", { owner: "acme", repo: "widgets", name: "vouch", head_sha: seeded.headSha, status: "in_progress" });
    expect(created.status).toBe(201);
    const tokenRequests = standIn.requests({ method: "POST", pathPrefix: "/api/v3/app/installations/1/access_tokens" });
    expect(tokenRequests.length).toBeGreaterThanOrEqual(1);
  });

  test("Octokit surfaces the stand-in's 422 for a request body GitHub would refuse", async () => {
    const octokit = await probot.auth(1);
    await expect(
      octokit.request("POST /repos/{owner}/{repo}/check-runs", {
        owner: "acme",
        repo: "widgets",
        name: "vouch",
        head_sha: seeded.headSha,
        output: { title: "t", summary: "x".repeat(65536) },
      }),
    ).rejects.toMatchObject({ status: 422 });
  });

  test("isomorphic-git fetches over smart HTTP with the installation token", async () => {
    const dir = await tempDir("vouch-isogit-");
    try {
      await isogit.init({ fs, dir, bare: true });
      await isogit.addRemote({ fs, gitdir: dir, remote: "origin", url: `${standIn.url}/acme/widgets.git` });
      const token = standIn.issueToken();
      const result = await isogit.fetch({
        fs,
        http,
        gitdir: dir,
        url: `${standIn.url}/acme/widgets.git`,
        ref: "feature",
        singleBranch: true,
        onAuth: () => ({ username: "x-access-token", password: token }),
      });
      expect(result.fetchHead).toBe(seeded.headSha);
      const commit = await isogit.readCommit({ fs, gitdir: dir, oid: seeded.headSha });
      expect(commit.commit.message).toBe("add b\n");
      await expect(
        isogit.fetch({ fs, http, gitdir: dir, url: `${standIn.url}/acme/widgets.git`, ref: "main", onAuth: () => ({ username: "x-access-token", password: "ghs_wrong" }) }),
      ).rejects.toThrow();
    } finally {
      await removeDir(dir);
    }
  });
});
