// Spawns the real executable, as a user or CI would, to check exit codes and output streams.
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, expect, test } from "@jest/globals";
import { removeDir, tempDir, writeFiles } from "./cli-helpers.js";
import { buildSigningFixture, type SigningFixture } from "./signing-fixture.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const TSX = fileURLToPath(new URL("../../node_modules/.bin/tsx", import.meta.url));
const MAIN = fileURLToPath(new URL("../../src/cli/main.ts", import.meta.url));

function vouch(args: string[], cwd: string) {
  const r = spawnSync(TSX, [MAIN, ...args], {
    cwd,
    encoding: "utf8",
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp" },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

let dir: string;
let fx: SigningFixture;
beforeAll(() => {
  dir = tempDir();
  writeFiles(dir, { "bad.yml": "version: 1\nsignatures:\n  required: maybe\n" });
  fx = buildSigningFixture();
});
afterAll(() => {
  removeDir(dir);
  fx?.cleanup();
});

test("a broken policy: file:line:col on stderr and exit status 2", () => {
  const r = vouch(["policy", "check", "bad.yml"], dir);
  expect(r.stderr).toMatch(/^bad\.yml:3:13: signatures\.required: expected true or false, got a string$/m);
  expect(r.stdout).toBe("");
  expect(r.code).toBe(2);
});

test("each preset: exit status 0", () => {
  for (const preset of ["open-source", "slsa-source-l4", "monorepo"]) {
    const r = vouch(["policy", "check", `policies/presets/${preset}.yml`], ROOT);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
  }
});

test("--help exits 0, an unknown command exits 2", () => {
  expect(vouch(["--help"], dir)).toMatchObject({ code: 0, stdout: expect.stringContaining("Usage: vouch") });
  expect(vouch(["nope"], dir).code).toBe(2);
});

test("verify with key files: exit 0 when all are validly signed, 1 when one is not, 2 without keys; one JSON object on stdout", () => {
  const repo = fx.initRepo();
  const signed = fx.commit(repo, "alice@example.com", "alice-gpg", { "a.txt": "a\n" });
  const unsigned = fx.commit(repo, "carol@example.com", null, { "b.txt": "b\n" });
  const keys = ["--openpgp-keyring", fx.aliceKeyringPath];
  const pass = vouch(["verify", "--repo", repo, ...keys, "--format", "json", signed], dir);
  expect(pass.stderr).toBe("");
  expect(pass.code).toBe(0);
  expect(JSON.parse(pass.stdout)).toMatchObject({
    verdict: "pass",
    objects: [{ id: signed, type: "commit", signature: { status: "valid", format: "openpgp", signer: "alice@example.com", key: expect.any(String), detail: expect.any(String) } }],
  });
  const fail = vouch(["verify", "--repo", repo, ...keys, "--format", "json", `${signed}..${unsigned}`], dir);
  expect(fail.code).toBe(1);
  const lines = fail.stdout.trim().split("\n");
  expect(lines).toHaveLength(1);
  expect(JSON.parse(lines[0]!)).toMatchObject({ verdict: "fail", objects: [{ id: unsigned, signature: { status: "unsigned", format: null, signer: null, key: null } }] });
  const usage = vouch(["verify", "--repo", repo, unsigned], dir);
  expect(usage.code).toBe(2);
  expect(usage.stdout).toBe("");
  expect(usage.stderr).toMatch(/^vouch: .*--openpgp-keyring/m);
});
