/**
 * End to end for keys GitHub holds: with `signatures.keys: [github]`, the app fetches the SSH
 * signing keys of the GitHub account the policy identity names from the stand-in, verifies the
 * pull request's commits with them, and records where and when it fetched them in the
 * provenance; when GitHub cannot answer, the commit fails as unknown_key and says why.
 */
import { afterAll, beforeAll, expect, test } from "@jest/globals";
import { execFile } from "node:child_process";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { startHarness, OWNER, type Harness } from "./harness.js";
import { branch, checkout, commitFiles, push, removeDir, tempDir } from "../helpers/git.js";
import { openLedger, defaultLedgerUrl } from "../../src/ledger/open.js";
import { runCli } from "../../src/cli/main.js";

async function vouch(cwd: string, argv: string[]): Promise<{ code: number; out: string }> {
  let out = "";
  const sink = { write: (text: string) => void (out += text) };
  const saved = process.env.VOUCH_DATA_DIR;
  process.env.VOUCH_DATA_DIR = h.dataDir;
  try {
    return { code: await runCli(argv, { stdout: sink, stderr: sink, cwd }), out };
  } finally {
    if (saved === undefined) delete process.env.VOUCH_DATA_DIR;
    else process.env.VOUCH_DATA_DIR = saved;
  }
}

const run = promisify(execFile);
let h: Harness;
let keyDir: string;
let signingEnv: Record<string, string>;

const POLICY = `version: 1
identities:
  author:
    github: octocat
    emails: [author@example.com]
signatures:
  keys: [github]
namespaces:
  - name: main
    refs: [refs/heads/main]
    signatures: { required: true }
secrets:
  enabled: false
`;

