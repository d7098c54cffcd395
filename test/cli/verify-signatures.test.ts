// `vouch verify` with key files and with a policy that requires signatures, over real gpg/ssh-keygen signatures.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "@jest/globals";
import { cli } from "./cli-helpers.js";
import { buildSigningFixture, type SigningFixture } from "./signing-fixture.js";

interface JsonObject {
  id: string;
  type: string;
  signature: { status: string; format: string | null; signer: string | null; key: string | null; detail: string };
}

let fx: SigningFixture;
let plain: string; // a repository without a policy
let c1: string;
let c2: string;
let c3: string;
let c4: string;
let c5: string;
let tagGood: string;
let tagBare: string;

beforeAll(() => {
  fx = buildSigningFixture();
  plain = fx.initRepo();
  c1 = fx.commit(plain, "alice@example.com", "alice-gpg", { "a.txt": "1\n" });
  c2 = fx.commit(plain, "bob@example.com", "bob-ssh", { "b.txt": "2\n" });
  c3 = fx.commit(plain, "carol@example.com", null, { "c.txt": "3\n" });
  c4 = fx.commit(plain, "bob@example.com", "stranger-ssh", { "d.txt": "4\n" });
  c5 = fx.commit(plain, "carol@example.com", "alice-gpg", { "e.txt": "5\n" });
  tagGood = fx.tag(plain, "alice@example.com", "alice-gpg", "v1", c1);
  tagBare = fx.tag(plain, "alice@example.com", null, "v0", c1);
});
afterAll(() => fx?.cleanup());

const keys = () => ["--openpgp-keyring", fx.aliceKeyringPath, "--allowed-signers", fx.allowedSignersPath];

