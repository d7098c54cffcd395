import { afterEach, beforeEach, expect, test } from "@jest/globals";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { cli, commit, initRepo, removeDir, tempDir } from "./cli-helpers.js";

const POLICY = "version: 1\nnamespaces:\n  - name: main\n    refs: [refs/heads/main]\nsecrets:\n  enabled: false\n";

let repo: string;
let data: string;
let saved: string | undefined;

beforeEach(() => {
  repo = initRepo();
  data = tempDir();
  saved = process.env.VOUCH_DATA_DIR;
  process.env.VOUCH_DATA_DIR = data;
});
afterEach(() => {
  if (saved === undefined) delete process.env.VOUCH_DATA_DIR;
  else process.env.VOUCH_DATA_DIR = saved;
  removeDir(repo);
  removeDir(data);
});

test("vouch verify --attest writes the verdict to the ledger, and the export verifies against the clone", async () => {
  commit(repo, { ".github/vouch.yml": POLICY, "a.txt": "a\n" }, "policy");
  commit(repo, { "b.txt": "b\n" }, "change");
  expect((await cli(["keys", "public", "--create"], repo)).code).toBe(0);

  const res = await cli(["verify", "--format", "json", "--attest", "HEAD~1..HEAD"], repo);
  expect(res.code).toBe(0);
  const out = JSON.parse(res.stdout) as { ranges: { attestation?: { provenance: string; vsa: string } }[] };
  expect(out.ranges[0]?.attestation?.provenance).toMatch(/^[0-9a-f]{64}$/);
  expect(res.stderr).toMatch(/attested, provenance sha256:/);

  const file = join(data, "export.intoto.jsonl");
  const keys = join(data, "keys.pem");
  expect((await cli(["audit", "export", "--out", file], repo)).code).toBe(0);
  const pem = await cli(["keys", "public"], repo);
  await writeFile(keys, pem.stdout);
  const verified = await cli(["audit", "verify", file, "--public-key", keys, "--repo", repo], repo);
  expect(verified.stdout).toContain("OK");
  expect(verified.code).toBe(0);
});

test("--attest without a policy (signatures only) is refused with exit 2; --ledger without --attest too", async () => {
  commit(repo, { "a.txt": "a\n" }, "one");
  commit(repo, { "b.txt": "b\n" }, "two");
  expect((await cli(["keys", "public", "--create"], repo)).code).toBe(0);
  const signers = join(data, "allowed_signers");
  await writeFile(signers, "");
  expect((await cli(["verify", "--attest", "--allowed-signers", signers, "HEAD~1..HEAD"], repo)).code).toBe(2);
  expect((await cli(["verify", "--ledger", "sqlite:x.sqlite", "HEAD~1..HEAD"], repo)).code).toBe(2);
});
