import { describe, test, expect } from "@jest/globals";
import { spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import pg from "pg";
import { postgresProblem, SHARED_PG_URL, testWithServices } from "../helpers/services.js";
import { SqliteLedger } from "../../src/ledger/sqlite.js";
import { PostgresLedger } from "../../src/ledger/postgres.js";
import type { Ledger } from "../../src/ledger/types.js";
import { verifyExport } from "../../src/ledger/verify.js";
import { testKeys } from "./helpers.js";
import { exportLines } from "./suite.js";

const ROUNDS = 12;

/** Run the child until it has acknowledged `stopAfter` entries, then SIGKILL it mid-loop. */
function runAndKill(path: string, round: number, stopAfter: number, keyPem: string, schema = ""): Promise<Map<number, string>> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", "test/ledger/crash-child.ts", path, String(round)], {
      env: { ...process.env, NODE_OPTIONS: "", CRASH_TEST_KEY: keyPem, CRASH_TEST_SCHEMA: schema },
      stdio: ["ignore", "pipe", "pipe"],
    });
    const acks = new Map<number, string>();
    let buf = "";
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.stdout.on("data", (d: Buffer) => {
      buf += d.toString();
      let nl: number;
      while ((nl = buf.indexOf("\n")) >= 0) {
        const m = /^ack (\d+) ([0-9a-f]{64})$/.exec(buf.slice(0, nl));
        buf = buf.slice(nl + 1);
        if (m) acks.set(Number(m[1]), m[2]!);
      }
      if (acks.size >= stopAfter) child.kill("SIGKILL");
    });
    child.on("exit", (code, signal) => {
      if (signal === "SIGKILL") resolve(acks);
      else reject(new Error(`child exited on its own (${code}): ${stderr.slice(0, 2000)}`));
    });
  });
}

async function crashRounds(target: string, rounds: number, open: () => Promise<Ledger>, schema?: string): Promise<void> {
  const { signer, trusted } = keys;
  const keyPem = signer.privateKey.export({ type: "pkcs8", format: "pem" }).toString();
  const acked = new Map<number, string>();
  for (let round = 0; round < rounds; round++) {
    // Stop after a varying number of acks so the kill lands at different points of the loop.
    const acks = await runAndKill(target, round, 1 + ((round * 37) % 60), keyPem, schema);
    for (const [seq, hash] of acks) acked.set(seq, hash);
  }
  expect(acked.size).toBeGreaterThan(rounds);
  const ledger = await open();
  try {
    for (const [seq, hash] of acked) expect((await ledger.get("acme/widget", seq))?.hash).toBe(hash);
    const head = await ledger.head("acme/widget");
    expect(head!.count).toBeGreaterThanOrEqual(Math.max(...acked.keys()));
    // Each loop appends a provenance and its VSA in one transaction: a kill never leaves half a pair.
    expect(head!.count % 2).toBe(0);
    const report = await verifyExport(await exportLines(ledger, signer), trusted);
    expect(report.failures).toEqual([]);
    expect(report.entries).toBe(head!.count);
  } finally {
    await ledger.close();
  }
}

const keys = testKeys();
const PG_URL = SHARED_PG_URL;
const pgTest = testWithServices(await postgresProblem(PG_URL), "the PostgreSQL crash test");

describe("ledger under SIGKILL", () => {
  test(`SQLite killed ${ROUNDS} times mid-append keeps every acknowledged entry and still verifies`, async () => {
    const path = join(mkdtempSync(join(tmpdir(), "vouch-crash-")), "ledger.sqlite");
    await crashRounds(path, ROUNDS, () => Promise.resolve(new SqliteLedger(path, { signer: keys.signer })));
  });

  pgTest("PostgreSQL killed mid-append keeps every acknowledged entry and still verifies", async () => {
    const schema = `vouch_crash_${randomBytes(4).toString("hex")}`;
    try {
      await crashRounds(PG_URL, 6, () => PostgresLedger.open(PG_URL, { schema, signer: keys.signer }), schema);
    } finally {
      const c = new pg.Client({ connectionString: PG_URL });
      await c.connect();
      await c.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await c.end();
    }
  });
});