describe("vouch verify with key files and no policy", () => {
  test("neither a policy nor keys is an input error that says what to pass", async () => {
    const r = await cli(["verify", "--repo", plain, c2], "/");
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(/no \.github\/vouch\.yml .*--policy FILE, or key files \(--openpgp-keyring, --allowed-signers\)/);
  });

  test("commits signed by trusted keys and bound to their committers pass: exit 0, the issue-3 JSON shape", async () => {
    const r = await cli(["verify", "--repo", plain, ...keys(), "--format", "json", c1, c2], "/");
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const v = JSON.parse(r.stdout);
    expect(v.verdict).toBe("pass");
    const [a, b] = v.objects as JsonObject[];
    expect(a).toMatchObject({ id: c1, type: "commit", signature: { status: "valid", format: "openpgp", signer: "alice@example.com", key: expect.stringMatching(/^[0-9a-f]{40}$/) } });
    expect(b).toMatchObject({ id: c2, type: "commit", signature: { status: "valid", format: "ssh", signer: "bob@example.com", key: expect.stringMatching(/^SHA256:/) } });
    expect(v.ranges.map((x: { mode: string }) => x.mode)).toEqual(["signatures-only", "signatures-only"]);
    expect(v.keys.map((k: { source: string; where: string }) => [k.source, k.where])).toEqual([
      ["file", fx.aliceKeyringPath],
      ["file", expect.stringContaining(fx.allowedSignersPath)],
    ]);
    // Both options repeat: every file given is trusted.
    const twice = await cli(["verify", "--repo", plain, ...keys(), "--allowed-signers", fx.expiringSignersPath, "--format", "json", c2], "/");
    expect(JSON.parse(twice.stdout).keys.map((k: { where: string }) => k.where)).toEqual([
      fx.aliceKeyringPath,
      expect.stringContaining(fx.allowedSignersPath),
      expect.stringContaining(fx.expiringSignersPath),
    ]);
  });

  test("A..B covers every commit reachable from B and not A; each failure has its status; exit 1", async () => {
    const r = await cli(["verify", "--repo", plain, ...keys(), "--format", "json", `${c1}..${c5}`], "/");
    expect(r.code).toBe(1);
    const v = JSON.parse(r.stdout);
    expect(v.verdict).toBe("fail");
    expect((v.objects as JsonObject[]).map((o) => [o.id, o.signature.status])).toEqual([
      [c5, "identity_mismatch"],
      [c4, "unknown_key"],
      [c3, "unsigned"],
      [c2, "valid"],
    ]);
    const text = await cli(["verify", "--repo", plain, ...keys(), `${c1}..${c5}`], "/");
    expect(text.code).toBe(1);
    expect(text.stdout).toMatch(/^FAIL /);
    expect(text.stdout).toContain(`BAD commit ${c3.slice(0, 12)} unsigned: commit is not signed`);
    expect(text.stdout).toContain(`ok commit ${c2.slice(0, 12)} valid (ssh) by bob@example.com`);
  });

  test("an annotated tag is verified as the tag object, not the commit it points at", async () => {
    const good = await cli(["verify", "--repo", plain, ...keys(), "--format", "json", "v1"], "/");
    expect(good.code).toBe(0);
    expect(JSON.parse(good.stdout).objects).toEqual([expect.objectContaining({ id: tagGood, type: "tag", signature: expect.objectContaining({ status: "valid", format: "openpgp" }) })]);
    const bare = await cli(["verify", "--repo", plain, ...keys(), "--format", "json", "v0"], "/");
    expect(bare.code).toBe(1);
    expect(JSON.parse(bare.stdout).objects).toEqual([expect.objectContaining({ id: tagBare, type: "tag", signature: expect.objectContaining({ status: "unsigned" }) })]);
  });

  test("--at judges key validity at that time; a bad time is a usage error", async () => {
    const expiring = ["--allowed-signers", fx.expiringSignersPath];
    const before = await cli(["verify", "--repo", plain, ...expiring, "--at", "2024-12-31T00:00:00Z", "--format", "json", c2], "/");
    expect(before.code).toBe(0);
    expect(JSON.parse(before.stdout)).toMatchObject({ verdict: "pass", trustedAt: "2024-12-31T00:00:00.000Z" });
    const now = await cli(["verify", "--repo", plain, ...expiring, "--format", "json", c2], "/");
    expect(now.code).toBe(1);
    expect(JSON.parse(now.stdout).objects[0].signature.status).toBe("expired_key");
    const dateOnly = await cli(["verify", "--repo", plain, ...expiring, "--at", "2024-12-31", "--format", "json", c2], "/");
    expect(JSON.parse(dateOnly.stdout).trustedAt).toBe("2024-12-31T00:00:00.000Z");
    for (const bad of ["yesterday", "2024-13-45", "1700000000"]) {
      const r = await cli(["verify", "--repo", plain, ...expiring, "--at", bad, c2], "/");
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/--at must be an ISO 8601 time/);
    }
  });

  test("unreadable or malformed key files are input errors: exit 2", async () => {
    const missing = await cli(["verify", "--repo", plain, "--openpgp-keyring", "/nonexistent/keys.asc", c2], "/");
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/cannot read \/nonexistent\/keys\.asc: no such file/);
    const garbage = join(fx.root, "garbage.asc");
    writeFileSync(garbage, "-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nnot base64 !!!\n-----END PGP PUBLIC KEY BLOCK-----\n");
    const g = await cli(["verify", "--repo", plain, "--openpgp-keyring", garbage, c2], "/");
    expect(g.code).toBe(2);
    expect(g.stderr).toMatch(/garbage\.asc: not an armored OpenPGP key/);
    const badSigners = join(fx.root, "bad_signers");
    writeFileSync(badSigners, "bob@example.com ssh-ed25519 !!!notbase64\n");
    expect((await cli(["verify", "--repo", plain, "--allowed-signers", badSigners, c2], "/")).code).toBe(2);
  });
});

