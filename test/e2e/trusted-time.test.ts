/**
 * End to end for the trusted time: the app judges a commit's signature at the time it first
 * observed the commit, kept across evaluations next to the ledger. Alice's OpenPGP key (made and
 * used with gpg's clock set to late 2024) expires on 2025-01-01: a commit Vouch first saw in
 * November 2024 still passes when the pull request is evaluated again in 2026; a commit first
 * seen in 2026 fails as expired_key.
 */
import { afterAll, beforeAll, expect, test } from "@jest/globals";
import { execFile } from "node:child_process";
import { chmod, mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { startHarness, OWNER, type Harness } from "./harness.js";
import { branch, checkout, commitFiles, push, removeDir, tempDir } from "../helpers/git.js";
import type { Evidence } from "../../src/evidence/types.js";

const run = promisify(execFile);
const T1 = new Date("2024-11-15T10:00:00.000Z");
let clock = T1;
let h: Harness;
let gnupg: string;
let signingEnv: Record<string, string>;
let armored: string;

beforeAll(async () => {
  gnupg = await tempDir("vouch-gpg-time-");
  const home = join(gnupg, "home");
  await mkdir(home, { mode: 0o700 });
  const gpg = (args: string[]) => run("gpg", ["--homedir", home, "--batch", "--pinentry-mode", "loopback", "--passphrase", "", ...args]);
  await gpg(["--faked-system-time", "20241001T000000", "--quick-gen-key", "Test Author <author@example.com>", "ed25519", "sign", "2025-01-01"]);
  armored = (await gpg(["--armor", "--export", "author@example.com"])).stdout.trim();
  const fpr = (await gpg(["--with-colons", "--list-keys", "author@example.com"])).stdout.split("\n").find((l) => l.startsWith("fpr:"))?.split(":")[9] ?? "";
  // git signs through this wrapper, so every signature is dated 2024-11-01, before the key expired.
  const wrapper = join(gnupg, "gpg-2024");
  await writeFile(wrapper, `#!/bin/sh\nexec gpg --homedir '${home}' --faked-system-time 20241101T000000 "$@"\n`);
  await chmod(wrapper, 0o755);
  signingEnv = { GIT_CONFIG_COUNT: "2", GIT_CONFIG_KEY_0: "gpg.program", GIT_CONFIG_VALUE_0: wrapper, GIT_CONFIG_KEY_1: "user.signingkey", GIT_CONFIG_VALUE_1: fpr };
  h = await startHarness({ overrides: { now: () => clock } });
}, 60_000);

afterAll(async () => {
  await h?.close();
  await run("gpgconf", ["--homedir", join(gnupg, "home"), "--kill", "all"]).catch(() => undefined);
  await removeDir(gnupg);
});

async function savedEvidence(repo: string, sha: string): Promise<Evidence[]> {
  const root = join(h.dataDir, "evaluations", OWNER, repo, sha);
  return Promise.all((await readdir(root)).map(async (d) => JSON.parse(await readFile(join(root, d, "evidence.json"), "utf8")) as Evidence));
}

test("a commit first observed before its key expired passes when re-evaluated after; one first observed after fails", async () => {
  const key = armored.split("\n").map((l) => `        ${l}`).join("\n");
  const dir = await h.repoWithPolicy(
    "timed",
    `version: 1\nidentities:\n  author:\n    emails: [author@example.com]\n    keys:\n      - |\n${key}\nnamespaces:\n  - name: main\n    refs: [refs/heads/main]\n    signatures: { required: true }\nsecrets:\n  enabled: false\n`,
  );
  const gitDir = h.standIn.state.repo(OWNER, "timed")!.gitDir;
  await branch(dir, "feature", "main");
  const early = await commitFiles(dir, { "a.txt": "a\n" }, "early work", { args: ["-S"], env: signingEnv });
  await push(dir, gitDir, ["feature"]);
  await checkout(dir, "main");
  const pr = await h.standIn.openPullRequest({ owner: OWNER, repo: "timed", head: "feature", base: "main", author: "octocat" });

  // November 2024: the key is valid.
  await h.deliver("pull_request", h.pullRequestPayload("timed", pr));
  expect((await h.completedRun("timed", early)).conclusion).toBe("success");

  // November 2026, the key expired long ago: a new commit on the same pull request.
  clock = new Date("2026-11-25T12:00:00.000Z");
  await checkout(dir, "feature");
  const late = await commitFiles(dir, { "b.txt": "b\n" }, "late work", { args: ["-S"], env: signingEnv });
  await push(dir, gitDir, ["feature"]);
  await checkout(dir, "main");
  const updated = await h.standIn.refreshPullRequest(OWNER, "timed", pr.number);
  await h.deliver("pull_request", h.pullRequestPayload("timed", updated, "synchronize"));
  const failed = await h.completedRun("timed", late);
  expect(failed.conclusion).toBe("failure");
  const output = `${failed.output.summary}\n${failed.output.text}`;
  expect(output).toContain(late.slice(0, 7));
  expect(output).toMatch(/expired/);
  // The early commit is judged at its first observation, so it is not among the failures.
  expect(output).not.toMatch(new RegExp(`Commit ${early.slice(0, 7)}`));

  const [evidence] = await savedEvidence("timed", late);
  const objects = new Map(evidence!.signatures!.objects.map((o) => [o.id, o]));
  expect(objects.get(early)).toMatchObject({ signature: { status: "valid" }, trustedAt: T1.toISOString() });
  expect(objects.get(late)).toMatchObject({ signature: { status: "expired_key" }, trustedAt: clock.toISOString() });
}, 60_000);
