/**
 * End to end for attestations: a pull request evaluated by the app yields a check run with the
 * VSA result, and the ledger it wrote exports and verifies offline, against the clone too, with
 * the same commands an auditor runs.
 */
import { afterAll, beforeAll, expect, test } from "@jest/globals";
import { join } from "node:path";
import { execFile } from "node:child_process";
import { readFile, writeFile } from "node:fs/promises";
import { promisify } from "node:util";
import { startHarness, OWNER, type Harness } from "./harness.js";
import { runCli } from "../../src/cli/main.js";
import { branch, checkout, commitFiles, push, removeDir, tempDir } from "../helpers/git.js";

const POLICY = `version: 1
namespaces:
  - name: main
    refs: [refs/heads/main]
secrets:
  enabled: false
`;

let h: Harness;
let dir: string;
let keyDir: string;

beforeAll(async () => {
  h = await startHarness();
  dir = await h.repoWithPolicy("attested", POLICY);
  keyDir = await tempDir("vouch-attest-key-");
});
afterAll(async () => {
  await h?.close();
  await removeDir(keyDir);
});

async function vouch(argv: string[], cwd = dir): Promise<{ code: number; out: string }> {
  let out = "";
  const sink = {
    write: (text: string) => {
      out += text;
    },
  };
  const saved = process.env.VOUCH_DATA_DIR;
  process.env.VOUCH_DATA_DIR = h.dataDir; // the CLI shares the app's data directory
  try {
    const code = await runCli(argv, { stdout: sink, stderr: sink, cwd });
    return { code, out };
  } finally {
    if (saved === undefined) delete process.env.VOUCH_DATA_DIR;
    else process.env.VOUCH_DATA_DIR = saved;
  }
}

test("the check run carries the VSA result and levels; the exported ledger verifies, with the clone", async () => {
  for (const head of ["one", "two"]) {
    const pr = await h.openPullRequest("attested", dir, head, { [`${head}.txt`]: `${head}\n` });
    await h.deliver("pull_request", h.pullRequestPayload("attested", pr));
    const run = await h.completedRun("attested", pr.head.sha);
    expect(run.conclusion).toBe("success");
    expect(run.output.summary).toMatch(/SLSA Source VSA: \*\*PASSED\*\*/);
    expect(run.output.summary).toMatch(/[0-9a-f]{64}/);
  }

  const out = join(h.dataDir, "export.intoto.jsonl");
  const keys = join(h.dataDir, "keys.pem");
  expect((await vouch(["audit", "export", "--out", out])).code).toBe(0);
  const pem = await vouch(["keys", "public"]);
  expect(pem.code).toBe(0);
  await writeFile(keys, pem.out.slice(pem.out.indexOf("-----BEGIN")));

  const ok = await vouch(["audit", "verify", out, "--public-key", keys, "--repo", dir]);
  expect(ok.out).toContain("OK");
  expect(ok.code).toBe(0);

  // Any edit to the export is caught and the line is named.
  const lines = (await readFile(out, "utf8")).split("\n");
  await writeFile(out, [lines[1], lines[0], ...lines.slice(2)].join("\n"));
  const bad = await vouch(["audit", "verify", out, "--public-key", keys]);
  expect(bad.code).toBe(1);
  expect(bad.out).toMatch(/:1: /);
});

test("the clone-verify path re-runs the signature verification of the commits the app attested", async () => {
  const key = join(keyDir, "id_ed25519");
  await promisify(execFile)("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "author@example.com", "-f", key]);
  const publicKey = (await readFile(`${key}.pub`, "utf8")).trim();
  const signed = await h.repoWithPolicy(
    "attested-signed",
    `version: 1\nidentities:\n  author:\n    emails: [author@example.com]\n    keys: ["${publicKey}"]\nnamespaces:\n  - name: main\n    refs: [refs/heads/main]\n    signatures: { required: true }\nsecrets:\n  enabled: false\n`,
  );
  const signingEnv = { GIT_CONFIG_COUNT: "2", GIT_CONFIG_KEY_0: "gpg.format", GIT_CONFIG_VALUE_0: "ssh", GIT_CONFIG_KEY_1: "user.signingkey", GIT_CONFIG_VALUE_1: key };
  await branch(signed, "feature", "main");
  const head = await commitFiles(signed, { "a.txt": "a\n" }, "signed work", { args: ["-S"], env: signingEnv });
  await push(signed, h.standIn.state.repo(OWNER, "attested-signed")!.gitDir, ["feature"]);
  await checkout(signed, "main");
  const pr = await h.standIn.openPullRequest({ owner: OWNER, repo: "attested-signed", head: "feature", base: "main", author: "octocat" });
  await h.deliver("pull_request", h.pullRequestPayload("attested-signed", pr));
  expect((await h.completedRun("attested-signed", head)).conclusion).toBe("success");

  const out = join(h.dataDir, "signed.intoto.jsonl");
  const keys = join(h.dataDir, "keys-signed.pem");
  expect((await vouch(["audit", "export", "--repo", `${OWNER}/attested-signed`, "--out", out])).code).toBe(0);
  const pem = await vouch(["keys", "public"]);
  await writeFile(keys, pem.out.slice(pem.out.indexOf("-----BEGIN")));
  const lines = (await readFile(out, "utf8")).split("\n").filter((l) => l !== "");
  const provenance = JSON.parse(Buffer.from((JSON.parse(lines[0]!) as { payload: string }).payload, "base64").toString("utf8")) as {
    predicate: { controls: { control: string; details?: { objects: { oid: string; status: string; format: string }[] } }[]; keys: { id: string; source: string }[] };
  };
  // The app records each verdict with its digests, and the keys it trusted with where they came from.
  expect(provenance.predicate.controls.find((c) => c.control === "signatures")?.details?.objects).toEqual([expect.objectContaining({ oid: head, status: "valid", format: "ssh" })]);
  expect(provenance.predicate.keys).toContainEqual(expect.objectContaining({ source: "policy:policy identities.author.keys[0]" }));

  const ok = await vouch(["audit", "verify", out, "--public-key", keys, "--repo", signed], signed);
  expect(ok.out).toContain("1 signature verdict re-verified from it");
  expect(ok.code).toBe(0);
});
