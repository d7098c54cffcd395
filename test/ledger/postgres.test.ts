/**
 * PostgreSQL runs of the shared ledger suite, in a fresh schema per run. Unreachable server:
 * the suite is skipped with a message, except under CI=true where that is a failure.
 */
import { test, expect, afterAll } from "@jest/globals";
import { randomBytes } from "node:crypto";
import pg from "pg";
import { describeWithServices, postgresProblem, SHARED_PG_URL } from "../helpers/services.js";
import { PostgresLedger } from "../../src/ledger/postgres.js";
import { openLedger } from "../../src/ledger/open.js";
import { exportLines, ledgerSuite } from "./suite.js";
import { entry, testKeys } from "./helpers.js";
import { verifyExport } from "../../src/ledger/verify.js";

const URL = SHARED_PG_URL;
const SCHEMA = `vouch_test_${process.pid}_${randomBytes(4).toString("hex")}`;

const unreachable = await postgresProblem(URL);
const d = describeWithServices(unreachable, "the PostgreSQL ledger tests");

let n = 0;
const schemas: string[] = [];
ledgerSuite(
  "PostgreSQL",
  async (signer, now) => {
    const schema = `${SCHEMA}_${++n}`;
    schemas.push(schema);
    return PostgresLedger.open(URL, { schema, signer, ...(now ? { now } : {}) });
  },
  d,
);

d("PostgreSQL specifics", () => {
  const { signer, trusted } = testKeys();

  test("concurrent writers on separate connections keep one valid chain", async () => {
    const schema = `${SCHEMA}_conc`;
    schemas.push(schema);
    const writers = await Promise.all([1, 2, 3, 4].map(() => PostgresLedger.open(URL, { schema, signer, maxConnections: 3 })));
    const results = await Promise.all(
      writers.flatMap((w, wi) =>
        Array.from({ length: 25 }, (_, i) => w.append(entry(signer, { n: wi * 1000 + i, repo: i % 2 ? "acme/a" : "acme/b" }))),
      ),
    );
    // Each writer also retries one of another writer's evaluations: still one record.
    const dup = await writers[0]!.append(entry(signer, { n: 1001, repo: "acme/a" }));
    expect(dup.duplicate).toBe(true);
    expect(results.filter((r) => r.duplicate)).toHaveLength(0);
    expect((await writers[0]!.heads()).map((h) => h.count)).toEqual([48, 52]);
    const report = await verifyExport(await exportLines(writers[0]!, signer), trusted);
    expect(report.failures).toEqual([]);
    expect(report.entries).toBe(100);
    await Promise.all(writers.map((w) => w.close()));
  });

  test("rows cannot be updated or deleted, even with direct SQL", async () => {
    const schema = `${SCHEMA}_ro`;
    schemas.push(schema);
    const l = await PostgresLedger.open(URL, { schema, signer });
    await l.append(entry(signer, { n: 1 }));
    await l.close();
    const c = new pg.Client({ connectionString: URL });
    await c.connect();
    await expect(c.query(`UPDATE "${schema}".ledger_entries SET ref = 'x'`)).rejects.toThrow(/append-only/);
    await expect(c.query(`DELETE FROM "${schema}".ledger_entries`)).rejects.toThrow(/append-only/);
    await c.end();
  });

  test("openLedger with a postgres URL opens PostgreSQL; a dead server is a clear error", async () => {
    const schema = `${SCHEMA}_open`;
    schemas.push(schema);
    const l = await openLedger(URL, { schema });
    expect(l).toBeInstanceOf(PostgresLedger);
    await l.close();
    await expect(openLedger("postgres://postgres@127.0.0.1:1/none")).rejects.toThrow(/cannot open the PostgreSQL ledger/);
  });
});

afterAll(async () => {
  if (unreachable !== null || schemas.length === 0) return;
  const c = new pg.Client({ connectionString: URL });
  await c.connect();
  for (const s of schemas) await c.query(`DROP SCHEMA IF EXISTS "${s}" CASCADE`);
  await c.end();
});
