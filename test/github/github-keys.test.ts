/**
 * Keys GitHub holds (`signatures.keys: [github]`), fetched with the GitHub API (nock) for the
 * accounts policy identities name, then used on real commits signed with gpg and ssh-keygen.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from "@jest/globals";
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import nock from "nock";
import { API, testOctokit } from "./octokit.js";
import { buildSigningFixture, type SigningFixture } from "../cli/signing-fixture.js";
import { accountsFor, explainMissingGithubKeys, fetchGithubKeys, type GithubAccount } from "../../src/github/github-keys.js";
import { buildTrustStore } from "../../src/controls/signatures/trust.js";
import { signatureEvidence, trustedKeyEvidence } from "../../src/controls/signatures/evidence.js";
import { CatFileSource } from "../../src/git/cat-file.js";
import { PolicySchema, type PolicyInput } from "../../src/policy/schema.js";
import type { SignatureEvidence } from "../../src/evidence/types.js";

let fx: SigningFixture;
let repo: string;
let aliceSubkeyArmored: string;
const c: Record<string, string> = {};

beforeAll(() => {
  fx = buildSigningFixture();
  repo = fx.initRepo();
  c.alice = fx.commit(repo, "alice@example.com", "alice-gpg", { "a.txt": "a\n" }, "alice");
  c.bob = fx.commit(repo, "bob@example.com", "bob-ssh", { "b.txt": "b\n" }, "bob");
  c.carol = fx.commit(repo, "carol@example.com", "alice-gpg", { "c.txt": "c\n" }, "alice's key, carol's email");
  c.stranger = fx.commit(repo, "bob@example.com", "stranger-ssh", { "d.txt": "d\n" }, "a stranger as bob");
  // A signing subkey: gpg then signs with it, and only raw_key (not public_key) carries it.
  const env = { ...process.env, GNUPGHOME: join(fx.root, "gnupg") };
  const gpg = (...args: string[]) => execFileSync("gpg", ["--batch", "--pinentry-mode", "loopback", "--passphrase", "", ...args], { env, encoding: "utf8" });
  const fpr = gpg("--with-colons", "--list-keys", "alice@example.com").split("\n").find((l) => l.startsWith("fpr:"))!.split(":")[9]!;
  gpg("--quick-add-key", fpr, "ed25519", "sign", "never");
  aliceSubkeyArmored = gpg("--armor", "--export", "alice@example.com");
  c.subkey = fx.commit(repo, "alice@example.com", "alice-gpg", { "e.txt": "e\n" }, "signed by the subkey");
}, 60_000);
afterAll(() => fx?.cleanup());
beforeEach(() => nock.disableNetConnect());
afterEach(() => {
  nock.cleanAll();
  nock.enableNetConnect();
});

function policy(identities: PolicyInput["identities"]) {
  return PolicySchema.parse({ version: 1, identities, signatures: { keys: ["github"] } });
}

const gpgKey = (raw: string | null, extra: Record<string, unknown> = {}) => ({
  id: 1,
  key_id: "0000000000000000",
  public_key: "xsBN",
  raw_key: raw,
  emails: [],
  subkeys: [],
  can_sign: true,
  can_encrypt_comms: false,
  can_encrypt_storage: false,
  can_certify: true,
  created_at: "2026-01-01T00:00:00Z",
  expires_at: null,
  revoked: false,
  name: null,
  primary_key_id: null,
  ...extra,
});

async function verify(keys: Awaited<ReturnType<typeof fetchGithubKeys>>["keys"], ids: string[]): Promise<SignatureEvidence> {
  const trust = await buildTrustStore({ github: keys, bindIdentity: true });
  const source = new CatFileSource(repo);
  try {
    return await signatureEvidence(source, ids, trust, new Date(), trustedKeyEvidence(trust, new Date()));
  } finally {
    source.close();
  }
}

const ALICE: GithubAccount = { identity: "alice", login: "alice-gh", githubId: null, emails: ["alice@example.com"] };
const BOB: GithubAccount = { identity: "bob", login: "bob-gh", githubId: 22, emails: ["bob@example.com"] };

describe("which accounts", () => {
  test("a signer maps to an account only through a policy identity that lists the email and names a login or an id", () => {
    const p = policy({
      alice: { github: "alice-gh", emails: ["Alice@example.com"] },
      bob: { github: "bob-gh", github_id: 22, emails: ["bob@example.com"] },
      nologin: { emails: ["dave@example.com"] },
      idonly: { github_id: 77, emails: ["frank@example.com"] },
      github: { github: "web-flow", emails: ["noreply@github.com"] },
    });
    const { accounts, unmapped } = accountsFor(p, ["alice@example.com", "dave@example.com", "frank@example.com", "noreply@github.com", "eve@example.com"]);
    expect(accounts).toEqual([
      { identity: "alice", login: "alice-gh", githubId: null, emails: ["alice@example.com"] },
      { identity: "idonly", login: null, githubId: 77, emails: ["frank@example.com"] },
    ]);
    // web-flow is mapped (its keys are pinned in Vouch) but never fetched; dave has no login.
    expect(unmapped.sort()).toEqual(["dave@example.com", "eve@example.com"]);
  });
});

describe("fetching and verifying", () => {
  test("raw_key (with its signing subkey) and SSH signing keys verify the account's commits, recorded with URL and time", async () => {
    nock(API)
      .get("/users/alice-gh/gpg_keys").query(true).reply(200, [gpgKey(aliceSubkeyArmored), gpgKey(null, { id: 2 })])
      .get("/users/alice-gh/ssh_signing_keys").query(true).reply(200, [])
      .get("/users/bob-gh").reply(200, { login: "bob-gh", id: 22 })
      .get("/users/bob-gh/gpg_keys").query(true).reply(200, [])
      .get("/users/bob-gh/ssh_signing_keys").query(true).reply(200, [{ id: 5, key: fx.bobSsh, title: "laptop", created_at: "2026-01-01T00:00:00Z" }]);
    const fetched = await fetchGithubKeys(testOctokit(), [ALICE, BOB], () => new Date("2026-11-25T12:00:00.000Z"));
    expect(fetched.problems).toEqual([]);
    expect(fetched.keys.map((k) => [k.identity, k.format, k.origin.url])).toEqual([
      ["alice", "openpgp", `${API}/users/alice-gh/gpg_keys`],
      ["bob", "ssh", `${API}/users/bob-gh/ssh_signing_keys`],
    ]);
    const ev = await verify(fetched.keys, [c.alice!, c.subkey!, c.bob!, c.carol!, c.stranger!]);
    const status = Object.fromEntries(ev.objects.map((o) => [o.id, o.signature.status]));
    expect(status).toEqual({ [c.alice!]: "valid", [c.subkey!]: "valid", [c.bob!]: "valid", [c.carol!]: "identity_mismatch", [c.stranger!]: "unknown_key" });
    // The subkey commit names the subkey, not the primary key.
    const subkey = ev.objects.find((o) => o.id === c.subkey)!.signature.key;
    expect(subkey).not.toBe(ev.objects.find((o) => o.id === c.alice)!.signature.key);
    expect(ev.keys).toEqual([
      expect.objectContaining({ source: "github", where: `${API}/users/alice-gh/gpg_keys`, fetchedAt: "2026-11-25T12:00:00.000Z", digest: expect.stringMatching(/^sha256:/) }),
      expect.objectContaining({ source: "github", where: `${API}/users/bob-gh/ssh_signing_keys`, fetchedAt: "2026-11-25T12:00:00.000Z" }),
    ]);
  });

  test.each([
    ["a server error", 502, /GitHub answered HTTP 502/],
    ["a rate limit", 403, /GitHub answered HTTP 403/],
    ["an unknown user", 404, /GitHub has no such user \(HTTP 404\)/],
  ])("%s fails closed: the account's commits are unknown_key, saying the keys could not be fetched", async (_what, status, reason) => {
    nock(API)
      .get("/users/alice-gh/gpg_keys").query(true).reply(status, { message: "nope" }, status === 403 ? { "x-ratelimit-remaining": "0" } : {});
    const fetched = await fetchGithubKeys(testOctokit(), [ALICE]);
    expect(fetched.keys).toEqual([]);
    expect(fetched.problems).toEqual([{ account: ALICE, reason: expect.stringMatching(reason) }]);
    const ev = await verify(fetched.keys, [c.alice!, c.bob!]);
    explainMissingGithubKeys(ev, { ...fetched, unmapped: ["bob@example.com"] });
    const alice = ev.objects.find((o) => o.id === c.alice)!.signature;
    expect(alice.status).toBe("unknown_key");
    expect(alice.detail).toMatch(/the GitHub keys of alice-gh \(identity alice\) could not be fetched: /);
    expect(alice.detail).toMatch(reason);
    expect(ev.objects.find((o) => o.id === c.bob)!.signature.detail).toMatch(/no policy identity with a `github` login or `github_id` lists bob@example.com/);
  });

  test("an identity pinned only by github_id is looked up by id, so a renamed account keeps its keys", async () => {
    const BOB_BY_ID: GithubAccount = { identity: "bob", login: null, githubId: 22, emails: ["bob@example.com"] };
    nock(API)
      .get("/user/22").reply(200, { login: "bob-renamed", id: 22 })
      .get("/users/bob-renamed/gpg_keys").query(true).reply(200, [])
      .get("/users/bob-renamed/ssh_signing_keys").query(true).reply(200, [{ id: 5, key: fx.bobSsh, title: "laptop", created_at: "2026-01-01T00:00:00Z" }]);
    const fetched = await fetchGithubKeys(testOctokit(), [BOB_BY_ID]);
    expect(fetched.problems).toEqual([]);
    expect(fetched.keys.map((k) => k.origin)).toEqual([expect.objectContaining({ login: "bob-renamed", url: `${API}/users/bob-renamed/ssh_signing_keys` })]);
    const ev = await verify(fetched.keys, [c.bob!]);
    expect(ev.objects[0]!.signature.status).toBe("valid");

    nock(API).get("/user/22").reply(404, { message: "Not Found" });
    const gone = await fetchGithubKeys(testOctokit(), [BOB_BY_ID]);
    expect(gone.keys).toEqual([]);
    expect(gone.problems).toEqual([{ account: BOB_BY_ID, reason: expect.stringMatching(/no such user/) }]);
    const missing = await verify(gone.keys, [c.bob!]);
    explainMissingGithubKeys(missing, { ...gone, unmapped: [] });
    expect(missing.objects[0]!.signature.detail).toMatch(/the GitHub keys of GitHub user #22 \(identity bob\) could not be fetched/);
  });

  test("a login that now belongs to another GitHub id, or keys that do not parse, give no keys", async () => {
    nock(API).get("/users/bob-gh").reply(200, { login: "bob-gh", id: 23 });
    const recycled = await fetchGithubKeys(testOctokit(), [BOB]);
    expect(recycled.keys).toEqual([]);
    expect(recycled.problems[0]?.reason).toMatch(/now belongs to GitHub user 23, not 22/);

    nock(API)
      .get("/users/alice-gh/gpg_keys").query(true).reply(200, [gpgKey("-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nnot a key\n-----END PGP PUBLIC KEY BLOCK-----")])
      .get("/users/alice-gh/ssh_signing_keys").query(true).reply(200, [{ id: 9, key: "ssh-ed25519 !!!", title: "x", created_at: "2026-01-01T00:00:00Z" }]);
    const junk = await fetchGithubKeys(testOctokit(), [ALICE]);
    expect(junk).toEqual({ keys: [], problems: [] });
  });
});
