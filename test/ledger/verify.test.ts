import { describe, test, expect, beforeAll } from "@jest/globals";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SqliteLedger } from "../../src/ledger/sqlite.js";
import { verifyExport } from "../../src/ledger/verify.js";
import { VSA, entry, testKeys } from "./helpers.js";
import { exportLines } from "./suite.js";

const { signer, trusted } = testKeys();
let lines: string[] = [];

beforeAll(async () => {
  const ledger = new SqliteLedger(join(mkdtempSync(join(tmpdir(), "vouch-verify-")), "l.sqlite"), { signer });
  for (let n = 1; n <= 3; n++) await ledger.appendAll([entry(signer, { n }), entry(signer, { n, type: VSA })]);
  await ledger.append(entry(signer, { repo: "zeta/other", n: 7 }));
  lines = await exportLines(ledger, signer);
  await ledger.close();
});

const failuresOf = async (ls: string[]) => (await verifyExport(ls, trusted)).failures;

describe("verifyExport detects tampering and names the line", () => {
  test("the untouched export verifies", async () => {
    expect(await failuresOf(lines)).toEqual([]);
  });

  test("flipping any single byte of any line fails verification on that line", async () => {
    // A small export (a provenance, a VSA, the checkpoint) so every bit-flip of every byte is tried.
    const ledger = new SqliteLedger(join(mkdtempSync(join(tmpdir(), "vouch-verify-")), "f.sqlite"), { signer });
    await ledger.appendAll([entry(signer, { n: 1 }), entry(signer, { n: 1, type: VSA })]);
    const small = await exportLines(ledger, signer);
    await ledger.close();
    expect(small).toHaveLength(3);
    for (let li = 0; li < small.length; li++) {
      const bytes = Buffer.from(small[li]!, "utf8");
      for (let i = 0; i < bytes.length; i++) {
        const copy = Buffer.from(bytes);
        copy[i] = copy[i]! ^ 0x01;
        const tampered = [...small];
        tampered[li] = copy.toString("utf8");
        const report = await verifyExport(tampered, trusted);
        if (report.ok || !report.failures.some((f) => f.line === li + 1)) {
          throw new Error(`flip of byte ${i} on line ${li + 1} went unnoticed or was blamed elsewhere: ${JSON.stringify(report.failures)}`);
        }
      }
    }
  });

  test.each([0, 2, 5, 6])("deleting line %i+1 fails and names where the chain breaks", async (i) => {
    const tampered = lines.filter((_, j) => j !== i);
    const f = await failuresOf(tampered);
    expect(f.length).toBeGreaterThan(0);
    expect(f[0]!.line).toBeGreaterThanOrEqual(1);
    expect(f[0]!.line).toBeLessThanOrEqual(tampered.length);
  });

  test("deleting a middle line names the line after the gap", async () => {
    const tampered = lines.filter((_, j) => j !== 2);
    expect(await failuresOf(tampered)).toContainEqual({ line: 3, message: expect.stringMatching(/gap in chain acme\/widget: #4 follows #2/) });
  });

  test("deleting the first line names the chain's new first line", async () => {
    expect(await failuresOf(lines.slice(1))).toContainEqual({ line: 1, message: expect.stringMatching(/starts at #2 here but the checkpoint says #1/) });
  });

  test("deleting the last entry of a chain is caught by the checkpoint line", async () => {
    const lastWidget = 5; // acme/widget#6 (0-based line 5)
    const tampered = lines.filter((_, j) => j !== lastWidget);
    expect(await failuresOf(tampered)).toContainEqual({
      line: tampered.length,
      message: expect.stringMatching(/chain acme\/widget ends at #5 in the file but the checkpoint says #6/),
    });
  });

  test("removing the checkpoint (truncation) fails", async () => {
    expect(await failuresOf(lines.slice(0, -1))).toContainEqual({ line: lines.length - 1, message: expect.stringMatching(/no signed checkpoint/) });
  });

  test("swapping two lines fails at the first swapped line that is out of place", async () => {
    const tampered = [...lines];
    [tampered[1], tampered[3]] = [tampered[3]!, tampered[1]!];
    const f = await failuresOf(tampered);
    expect(f[0]).toEqual({ line: 2, message: expect.stringMatching(/gap in chain acme\/widget: #4 follows #1/) });
    expect(f).toContainEqual({ line: 4, message: expect.stringMatching(/out of order/) });
  });

  test("swapping entries across chains or moving the checkpoint fails", async () => {
    const moved = [lines[lines.length - 1]!, ...lines.slice(0, -1)];
    expect((await failuresOf(moved))[0]?.line).toBe(2);
  });

  test("a line replaced by a validly signed entry from another ledger breaks the link", async () => {
    const other = new SqliteLedger(join(mkdtempSync(join(tmpdir(), "vouch-verify-")), "o.sqlite"), { signer });
    await other.append(entry(signer, { n: 100 }));
    await other.append(entry(signer, { n: 101 }));
    const foreign = await exportLines(other, signer);
    await other.close();
    const tampered = [...lines];
    tampered[1] = foreign[1]!; // acme/widget#2 from a different chain history
    expect(await failuresOf(tampered)).toContainEqual({ line: 3, message: expect.stringMatching(/does not link to #2/) });
  });

  test("garbage and empty input fail clearly", async () => {
    expect(await failuresOf(["{not json"])).toContainEqual({ line: 1, message: "not valid JSON" });
    expect(await failuresOf([])).toContainEqual({ line: 1, message: expect.stringMatching(/no signed checkpoint/) });
  });
});

describe("file export and verify", () => {
  test("exportToFile then verifyFile round-trips; CSV goes to its own file; a bad ledger leaves no partial file", async () => {
    const { exportToFile, verifyFile } = await import("../../src/ledger/files.js");
    const { readFileSync, existsSync, writeFileSync } = await import("node:fs");
    const dir = mkdtempSync(join(tmpdir(), "vouch-files-"));
    const ledger = new SqliteLedger(join(dir, "l.sqlite"), { signer });
    await ledger.appendAll([entry(signer, { n: 1 }), entry(signer, { n: 1, type: VSA })]);
    const out = join(dir, "audit.intoto.jsonl");
    expect(await exportToFile(ledger, out, { signer })).toEqual({ lines: 3 });
    expect((await verifyFile(out, trusted)).ok).toBe(true);
    const csv = join(dir, "audit.csv");
    await exportToFile(ledger, csv, { signer, format: "csv" });
    expect(readFileSync(csv, "utf8").trim().split("\n")).toHaveLength(2);
    const text = readFileSync(out, "utf8").split("\n");
    writeFileSync(out, [text[1], text[0], ...text.slice(2)].join("\n"));
    const bad = await verifyFile(out, trusted);
    expect(bad.ok).toBe(false);
    expect(bad.failures[0]?.line).toBe(1);
    await ledger.close();
    await expect(exportToFile(ledger, join(dir, "x.jsonl"), { signer })).rejects.toThrow();
    expect(existsSync(join(dir, "x.jsonl"))).toBe(false);
  });
});
