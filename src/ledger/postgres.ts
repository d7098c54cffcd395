/**
 * PostgreSQL ledger (pg). Each append runs in a transaction holding a transaction-scoped advisory
 * lock on its chain, so concurrent writers (several app replicas) serialize per repository and
 * keep one valid chain; the (chain, seq) primary key and the unique idempotency key back that up.
 * Triggers refuse UPDATE and DELETE on entries.
 */
import pg from "pg";
import type { Signer } from "../attest/dsse.js";
import { ENTRY_COLUMNS, GENESIS_HASH, entryHash, entryRow, idempotencyKey, signCheckpoint } from "./hash.js";
import { rowToEntry, type LedgerOptions } from "./sqlite.js";
import {
  LedgerError,
  type AppendResult,
  type ChainHead,
  type Checkpoint,
  type Ledger,
  type LedgerEntry,
  type LedgerEntryInput,
  type ListQuery,
} from "./types.js";

/** A fixed first key for pg_advisory_xact_lock(int, int), so Vouch's locks never collide with other apps' single-key locks. */
const LOCK_NAMESPACE = 0x766f7563; // "vouc"
const PAGE = 1000;

function schemaSql(schema: string): string {
  const s = `"${schema.replace(/"/g, '""')}"`;
  return `
CREATE SCHEMA IF NOT EXISTS ${s};
SET search_path TO ${s};
CREATE TABLE IF NOT EXISTS ledger_entries (
  chain TEXT NOT NULL,
  seq BIGINT NOT NULL,
  prev_hash TEXT NOT NULL,
  hash TEXT NOT NULL,
  idem_key TEXT NOT NULL UNIQUE,
  repo TEXT NOT NULL,
  ref TEXT NOT NULL,
  revision TEXT NOT NULL,
  policy_digest TEXT,
  evaluation_key TEXT NOT NULL,
  kind TEXT NOT NULL,
  predicate_type TEXT NOT NULL,
  recorded_at TEXT NOT NULL,
  envelope TEXT NOT NULL,
  statement_sha256 TEXT NOT NULL,
  PRIMARY KEY (chain, seq)
);
CREATE INDEX IF NOT EXISTS ledger_entries_ref ON ledger_entries (repo, ref, predicate_type, seq);
CREATE INDEX IF NOT EXISTS ledger_entries_time ON ledger_entries (chain, recorded_at);
CREATE INDEX IF NOT EXISTS ledger_entries_digest ON ledger_entries (statement_sha256);
CREATE TABLE IF NOT EXISTS ledger_checkpoints (
  id BIGSERIAL PRIMARY KEY,
  created_at TEXT NOT NULL,
  body TEXT NOT NULL,
  envelope TEXT NOT NULL
);
CREATE OR REPLACE FUNCTION ledger_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN RAISE EXCEPTION 'the ledger is append-only'; END $$;
DROP TRIGGER IF EXISTS ledger_entries_append_only ON ledger_entries;
CREATE TRIGGER ledger_entries_append_only BEFORE UPDATE OR DELETE ON ledger_entries
  FOR EACH ROW EXECUTE FUNCTION ledger_append_only();
`;
}

export interface PostgresLedgerOptions extends LedgerOptions {
  /** Schema holding the tables (default `vouch`). */
  schema?: string;
  maxConnections?: number;
}

export class PostgresLedger implements Ledger {
  private readonly now: () => Date;

  private constructor(
    private readonly pool: pg.Pool,
    private readonly options: PostgresLedgerOptions,
  ) {
    this.now = options.now ?? (() => new Date());
  }

  /** Connect and create the schema if needed. Fails fast when the server is unreachable. */
  static async open(url: string, options: PostgresLedgerOptions = {}): Promise<PostgresLedger> {
    const schema = options.schema ?? "vouch";
    const pool = new pg.Pool({
      connectionString: url,
      max: options.maxConnections ?? 4,
      connectionTimeoutMillis: 5000,
      options: `-c search_path="${schema.replace(/"/g, '""')}"`,
    });
    // An idle client error must not crash the process; the next query reports it.
    pool.on("error", () => {});
    try {
      const c = await pool.connect();
      try {
        // Serialize schema creation across processes starting together.
        await c.query("SELECT pg_advisory_lock($1, 0)", [LOCK_NAMESPACE]);
        try {
          await c.query(schemaSql(schema));
        } finally {
          await c.query("SELECT pg_advisory_unlock($1, 0)", [LOCK_NAMESPACE]);
        }
      } finally {
        c.release();
      }
    } catch (e) {
      await pool.end().catch(() => {});
      throw new LedgerError(`cannot open the PostgreSQL ledger: ${(e as Error).message}`);
    }
    return new PostgresLedger(pool, options);
  }

  private async appendOne(c: pg.PoolClient, input: LedgerEntryInput): Promise<AppendResult> {
    // The caller holds this chain's advisory lock for the whole transaction.
    const chain = input.repo;
    const key = idempotencyKey(input);
    const dup = await c.query<{ seq: string; hash: string }>("SELECT seq, hash FROM ledger_entries WHERE idem_key = $1", [key]);
    if (dup.rows[0]) return { seq: Number(dup.rows[0].seq), hash: dup.rows[0].hash, duplicate: true };
    const last = await c.query<{ seq: string; hash: string }>(
      "SELECT seq, hash FROM ledger_entries WHERE chain = $1 ORDER BY seq DESC LIMIT 1",
      [chain],
    );
    const prev = last.rows[0];
    const entry: Omit<LedgerEntry, "hash"> = {
      ...input,
      recordedAt: input.recordedAt ?? this.now().toISOString(),
      chain,
      seq: prev ? Number(prev.seq) + 1 : 1,
      prevHash: prev ? prev.hash : GENESIS_HASH,
    };
    const hash = entryHash(entry);
    const row = entryRow(entry, hash, key);
    await c.query(`INSERT INTO ledger_entries (${ENTRY_COLUMNS}) VALUES (${row.map((_, i) => `$${i + 1}`).join(",")})`, row);
    return { seq: entry.seq, hash, duplicate: false };
  }

