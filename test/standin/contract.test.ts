// Drives every route the stand-in serves and checks each answer against GitHub's OpenAPI schema,
// so the stand-in cannot drift from the shapes real GitHub returns.
import { afterAll, beforeAll, describe, expect, test } from "@jest/globals";
import { documentsStatus, matchOperation, operations, validateResponseBody, validateSchema } from "../helpers/openapi.js";
import { startStandIn, type StandIn } from "./index.js";
import { api, appJwt, appKeys, seedRepository, type Seeded } from "./testing.js";

let standIn: StandIn;
let seeded: Seeded;
const covered = new Set<string>();
const keys = appKeys();

beforeAll(async () => {
  standIn = await startStandIn({ publicKey: keys.publicKey });
  seeded = await seedRepository(standIn);
  standIn.addTeam({ org: "acme", slug: "maintainers", members: ["alice", "bob"] });
  standIn.addReview({ owner: "acme", repo: "widgets", pullNumber: 1, user: "bob" });
  standIn.addReview({ owner: "acme", repo: "widgets", pullNumber: 1, user: "carol", state: "CHANGES_REQUESTED", body: "no" });
  standIn.state.addGpgKey("alice", {
    keyId: "3262EFF25BA0D270",
    publicKey: "xsBNBFnZ",
    rawKey: "-----BEGIN PGP PUBLIC KEY BLOCK-----\n...",
    emails: [{ email: "alice@example.com", verified: true }],
    subkeys: [{ keyId: "4A3B2C1D00112233", canSign: true, expiresAt: null }],
  });
  standIn.state.addSshSigningKey("alice", "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIExample alice");
  standIn.state.addDelivery({ event: "pull_request", action: "opened", repositoryId: 1 });
  standIn.state.setBranchProtection("acme", "widgets", "main", { enforce_admins: { enabled: true } });
  standIn.state.setBranchRules("acme", "widgets", "main", [
    { type: "non_fast_forward", ruleset_source_type: "Repository", ruleset_source: "acme/widgets", ruleset_id: 1 },
    { type: "required_signatures" },
  ]);
});

afterAll(async () => {
  await seeded.cleanup();
  await standIn.close();
});

async function expectContract(method: string, path: string, options: { body?: unknown; jwt?: boolean; status: number }): Promise<unknown> {
  const response = await api(standIn, method, path, {
    ...(options.body !== undefined ? { body: options.body } : {}),
    ...(options.jwt ? { authorization: `Bearer ${appJwt(keys.privateKey, standIn.appId)}` } : {}),
  });
  const match = matchOperation(method, path.split("?")[0] as string);
  expect(match).toBeDefined();
  expect({ path, status: response.status }).toEqual({ path, status: options.status });
  const template = match?.pathTemplate ?? "";
  // GitHub answers some errors its description omits (422 on check-run create, 404 on a missing
  // team); those must still have GitHub's generic error shape.
  const errors =
    response.status >= 400 && !documentsStatus(method, template, response.status)
      ? validateSchema("basic-error", response.body)
      : validateResponseBody(method, template, response.status, response.body);
  expect(errors).toEqual([]);
  expect(response.status >= 400 ? (response.body as { message?: unknown }).message : "ok").toEqual(expect.any(String));
  covered.add(`${method} ${match?.pathTemplate}`);
  return response.body;
}

