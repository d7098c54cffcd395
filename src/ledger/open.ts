/**
 * Open the ledger named by a URL: `postgres://…`/`postgresql://…` for PostgreSQL, `sqlite:<path>`
 * or a plain path for SQLite. With no URL: SQLite at <data dir>/ledger.sqlite, the file the app
 * and the CLI share.
 */
import { join } from "node:path";
import { dataDir } from "../keys/data-dir.js";
import { PostgresLedger } from "./postgres.js";
import { SqliteLedger, type LedgerOptions } from "./sqlite.js";
import type { Ledger } from "./types.js";

export const DEFAULT_LEDGER_FILE = "ledger.sqlite";

export function defaultLedgerUrl(env: Readonly<Record<string, string | undefined>> = process.env): string {
  return env.VOUCH_LEDGER_URL?.trim() || `sqlite:${join(dataDir(env), DEFAULT_LEDGER_FILE)}`;
}

export async function openLedger(url: string, options: LedgerOptions & { schema?: string } = {}): Promise<Ledger> {
  if (/^postgres(ql)?:\/\//.test(url)) return PostgresLedger.open(url, options);
  const path = url.startsWith("sqlite:") ? url.slice("sqlite:".length) : url;
  return new SqliteLedger(path, options);
}
