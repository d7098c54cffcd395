import { describe, test, expect, afterAll } from "@jest/globals";
import type { KeyObject } from "node:crypto";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { recordAttestations } from "../../src/attest/record.js";
import { signatureDetails } from "../../src/attest/signature-details.js";
import { CatFileSource } from "../../src/git/cat-file.js";
import { cloneChecker } from "../../src/ledger/clone-check.js";
import { SqliteLedger } from "../../src/ledger/sqlite.js";
import { verifyExport } from "../../src/ledger/verify.js";
import { git, initRepo, removeDir, tempDir } from "../helpers/git.js";
import { evidence, policy, verdict } from "../attest/fixtures.js";
import { testKeys } from "./helpers.js";
import { exportLines } from "./suite.js";

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await removeDir(d);
});

async function repoWithCommit(content: string): Promise<{ dir: string; head: string }> {
  const dir = await initRepo();
  dirs.push(dir);
  await writeFile(join(dir, "a.txt"), content);
  await git(dir, ["add", "a.txt"]);
  await git(dir, ["commit", "-q", "-m", "one"]);
  return { dir, head: await git(dir, ["rev-parse", "HEAD"]) };
}

async function exportFor(dir: string, head: string, tamper = false): Promise<{ lines: string[]; trusted: Map<string, KeyObject> }> {
  const { signer, trusted } = testKeys();
  const source = new CatFileSource(dir);
  const raw = await source.read(head);
  source.close();
  const details = signatureDetails([{ raw, verdict: { id: head, type: "commit", signature: { status: "unsigned", format: null, signer: null, key: null, detail: "no signature" } } }]);
  if (tamper) details.objects[0]!.rawObjectDigest = `sha256:${"0".repeat(64)}`;
  const ledgerDir = await tempDir();
  dirs.push(ledgerDir);
  const ledger = new SqliteLedger(join(ledgerDir, "l.sqlite"), { signer });
  const ev = evidence({ change: { ...evidence().change, headSha: head } });
  await recordAttestations({
    ledger,
    trusted,
    evaluationKey: "k",
    verdict: verdict({ headSha: head }),
    evidence: ev,
    policy: policy(),
    signer,
    verifier: { id: "v", version: "1" },
    serverUrl: "https://github.com",
    attestationBaseUrl: "https://vouch.example/a",
    details: { signatures: details },
  });
  const lines = await exportLines(ledger, signer);
  await ledger.close();
  return { lines, trusted };
}

describe("cloneChecker", () => {
  test("a clone holding the attested objects matches the recorded digests", async () => {
    const { dir, head } = await repoWithCommit("hello\n");
    const { lines, trusted } = await exportFor(dir, head);
    const checker = cloneChecker(dir);
    const report = await verifyExport(lines, trusted, { onEntry: checker.onEntry });
    checker.close();
    expect(report.failures).toEqual([]);
    expect(checker.failures).toEqual([]);
  });

  test("a clone without the revision, or a recorded digest that differs, is reported on the provenance line", async () => {
    const { dir, head } = await repoWithCommit("hello\n");
    const other = await repoWithCommit("other\n");
    const { lines, trusted } = await exportFor(dir, head);
    const wrongClone = cloneChecker(other.dir);
    await verifyExport(lines, trusted, { onEntry: wrongClone.onEntry });
    wrongClone.close();
    expect(wrongClone.failures[0]).toEqual({ line: 1, message: expect.stringMatching(new RegExp(`object ${head} cannot be read from the clone \\(missing\\)`)) });

    const tampered = await exportFor(dir, head, true);
    const checker = cloneChecker(dir);
    const report = await verifyExport(tampered.lines, tampered.trusted, { onEntry: checker.onEntry });
    checker.close();
    expect(report.ok).toBe(true);
    expect(checker.failures).toEqual([{ line: 1, message: `object ${head}: raw object digest differs from the clone` }]);
  });
});