  async append(entry: LedgerEntryInput): Promise<AppendResult> {
    return (await this.appendAll([entry]))[0]!;
  }

  async appendAll(entries: readonly LedgerEntryInput[]): Promise<AppendResult[]> {
    const c = await this.pool.connect().catch((e: Error) => {
      throw new LedgerError(`ledger append failed: ${e.message}`);
    });
    try {
      await c.query("BEGIN");
      // Lock chains in a fixed order so two batches touching the same chains cannot deadlock.
      for (const chain of [...new Set(entries.map((e) => e.repo))].sort()) {
        await c.query("SELECT pg_advisory_xact_lock($1, hashtext($2))", [LOCK_NAMESPACE, chain]);
      }
      const out: AppendResult[] = [];
      for (const e of entries) out.push(await this.appendOne(c, e));
      await c.query("COMMIT");
      return out;
    } catch (e) {
      await c.query("ROLLBACK").catch(() => {});
      throw new LedgerError(`ledger append failed: ${(e as Error).message}`);
    } finally {
      c.release();
    }
  }

  async get(chain: string, seq: number): Promise<LedgerEntry | null> {
    const r = await this.pool.query("SELECT * FROM ledger_entries WHERE chain = $1 AND seq = $2", [chain, seq]);
    return r.rows[0] ? rowToEntry(r.rows[0]) : null;
  }

  async *list(query: ListQuery = {}): AsyncIterable<LedgerEntry> {
    const chains = query.repo !== undefined ? [query.repo] : (await this.heads()).map((h) => h.chain);
    for (const chain of chains) {
      const first = await this.pool.query<{ s: string | null }>(
        "SELECT MIN(seq) AS s FROM ledger_entries WHERE chain = $1 AND recorded_at >= $2",
        [chain, query.since ?? ""],
      );
      const last = query.until
        ? await this.pool.query<{ s: string | null }>("SELECT MAX(seq) AS s FROM ledger_entries WHERE chain = $1 AND recorded_at < $2", [chain, query.until])
        : await this.pool.query<{ s: string | null }>("SELECT MAX(seq) AS s FROM ledger_entries WHERE chain = $1", [chain]);
      const f = first.rows[0]?.s;
      const l = last.rows[0]?.s;
      if (f == null || l == null) continue;
      const cap = query.upTo?.get(chain);
      const to = cap !== undefined ? Math.min(Number(l), cap) : Number(l);
      for (let from = Number(f); from <= to; from += PAGE) {
        const rows = await this.pool.query("SELECT * FROM ledger_entries WHERE chain = $1 AND seq >= $2 AND seq <= $3 ORDER BY seq", [
          chain,
          from,
          Math.min(to, from + PAGE - 1),
        ]);
        for (const r of rows.rows) yield rowToEntry(r);
      }
    }
  }

  async head(chain: string): Promise<ChainHead | null> {
    const r = await this.pool.query<{ seq: string; hash: string }>(
      "SELECT seq, hash FROM ledger_entries WHERE chain = $1 ORDER BY seq DESC LIMIT 1",
      [chain],
    );
    const row = r.rows[0];
    return row ? { chain, count: Number(row.seq), head: row.hash } : null;
  }

  async heads(): Promise<ChainHead[]> {
    const r = await this.pool.query<{ chain: string; seq: string; hash: string }>(
      `SELECT DISTINCT ON (chain) chain, seq, hash FROM ledger_entries ORDER BY chain, seq DESC`,
    );
    return r.rows.map((row) => ({ chain: row.chain, count: Number(row.seq), head: row.hash }));
  }

  async byDigest(sha256: string): Promise<LedgerEntry | null> {
    const r = await this.pool.query("SELECT * FROM ledger_entries WHERE statement_sha256 = $1 ORDER BY chain, seq LIMIT 1", [sha256]);
    return r.rows[0] ? rowToEntry(r.rows[0]) : null;
  }

  async latest(repo: string, ref: string, predicateType: string): Promise<LedgerEntry | null> {
    const r = await this.pool.query(
      "SELECT * FROM ledger_entries WHERE repo = $1 AND ref = $2 AND predicate_type = $3 ORDER BY seq DESC LIMIT 1",
      [repo, ref, predicateType],
    );
    return r.rows[0] ? rowToEntry(r.rows[0]) : null;
  }

  async checkpoint(): Promise<Checkpoint> {
    const signer: Signer | undefined = this.options.signer;
    if (!signer) throw new LedgerError("no signing key configured: cannot sign a ledger checkpoint");
    const cp = signCheckpoint(await this.heads(), signer, this.now());
    await this.pool.query("INSERT INTO ledger_checkpoints (created_at, body, envelope) VALUES ($1,$2,$3)", [
      cp.body.createdAt,
      JSON.stringify(cp.body),
      JSON.stringify(cp.envelope),
    ]);
    return cp;
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
