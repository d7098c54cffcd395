/**
 * Ledger benchmarks: appends per second on SQLite and PostgreSQL (each append its own durable
 * transaction, as the app does), and export-plus-verify time for a 100,000-entry ledger.
 * PostgreSQL figures need DATABASE_URL (default postgres://postgres@127.0.0.1:5432/test); when it
 * is unreachable they are reported as skipped. Run alone with `npx tsx bench/ledger.ts [entries]`.
 */
import { generateKeyPairSync, randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import pg from "pg";
import { IN_TOTO_PAYLOAD_TYPE, keyIdOf, sha256Hex, signEnvelope, type Signer } from "../src/attest/dsse.js";
import { makeStatement, serializeStatement } from "../src/attest/statement.js";
import { exportToFile, verifyFile } from "../src/ledger/files.js";
import { PostgresLedger } from "../src/ledger/postgres.js";
import { SqliteLedger } from "../src/ledger/sqlite.js";
import type { Ledger, LedgerEntryInput } from "../src/ledger/types.js";
import { printReport, type BenchReport } from "./stats.js";
import { postgresProblem, SHARED_PG_URL } from "../test/helpers/services.js";

const TYPE = "https://vouch.dev/source-provenance/v1";

/** Last provenance digest per repository, so each entry links to its predecessor as real ones do. */
const lastDigest = new Map<string, string>();

function makeEntry(signer: Signer, n: number, repo: string): LedgerEntryInput {
  const revision = n.toString(16).padStart(40, "0");
  const prev = lastDigest.get(repo);
  // A predicate about the size of a real provenance (~1.5 KB), so I/O figures are representative.
  const st = makeStatement([{ digest: { gitCommit: revision } }], TYPE, {
    n,
    continuity: { previous: prev ? { digest: `sha256:${prev}`, revision } : null },
    pad: "x".repeat(1500),
  });
  const bytes = serializeStatement(st);
  lastDigest.set(repo, sha256Hex(bytes));
  return {
    repo,
    ref: "refs/heads/main",
    revision,
    policyDigest: `sha256:${"ab".repeat(32)}`,
    evaluationKey: `bench:${n}`,
    kind: "attestation",
    predicateType: TYPE,
    envelope: signEnvelope(bytes, IN_TOTO_PAYLOAD_TYPE, signer),
  };
}

async function appendRate(ledger: Ledger, signer: Signer, count: number, writers = 1): Promise<number> {
  const entries = Array.from({ length: count }, (_, i) => makeEntry(signer, i, `bench/repo${i % 8}`));
  const start = performance.now();
  await Promise.all(
    Array.from({ length: writers }, async (_, w) => {
      for (let i = w; i < count; i += writers) await ledger.append(entries[i]!);
    }),
  );
  return Math.round(count / ((performance.now() - start) / 1000));
}

export async function benchLedger(options: { appends?: number; exportEntries?: number } = {}): Promise<BenchReport[]> {
  const appends = options.appends ?? 2000;
  const total = options.exportEntries ?? 100_000;
  const { privateKey, publicKey } = generateKeyPairSync("ed25519");
  const signer = { keyId: keyIdOf(publicKey), privateKey };
  const trusted = new Map([[signer.keyId, publicKey]]);
  const dir = mkdtempSync(join(tmpdir(), "vouch-bench-ledger-"));
  const reports: BenchReport[] = [];
  try {
    const sqlite = new SqliteLedger(join(dir, "appends.sqlite"), { signer });
    const sqliteRate = await appendRate(sqlite, signer, appends);
    await sqlite.close();

    const url = SHARED_PG_URL;
    const pgFigures: Record<string, number | string> = {};
    if ((await postgresProblem(url)) === null) {
      const schema = `vouch_bench_${randomBytes(4).toString("hex")}`;
      const ledger = await PostgresLedger.open(url, { schema, signer, maxConnections: 4 });
      try {
        pgFigures["postgres appends/s (1 writer)"] = await appendRate(ledger, signer, appends);
        const l2 = await PostgresLedger.open(url, { schema: `${schema}_c`, signer, maxConnections: 4 });
        pgFigures["postgres appends/s (4 writers, 8 chains)"] = await appendRate(l2, signer, appends, 4);
        await l2.close();
      } finally {
        await ledger.close();
        const c = new pg.Client({ connectionString: url });
        await c.connect();
        await c.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
        await c.query(`DROP SCHEMA IF EXISTS "${schema}_c" CASCADE`);
        await c.end();
      }
    } else {
      pgFigures["postgres appends/s"] = "skipped (PostgreSQL unreachable; set DATABASE_URL)";
    }
    reports.push({
      name: "ledger appends",
      figures: { "sqlite appends/s (WAL, synchronous=FULL)": sqliteRate, ...pgFigures, "entries per run": appends },
      notes: ["Each append is its own transaction, durable before it returns."],
    });

    // Fill a ledger quickly (1,000 entries per transaction), then time export and verify.
    lastDigest.clear();
    const big = new SqliteLedger(join(dir, "big.sqlite"), { signer });
    const fillStart = performance.now();
    for (let i = 0; i < total; i += 1000) {
      await big.appendAll(Array.from({ length: Math.min(1000, total - i) }, (_, j) => makeEntry(signer, i + j, `bench/repo${(i + j) % 8}`)));
    }
    const fillMs = performance.now() - fillStart;
    const out = join(dir, "audit.intoto.jsonl");
    const exportStart = performance.now();
    await exportToFile(big, out, { signer });
    const exportMs = performance.now() - exportStart;
    const verifyStart = performance.now();
    const report = await verifyFile(out, trusted);
    const verifyMs = performance.now() - verifyStart;
    await big.close();
    if (!report.ok) throw new Error(`bench export did not verify: ${JSON.stringify(report.failures.slice(0, 3))}`);
    reports.push({
      name: `ledger export + verify (${total.toLocaleString("en")} entries)`,
      figures: {
        "fill (sign + append, batched) s": (fillMs / 1000).toFixed(1),
        "export s": (exportMs / 1000).toFixed(1),
        "verify s": (verifyMs / 1000).toFixed(1),
        "export + verify s": ((exportMs + verifyMs) / 1000).toFixed(1),
        "export size MB": (statSync(out).size / 1e6).toFixed(1),
      },
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return reports;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const n = Number(process.argv[2] ?? "100000");
  for (const r of await benchLedger({ exportEntries: n })) printReport(r);
}
