/**
 * End to end for signed commits: the app fetches the pull request's commits over smart HTTP from
 * the stand-in and verifies them against the key the policy pins.
 */
import { afterAll, beforeAll, expect, test } from "@jest/globals";
import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { startHarness, OWNER, type Harness } from "./harness.js";
import { branch, checkout, commitFiles, push, removeDir, tempDir } from "../helpers/git.js";

const run = promisify(execFile);

let h: Harness;
let keyDir: string;
let signingEnv: Record<string, string>;
let policy: string;

beforeAll(async () => {
  keyDir = await tempDir("vouch-sshkey-");
  const key = join(keyDir, "id_ed25519");
  await run("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "author@example.com", "-f", key]);
  const publicKey = (await readFile(`${key}.pub`, "utf8")).trim();
  // git reads these as `-c gpg.format=ssh -c user.signingkey=<key>`.
  signingEnv = {
    GIT_CONFIG_COUNT: "2",
    GIT_CONFIG_KEY_0: "gpg.format",
    GIT_CONFIG_VALUE_0: "ssh",
    GIT_CONFIG_KEY_1: "user.signingkey",
    GIT_CONFIG_VALUE_1: key,
  };
  policy = `version: 1
identities:
  author:
    emails: [author@example.com]
    keys: ["${publicKey}"]
namespaces:
  - name: main
    refs: [refs/heads/main]
    signatures: { required: true }
secrets:
  enabled: false
`;
  h = await startHarness();
});

afterAll(async () => {
  await h?.close();
  await removeDir(keyDir);
});

test("an unsigned commit fails the check naming that commit; re-signed and pushed again, the check passes", async () => {
  const dir = await h.repoWithPolicy("signed", policy);
  const gitDir = h.standIn.state.repo(OWNER, "signed")!.gitDir;
  await branch(dir, "feature", "main");
  const signed = await commitFiles(dir, { "a.txt": "a\n" }, "signed work", { args: ["-S"], env: signingEnv });
  const unsigned = await commitFiles(dir, { "b.txt": "b\n" }, "unsigned work");
  await push(dir, gitDir, ["feature"]);
  await checkout(dir, "main");
  const pr = await h.standIn.openPullRequest({ owner: OWNER, repo: "signed", head: "feature", base: "main", author: "octocat" });

  await h.deliver("pull_request", h.pullRequestPayload("signed", pr));
  const failed = await h.completedRun("signed", unsigned);
  expect(failed.conclusion).toBe("failure");
  const output = `${failed.output.summary}\n${failed.output.text}`;
  expect(output).toContain(unsigned.slice(0, 7));
  expect(output).toMatch(/unsigned/);
  expect(failed.output.summary).not.toContain(signed.slice(0, 7));

  // Re-sign the unsigned commit (amend with -S) and force-push: a new head whose commits are all signed.
  await checkout(dir, "feature");
  const committer = { GIT_COMMITTER_NAME: "Test Author", GIT_COMMITTER_EMAIL: "author@example.com", GIT_COMMITTER_DATE: "2024-01-02T00:00:00Z" };
  await run("git", ["commit", "-q", "--amend", "--no-edit", "-S"], { cwd: dir, env: { ...process.env, ...signingEnv, ...committer } });
  const resigned = (await run("git", ["rev-parse", "HEAD"], { cwd: dir })).stdout.trim();
  await push(dir, gitDir, ["feature"], { force: true });
  await checkout(dir, "main");
  const updated = await h.standIn.refreshPullRequest(OWNER, "signed", pr.number);
  expect(updated.head.sha).toBe(resigned);

  await h.deliver("pull_request", h.pullRequestPayload("signed", updated, "synchronize"));
  const passed = await h.completedRun("signed", resigned);
  expect(passed.conclusion).toBe("success");
});
