/**
 * Open the ledger named by a URL: `postgres://…`/`postgresql://…` for PostgreSQL, `sqlite:<path>`
 * or a plain path for SQLite. VOUCH_LEDGER_URL names it; otherwise a PostgreSQL DATABASE_URL (the
 * scaled-out setting, shared by every replica); otherwise SQLite at <data dir>/ledger.sqlite, the
 * file the app and the CLI share.
 */
import { join } from "node:path";
import { dataDir } from "../keys/data-dir.js";
import { PostgresLedger } from "./postgres.js";
import { SqliteLedger, type LedgerOptions } from "./sqlite.js";
import type { Ledger } from "./types.js";

export const DEFAULT_LEDGER_FILE = "ledger.sqlite";
const POSTGRES_URL = /^postgres(ql)?:\/\//;

export function defaultLedgerUrl(env: Readonly<Record<string, string | undefined>> = process.env): string {
  const explicit = env.VOUCH_LEDGER_URL?.trim();
  if (explicit) return explicit;
  // DATABASE_URL is a common name other tools use for other databases: only a PostgreSQL URL is taken.
  const database = env.DATABASE_URL?.trim();
  if (database && POSTGRES_URL.test(database)) return database;
  return `sqlite:${join(dataDir(env), DEFAULT_LEDGER_FILE)}`;
}

export async function openLedger(url: string, options: LedgerOptions & { schema?: string } = {}): Promise<Ledger> {
  if (POSTGRES_URL.test(url)) return PostgresLedger.open(url, options);
  const path = url.startsWith("sqlite:") ? url.slice("sqlite:".length) : url;
  return new SqliteLedger(path, options);
}