describe("stand-in responses match GitHub's OpenAPI description", () => {
  test("app and installation endpoints", async () => {
    await expectContract("GET", "/app", { jwt: true, status: 200 });
    await expectContract("GET", "/app/installations/1", { jwt: true, status: 200 });
    await expectContract("GET", "/app/installations/2", { jwt: true, status: 404 });
    await expectContract("GET", "/repos/acme/widgets/installation", { jwt: true, status: 200 });
    await expectContract("POST", "/app/installations/1/access_tokens", { jwt: true, status: 201 });
    await expectContract("GET", "/installation/repositories", { status: 200 });
    const deliveries = (await expectContract("GET", "/app/hook/deliveries", { jwt: true, status: 200 })) as Array<{ id: number }>;
    await expectContract("POST", `/app/hook/deliveries/${deliveries[0]?.id}/attempts`, { jwt: true, status: 202 });
  });

  test("repository, contents and pull request endpoints", async () => {
    await expectContract("GET", "/repos/acme/widgets", { status: 200 });
    await expectContract("GET", "/repos/acme/nope", { status: 404 });
    await expectContract("GET", "/repos/acme/widgets/contents/.github/vouch.yml", { status: 200 });
    await expectContract("GET", "/repos/acme/widgets/contents/src?ref=feature", { status: 200 });
    await expectContract("GET", "/repos/acme/widgets/contents/missing.txt", { status: 404 });
    await expectContract("GET", "/repos/acme/widgets/pulls", { status: 200 });
    await expectContract("GET", "/repos/acme/widgets/pulls/1", { status: 200 });
    await expectContract("GET", "/repos/acme/widgets/pulls/9", { status: 404 });
    await expectContract("GET", "/repos/acme/widgets/pulls/1/files", { status: 200 });
    await expectContract("GET", "/repos/acme/widgets/pulls/1/commits", { status: 200 });
    await expectContract("GET", "/repos/acme/widgets/pulls/1/reviews", { status: 200 });
    await expectContract("GET", "/repos/acme/widgets/compare/main...feature", { status: 200 });
    await expectContract("GET", "/repos/acme/widgets/compare/main...nothing", { status: 404 });
    await expectContract("GET", `/repos/acme/widgets/commits/${seeded.headSha}/pulls`, { status: 200 });
    await expectContract("GET", "/repos/acme/widgets/rules/branches/main", { status: 200 });
    await expectContract("GET", "/repos/acme/widgets/branches/main/protection", { status: 200 });
    await expectContract("GET", "/repos/acme/widgets/branches/feature/protection", { status: 404 });
  });

  test("check run endpoints, including refusals", async () => {
    const created = (await expectContract("POST", "/repos/acme/widgets/check-runs", {
      body: { name: "vouch", head_sha: seeded.headSha, status: "in_progress", external_id: "e1" },
      status: 201,
    })) as { id: number };
    await expectContract("POST", "/repos/acme/widgets/check-runs", { body: { name: "vouch", head_sha: "0".repeat(40) }, status: 422 });
    const annotations = [{ path: "src/a.ts", start_line: 1, end_line: 1, annotation_level: "failure", message: "unsigned" }];
    await expectContract("PATCH", `/repos/acme/widgets/check-runs/${created.id}`, {
      body: { status: "completed", conclusion: "failure", output: { title: "Vouch", summary: "1 problem", annotations } },
      status: 200,
    });
    await expectContract("GET", `/repos/acme/widgets/check-runs/${created.id}`, { status: 200 });
    await expectContract("GET", `/repos/acme/widgets/check-runs/${created.id}/annotations`, { status: 200 });
    await expectContract("GET", `/repos/acme/widgets/commits/${seeded.headSha}/check-runs`, { status: 200 });
    await expectContract("GET", "/repos/acme/widgets/commits/feature/check-runs?check_name=vouch", { status: 200 });
  });

  test("people, teams, keys and issues", async () => {
    await expectContract("GET", "/users/alice", { status: 200 });
    await expectContract("GET", "/users/nobody-here", { status: 404 });
    await expectContract("GET", `/user/${standIn.state.user("alice").id}`, { status: 200 });
    await expectContract("GET", "/user/987654321", { status: 404 });
    await expectContract("GET", "/users/alice/gpg_keys", { status: 200 });
    await expectContract("GET", "/users/alice/ssh_signing_keys", { status: 200 });
    await expectContract("GET", "/orgs/acme/teams/maintainers/members", { status: 200 });
    await expectContract("GET", "/orgs/acme/teams/ghosts/members", { status: 404 });
    const issue = (await expectContract("POST", "/repos/acme/widgets/issues", { body: { title: "Vouch: direct push to main", labels: ["vouch"] }, status: 201 })) as { number: number };
    await expectContract("GET", "/repos/acme/widgets/issues?state=open&per_page=100", { status: 200 });
    await expectContract("POST", `/repos/acme/widgets/issues/${issue.number}/comments`, { body: { body: "again" }, status: 201 });
    await expectContract("POST", `/repos/acme/widgets/issues/${issue.number}/comments`, { body: {}, status: 422 });
    await expectContract("GET", `/repos/acme/widgets/issues/${issue.number}/comments`, { status: 200 });
    await expectContract("GET", "/repos/acme/widgets/issues/999/comments", { status: 404 });
  });

  test("every operation in the OpenAPI subset was exercised above", () => {
    const all = operations().map((o) => `${o.method} ${o.pathTemplate}`);
    expect(all.filter((o) => !covered.has(o))).toEqual([]);
  });
});