describe("vouch verify with a policy that requires signatures", () => {
  let repo: string;
  let base: string;
  let signedSrc: string;
  let unsignedSrc: string;
  let sshSrc: string;
  let unsignedDocs: string;
  beforeAll(() => {
    repo = fx.initRepo();
    const policy = [
      "version: 1",
      "secrets: { enabled: false }",
      "identities:",
      "  alice:",
      "    emails: [alice@example.com]",
      "    keys:",
      "      - |",
      ...fx.aliceArmored.split("\n").map((l) => `        ${l}`),
      "  bob:",
      "    emails: [bob@example.com]",
      `    keys: ["${fx.bobSsh}"]`,
      "namespaces:",
      "  - name: src",
      "    paths: ['src/**']",
      "    signatures: { required: true }",
      "  - name: docs",
      "    paths: ['docs/**']",
      "",
    ].join("\n");
    base = fx.commit(repo, "alice@example.com", "alice-gpg", { ".github/vouch.yml": policy }, "policy");
    signedSrc = fx.commit(repo, "alice@example.com", "alice-gpg", { "src/a.ts": "a\n" });
    unsignedSrc = fx.commit(repo, "carol@example.com", null, { "src/b.ts": "b\n" });
    sshSrc = fx.commit(repo, "bob@example.com", "bob-ssh", { "src/c.ts": "c\n" });
    unsignedDocs = fx.commit(repo, "carol@example.com", null, { "docs/x.md": "x\n" });
  });

  test("commits signed with keys pinned in the policy pass, with the signatures control in the verdict", async () => {
    const r = await cli(["verify", "--repo", repo, "--format", "json", signedSrc], "/");
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const v = JSON.parse(r.stdout);
    expect(v.objects[0].signature).toMatchObject({ status: "valid", signer: "alice <alice@example.com>" });
    expect(v.ranges[0].controls).toEqual(expect.arrayContaining([expect.objectContaining({ control: "signatures", status: "pass" })]));
    // The policy's two keys, and GitHub's two pinned web-flow keys (judged by allow_github_web_flow).
    expect(v.keys.map((k: { source: string }) => k.source).sort()).toEqual(["pinned", "pinned", "policy", "policy"]);
    expect((await cli(["verify", "--repo", repo, sshSrc], "/")).code).toBe(0);
  });

  test("an unsigned commit in the namespace fails with signatures.unsigned naming the commit and the remedy", async () => {
    const r = await cli(["verify", "--repo", repo, "--format", "json", unsignedSrc], "/");
    expect(r.code).toBe(1);
    const v = JSON.parse(r.stdout);
    expect(v.findings).toEqual([
      expect.objectContaining({
        code: "signatures.unsigned",
        namespace: "src",
        location: { commit: unsignedSrc },
        message: expect.stringContaining(`Commit ${unsignedSrc.slice(0, 7)} is not signed`),
        remedy: expect.stringContaining("identities.<name>.keys"),
      }),
    ]);
    const text = await cli(["verify", "--repo", repo, unsignedSrc], "/");
    expect(text.stdout).toMatch(new RegExp(`error signatures\\.unsigned \\[src\\] ${unsignedSrc.slice(0, 12)}: Commit`));
  });

  test("a range touching a signed namespace fails when any new commit in it is unsigned", async () => {
    const r = await cli(["verify", "--repo", repo, "--format", "json", `${base}..${sshSrc}`], "/");
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout).findings.map((f: { code: string; location: { commit: string } }) => [f.code, f.location.commit])).toEqual([["signatures.unsigned", unsignedSrc]]);
  });

  test("where the policy does not require signatures, an unsigned commit is reported but passes", async () => {
    const r = await cli(["verify", "--repo", repo, "--format", "json", unsignedDocs], "/");
    expect(r.code).toBe(0);
    const v = JSON.parse(r.stdout);
    expect(v.objects[0].signature.status).toBe("unsigned");
    expect(v.ranges[0].controls.map((c: { control: string }) => c.control)).not.toContain("signatures");
  });

  test("key files add trust alongside the policy's keys", async () => {
    const r = await cli(["verify", "--repo", repo, "--allowed-signers", fx.allowedSignersPath, "--format", "json", sshSrc], "/");
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).keys.map((k: { source: string }) => k.source).sort()).toEqual(["file", "pinned", "pinned", "policy", "policy"]);
  });
});
