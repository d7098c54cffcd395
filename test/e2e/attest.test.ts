/**
 * End to end for attestations: a pull request evaluated by the app yields a check run with the
 * VSA result, and the ledger it wrote exports and verifies offline, against the clone too, with
 * the same commands an auditor runs.
 */
import { afterAll, beforeAll, expect, test } from "@jest/globals";
import { join } from "node:path";
import { readFile, writeFile } from "node:fs/promises";
import { startHarness, type Harness } from "./harness.js";
import { runCli } from "../../src/cli/main.js";

const POLICY = `version: 1
namespaces:
  - name: main
    refs: [refs/heads/main]
secrets:
  enabled: false
`;

let h: Harness;
let dir: string;

beforeAll(async () => {
  h = await startHarness();
  dir = await h.repoWithPolicy("attested", POLICY);
});
afterAll(async () => {
  await h?.close();
});

async function vouch(argv: string[]): Promise<{ code: number; out: string }> {
  let out = "";
  const sink = {
    write: (text: string) => {
      out += text;
    },
  };
  const saved = process.env.VOUCH_DATA_DIR;
  process.env.VOUCH_DATA_DIR = h.dataDir; // the CLI shares the app's data directory
  try {
    const code = await runCli(argv, { stdout: sink, stderr: sink, cwd: dir });
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
