/** The one ledger test suite both backends must pass. */
import { describe, test, expect, beforeEach, afterEach } from "@jest/globals";
import type { Signer } from "../../src/attest/dsse.js";
import { sha256Hex, verifyEnvelope } from "../../src/attest/dsse.js";
import { GENESIS_HASH, entryHash } from "../../src/ledger/hash.js";
import { exportCsv, exportJsonl } from "../../src/ledger/export.js";
import { verifyExport } from "../../src/ledger/verify.js";
import type { Ledger, LedgerEntry } from "../../src/ledger/types.js";
import { PROV, VSA, entry, rev, testKeys } from "./helpers.js";

export type LedgerFactory = (signer: Signer, now?: () => Date) => Promise<Ledger>;

async function all(ledger: Ledger, q = {}): Promise<LedgerEntry[]> {
  const out: LedgerEntry[] = [];
  for await (const e of ledger.list(q)) out.push(e);
  return out;
}

export async function exportLines(ledger: Ledger, signer: Signer, q = {}): Promise<string[]> {
  const lines: string[] = [];
  await exportJsonl(ledger, { ...q, signer }, (l) => {
    lines.push(l);
  });
  return lines;
}

export function ledgerSuite(name: string, factory: LedgerFactory, describeFn: (name: string, fn: () => void) => void = describe): void {
  describeFn(`${name} ledger`, () => {
    const { signer, trusted } = testKeys();
    let ledger: Ledger;
    beforeEach(async () => {
      ledger = await factory(signer);
    });
    afterEach(async () => {
      await ledger.close();
    });

    test("each repository is its own hash chain starting at genesis", async () => {
      const a1 = await ledger.append(entry(signer, { n: 1 }));
      const b1 = await ledger.append(entry(signer, { repo: "acme/other", n: 2 }));
      const a2 = await ledger.append(entry(signer, { n: 3 }));
      expect([a1.seq, b1.seq, a2.seq]).toEqual([1, 1, 2]);
      expect([a1.duplicate, b1.duplicate, a2.duplicate]).toEqual([false, false, false]);
      const e1 = await ledger.get("acme/widget", 1);
      const e2 = await ledger.get("acme/widget", 2);
      expect(e1?.prevHash).toBe(GENESIS_HASH);
      expect(e2?.prevHash).toBe(a1.hash);
      const { hash, ...rest } = e2!;
      expect(entryHash(rest)).toBe(hash);
      expect(await ledger.head("acme/widget")).toEqual({ chain: "acme/widget", count: 2, head: a2.hash });
      expect(await ledger.head("nobody/none")).toBeNull();
      expect(await ledger.heads()).toEqual([
        { chain: "acme/other", count: 1, head: b1.hash },
        { chain: "acme/widget", count: 2, head: a2.hash },
      ]);
      expect(verifyEnvelope(e2!.envelope, trusted).ok).toBe(true);
      const digest = sha256Hex(Buffer.from(e2!.envelope.payload, "base64"));
      expect((await ledger.byDigest(digest))?.seq).toBe(2);
      expect(await ledger.byDigest("0".repeat(64))).toBeNull();
    });

    test("a redelivered or retried evaluation is recorded once", async () => {
      const first = await ledger.append(entry(signer, { n: 1, at: "2026-01-01T00:00:00.000Z" }));
      // Same (repo, revision, policy, evaluation, type), later and re-signed: still a duplicate.
      const again = await ledger.append(entry(signer, { n: 1, at: "2026-01-02T00:00:00.000Z" }));
      expect(again).toEqual({ ...first, duplicate: true });
      const [p, v] = await ledger.appendAll([entry(signer, { n: 1 }), entry(signer, { n: 1, type: VSA })]);
      expect(p?.duplicate).toBe(true);
      expect(v).toMatchObject({ seq: 2, duplicate: false });
      // A different evaluation of the same revision is a new record.
      expect((await ledger.append(entry(signer, { n: 1, key: "push:x" }))).seq).toBe(3);
      expect((await all(ledger)).length).toBe(3);
    });

    test("appendAll is all or nothing", async () => {
      await ledger.append(entry(signer, { n: 1 }));
      const bad = { ...entry(signer, { n: 3 }), ref: null } as never;
      await expect(ledger.appendAll([entry(signer, { n: 2 }), bad])).rejects.toThrow(/ledger append failed/);
      expect(await ledger.head("acme/widget")).toMatchObject({ count: 1 });
      expect((await ledger.append(entry(signer, { n: 2 }))).seq).toBe(2);
    });

    test("list filters by repository and time window; latest finds the previous attestation of a ref", async () => {
      await ledger.append(entry(signer, { n: 1, at: "2026-01-01T00:00:00.000Z" }));
      await ledger.append(entry(signer, { n: 2, at: "2026-02-01T00:00:00.000Z", ref: "refs/heads/dev" }));
      await ledger.append(entry(signer, { n: 3, at: "2026-03-01T00:00:00.000Z" }));
      await ledger.append(entry(signer, { n: 4, at: "2026-03-01T00:00:00.000Z", type: VSA }));
      await ledger.append(entry(signer, { repo: "acme/other", n: 5, at: "2026-02-15T00:00:00.000Z" }));
      expect((await all(ledger, { repo: "acme/widget" })).map((e) => e.seq)).toEqual([1, 2, 3, 4]);
      expect((await all(ledger, { since: "2026-02-01T00:00:00.000Z", until: "2026-03-01T00:00:00.000Z" })).map((e) => `${e.chain}#${e.seq}`)).toEqual([
        "acme/other#1",
        "acme/widget#2",
      ]);
      expect((await all(ledger, { since: "2027-01-01T00:00:00.000Z" })).length).toBe(0);
      expect((await ledger.latest("acme/widget", "refs/heads/main", PROV))?.revision).toBe(rev(3));
      expect((await ledger.latest("acme/widget", "refs/heads/main", VSA))?.revision).toBe(rev(4));
      expect(await ledger.latest("acme/widget", "refs/heads/none", PROV)).toBeNull();
    });

    test("checkpoints are signed and state every chain's count and head", async () => {
      const a = await ledger.append(entry(signer, { n: 1 }));
      const cp = await ledger.checkpoint();
      expect(cp.body.chains).toEqual([{ chain: "acme/widget", count: 1, head: a.hash }]);
      const r = verifyEnvelope(cp.envelope, trusted);
      expect(r.ok && JSON.parse(r.payload.toString())).toEqual(cp.body);
    });

    test("export then verify round-trips, and CSV has one row per revision", async () => {
      for (let n = 1; n <= 4; n++) await ledger.appendAll([entry(signer, { n }), entry(signer, { n, type: VSA })]);
      await ledger.append(entry(signer, { repo: "acme/other", n: 9 }));
      const lines = await exportLines(ledger, signer);
      expect(lines).toHaveLength(10);
      const seen: string[] = [];
      const report = await verifyExport(lines, trusted, { onEntry: (e) => void seen.push(`${e.chain}#${e.seq}`) });
      expect(report.failures).toEqual([]);
      expect(report.ok).toBe(true);
      expect(report.entries).toBe(9);
      expect(seen).toContain("acme/widget#8");
      const csv: string[] = [];
      expect(await exportCsv(ledger, { repo: "acme/widget" }, (l) => void csv.push(l))).toBe(4);
      expect(csv[0]).toMatch(/^"repository","ref","revision"/);
      expect(csv[1]).toContain(`"${rev(1)}"`);
      expect(csv[1]).toContain(`"PASSED","SLSA_SOURCE_LEVEL_3"`);
      // A sliced export (one repository, a time window) verifies on its own.
      const sliced = await exportLines(ledger, signer, { repo: "acme/widget" });
      expect((await verifyExport(sliced, trusted)).ok).toBe(true);
      // Verifying with someone else's key fails on every line.
      const other = testKeys();
      const foreign = await verifyExport(lines, other.trusted);
      expect(foreign.ok).toBe(false);
      expect(foreign.failures[0]).toEqual({ line: 1, message: expect.stringMatching(/^signature:/) });
    });
  });
}
