import { describe, test, expect } from "@jest/globals";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { SqliteLedger } from "../../src/ledger/sqlite.js";
import { openLedger, defaultLedgerUrl } from "../../src/ledger/open.js";
import { ledgerSuite } from "./suite.js";
import { entry, testKeys } from "./helpers.js";

const tmpFile = () => join(mkdtempSync(join(tmpdir(), "vouch-ledger-")), "nested", "ledger.sqlite");

ledgerSuite("SQLite", async (signer, now) => new SqliteLedger(tmpFile(), { signer, ...(now ? { now } : {}) }));

describe("SQLite specifics", () => {
  test("the database is in WAL mode", async () => {
    const path = tmpFile();
    const ledger = new SqliteLedger(path);
    await ledger.close();
    const db = new Database(path);
    expect(db.pragma("journal_mode", { simple: true })).toBe("wal");
    db.close();
  });

  test("rows cannot be updated or deleted, even with direct SQL", async () => {
    const path = tmpFile();
    const { signer } = testKeys();
    const ledger = new SqliteLedger(path, { signer });
    await ledger.append(entry(signer, { n: 1 }));
    await ledger.close();
    const db = new Database(path);
    expect(() => db.prepare("UPDATE ledger_entries SET ref = 'x'").run()).toThrow(/append-only/);
    expect(() => db.prepare("DELETE FROM ledger_entries").run()).toThrow(/append-only/);
    db.close();
  });

  test("a checkpoint without a signing key is refused", async () => {
    const ledger = new SqliteLedger(tmpFile());
    await expect(ledger.checkpoint()).rejects.toThrow(/no signing key/);
    await ledger.close();
  });

  test("openLedger picks the backend from the URL; the default lives in the data directory", async () => {
    expect(defaultLedgerUrl({ VOUCH_DATA_DIR: "/srv/vouch" })).toBe("sqlite:/srv/vouch/ledger.sqlite");
    expect(defaultLedgerUrl({ VOUCH_DATA_DIR: "/srv/vouch", VOUCH_LEDGER_URL: "postgres://db/x" })).toBe("postgres://db/x");
    // DATABASE_URL (the scaled-out setting) is used when it names PostgreSQL; VOUCH_LEDGER_URL still wins.
    expect(defaultLedgerUrl({ VOUCH_DATA_DIR: "/srv/vouch", DATABASE_URL: "postgresql://db/y" })).toBe("postgresql://db/y");
    expect(defaultLedgerUrl({ VOUCH_DATA_DIR: "/srv/vouch", DATABASE_URL: "mysql://db/y" })).toBe("sqlite:/srv/vouch/ledger.sqlite");
    expect(defaultLedgerUrl({ DATABASE_URL: "postgres://db/y", VOUCH_LEDGER_URL: "sqlite:/tmp/l.sqlite" })).toBe("sqlite:/tmp/l.sqlite");
    const l = await openLedger(`sqlite:${tmpFile()}`);
    expect(l).toBeInstanceOf(SqliteLedger);
    await l.close();
  });
});
