/**
 * The first-observation store, the same suite on SQLite and PostgreSQL (a fresh schema per run;
 * skipped with a message when PostgreSQL is unreachable, a failure under CI=true).
 */
import { afterAll, describe, expect, test } from "@jest/globals";
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import pg from "pg";
import { describeWithServices, postgresProblem, SHARED_PG_URL } from "../helpers/services.js";
import { openFirstObservations, repositoryKey, type FirstObservations } from "../../src/ledger/first-observations.js";
import { removeDir, tempDir } from "../helpers/git.js";

const URL = SHARED_PG_URL;
const SCHEMA = `vouch_fo_${process.pid}_${randomBytes(4).toString("hex")}`;

const unreachable = await postgresProblem(URL);
const describePostgres = describeWithServices(unreachable, "the PostgreSQL first-observation tests");

const dirs: string[] = [];
let schemas = 0;
afterAll(async () => {
  for (const d of dirs) await removeDir(d);
  if (unreachable === null && schemas > 0) {
    const c = new pg.Client({ connectionString: URL });
    await c.connect();
    for (let i = 1; i <= schemas; i++) await c.query(`DROP SCHEMA IF EXISTS "${SCHEMA}_${i}" CASCADE`);
    await c.end();
  }
});

const T1 = new Date("2024-11-15T10:00:00.000Z");
const T2 = new Date("2025-01-01T12:00:00.000Z");
const T3 = new Date("2026-11-25T12:00:00.000Z");
const oid = (n: number) => n.toString(16).padStart(40, "0");

function suite(name: string, open: () => Promise<{ store: FirstObservations; reopen: () => Promise<FirstObservations> }>, d: typeof describe | typeof describe.skip = describe) {
  d(`first observations (${name})`, () => {
    test("the first time an object is observed is kept: later evaluations get it back, new objects get theirs", async () => {
      const { store, reopen } = await open();
      const repo = repositoryKey({ id: 42, fullName: "acme/widget" });
      expect(await store.observe(repo, [oid(1)], T1)).toEqual(new Map([[oid(1), T1]]));
      expect(await store.observe(repo, [oid(1), oid(2)], T3)).toEqual(new Map([[oid(1), T1], [oid(2), T3]]));
      await store.close();
      // It is persisted: another process (a restart) sees the same times.
      const again = await reopen();
      expect(await again.observe(repo, [oid(2), oid(1)], new Date())).toEqual(new Map([[oid(1), T1], [oid(2), T3]]));
      // An evaluation that raced ahead with a later clock never wins over an earlier one.
      expect(await again.observe(repo, [oid(2)], T2)).toEqual(new Map([[oid(2), T2]]));
      await again.close();
    });

    test("repositories are separate, duplicates in one call are fine, and thousands of objects go in batches", async () => {
      const { store } = await open();
      const a = repositoryKey({ id: 1, fullName: "acme/a" });
      const b = repositoryKey({ id: null, fullName: "Acme/B" });
      expect(b).toBe("name:acme/b");
      await store.observe(a, [oid(7)], T1);
      expect((await store.observe(b, [oid(7), oid(7)], T3)).get(oid(7))).toEqual(T3);
      const many = Array.from({ length: 2_345 }, (_, i) => oid(i + 100));
      const first = await store.observe(a, many.slice(0, 1_000), T1);
      expect(first.size).toBe(1_000);
      const all = await store.observe(a, many, T3);
      expect(all.size).toBe(2_345);
      expect(all.get(many[999]!)).toEqual(T1);
      expect(all.get(many[1_000]!)).toEqual(T3);
      expect(await store.observe(a, [], T3)).toEqual(new Map());
      await store.close();
    });
  });
}

suite("SQLite", async () => {
  const dir = await tempDir();
  dirs.push(dir);
  const path = join(dir, "ledger.sqlite");
  return { store: await openFirstObservations(`sqlite:${path}`), reopen: () => openFirstObservations(path) };
});

suite(
  "PostgreSQL",
  async () => {
    const schema = `${SCHEMA}_${++schemas}`;
    return { store: await openFirstObservations(URL, { schema }), reopen: () => openFirstObservations(URL, { schema }) };
  },
  describePostgres,
);