beforeAll(async () => {
  keyDir = await tempDir("vouch-ghkey-");
  const key = join(keyDir, "id_ed25519");
  await run("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "octocat", "-f", key]);
  signingEnv = { GIT_CONFIG_COUNT: "2", GIT_CONFIG_KEY_0: "gpg.format", GIT_CONFIG_VALUE_0: "ssh", GIT_CONFIG_KEY_1: "user.signingkey", GIT_CONFIG_VALUE_1: key };
  h = await startHarness();
  h.standIn.addSshSigningKey("octocat", (await readFile(`${key}.pub`, "utf8")).trim());
});
afterAll(async () => {
  await h?.close();
  await removeDir(keyDir);
});

async function signedPullRequest(name: string): Promise<{ dir: string; head: string; pr: Awaited<ReturnType<Harness["standIn"]["openPullRequest"]>> }> {
  const dir = await h.repoWithPolicy(name, POLICY);
  await branch(dir, "feature", "main");
  const head = await commitFiles(dir, { "a.txt": "a\n" }, "signed with a key GitHub holds", { args: ["-S"], env: signingEnv });
  await push(dir, h.standIn.state.repo(OWNER, name)!.gitDir, ["feature"]);
  await checkout(dir, "main");
  return { dir, head, pr: await h.standIn.openPullRequest({ owner: OWNER, repo: name, head: "feature", base: "main", author: "octocat" }) };
}

test("a commit signed with the account's GitHub SSH signing key passes; the provenance names the key's URL and fetch time", async () => {
  const { dir, head, pr } = await signedPullRequest("gh-keys");
  await h.deliver("pull_request", h.pullRequestPayload("gh-keys", pr));
  expect((await h.completedRun("gh-keys", head)).conclusion).toBe("success");
  expect(h.standIn.requests({ pathPrefix: "/api/v3/users/octocat/ssh_signing_keys" }).length).toBeGreaterThan(0);

  const ledger = await openLedger(defaultLedgerUrl({ VOUCH_DATA_DIR: h.dataDir }));
  try {
    const entry = await ledger.latest(`${OWNER}/gh-keys`, "refs/heads/main", "https://vouch.dev/source-provenance/v1");
    const predicate = (JSON.parse(Buffer.from(entry!.envelope.payload, "base64").toString("utf8")) as { predicate: { keys: { type: string; source: string; obtainedAt: string }[] } }).predicate;
    expect(predicate.keys).toContainEqual(
      expect.objectContaining({ type: "ssh", source: `github:${h.standIn.apiUrl}/users/octocat/ssh_signing_keys`, obtainedAt: expect.stringMatching(/^\d{4}-/) }),
    );
  } finally {
    await ledger.close();
  }

  // The auditor: the clone's policy maps the key's account to the identity, but the key itself is
  // GitHub's to hold, so re-verification needs it supplied; once it is, the recorded verdict holds.
  const out = join(h.dataDir, "gh-keys.intoto.jsonl");
  const keysPem = join(h.dataDir, "gh-keys.pem");
  expect((await vouch(dir, ["audit", "export", "--repo", `${OWNER}/gh-keys`, "--out", out])).code).toBe(0);
  const pem = await vouch(dir, ["keys", "public"]);
  await writeFile(keysPem, pem.out.slice(pem.out.indexOf("-----BEGIN")));
  const without = await vouch(dir, ["audit", "verify", out, "--public-key", keysPem, "--repo", dir]);
  expect(without.code).toBe(1);
  expect(without.out).toMatch(new RegExp(`:1: object ${head}: the attestation records valid \\(ssh.*was fetched from ${h.standIn.apiUrl}/users/octocat/ssh_signing_keys`));
  // Its principal is not the committer's email: the key binds through the policy identity whose github login owns it.
  const signers = join(keyDir, "allowed_signers");
  await writeFile(signers, `octocat@users.noreply.example ${(await readFile(join(keyDir, "id_ed25519.pub"), "utf8")).trim()}\n`);
  const withKey = await vouch(dir, ["audit", "verify", out, "--public-key", keysPem, "--repo", dir, "--allowed-signers", signers]);
  expect(withKey.out).toContain("1 signature verdict re-verified");
  expect(withKey.code).toBe(0);
});

test("when GitHub cannot list the account's keys, the commit fails as unknown_key and the check says the keys could not be fetched", async () => {
  const { head, pr } = await signedPullRequest("gh-keys-down");
  h.standIn.failNext({ pathPrefix: "/api/v3/users/octocat/ssh_signing_keys", status: 502, count: 5 });
  await h.deliver("pull_request", h.pullRequestPayload("gh-keys-down", pr));
  const failed = await h.completedRun("gh-keys-down", head);
  expect(failed.conclusion).toBe("failure");
  const output = `${failed.output.summary}\n${failed.output.text}`;
  expect(output).toContain(head.slice(0, 7));
  expect(output).toMatch(/signed by a key the policy does not trust/);
  expect(output).toMatch(/could not be fetched/);
});

test("an OpenPGP key GitHub holds, used through its signing subkey (raw_key), verifies the account's commit", async () => {
  const home = join(keyDir, "gnupg");
  await run("mkdir", ["-m", "700", home]);
  const gpg = async (...args: string[]) => (await run("gpg", ["--homedir", home, "--batch", "--pinentry-mode", "loopback", "--passphrase", "", ...args])).stdout;
  try {
    await gpg("--quick-gen-key", "Test Author <author@example.com>", "ed25519", "cert", "never");
    const fpr = (await gpg("--with-colons", "--list-keys", "author@example.com")).split("\n").find((l) => l.startsWith("fpr:"))!.split(":")[9]!;
    await gpg("--quick-add-key", fpr, "ed25519", "sign", "never");
    const sub = (await gpg("--with-colons", "--list-keys", "author@example.com")).split("\n").find((l) => l.startsWith("sub:"))!.split(":")[4]!;
    h.standIn.addUser({ login: "hubot", type: "User" });
    h.standIn.addGpgKey("hubot", { keyId: fpr.slice(-16), publicKey: "primary-key-packet-only", rawKey: await gpg("--armor", "--export", fpr), subkeys: [{ keyId: sub, canSign: true, expiresAt: null }] });
    const dir = await h.repoWithPolicy("gh-gpg", POLICY.replace("github: octocat", "github: hubot"));
    await branch(dir, "feature", "main");
    const env = { GIT_CONFIG_COUNT: "2", GIT_CONFIG_KEY_0: "gpg.program", GIT_CONFIG_VALUE_0: "gpg", GIT_CONFIG_KEY_1: "user.signingkey", GIT_CONFIG_VALUE_1: fpr, GNUPGHOME: home };
    const head = await commitFiles(dir, { "a.txt": "a\n" }, "signed by the subkey of a key GitHub holds", { args: ["-S"], env });
    await push(dir, h.standIn.state.repo(OWNER, "gh-gpg")!.gitDir, ["feature"]);
    await checkout(dir, "main");
    const pr = await h.standIn.openPullRequest({ owner: OWNER, repo: "gh-gpg", head: "feature", base: "main", author: "octocat" });
    await h.deliver("pull_request", h.pullRequestPayload("gh-gpg", pr));
    const done = await h.completedRun("gh-gpg", head);
    expect(done.conclusion).toBe("success");
    expect(h.standIn.requests({ pathPrefix: "/api/v3/users/hubot/gpg_keys" }).length).toBeGreaterThan(0);
  } finally {
    await run("gpgconf", ["--homedir", home, "--kill", "all"]).catch(() => undefined);
  }
});
