/**
 * SQLite ledger (better-sqlite3). WAL with synchronous=FULL: a commit is on disk before append()
 * resolves, so an acknowledged entry survives a crash or power loss. Writers take the database
 * write lock up front (BEGIN IMMEDIATE), so two processes never compute the same next seq.
 * Triggers refuse UPDATE and DELETE: the table is append-only even to other code.
 */
import Database from "better-sqlite3";
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import type { Signer } from "../attest/dsse.js";
import { ENTRY_COLUMNS, GENESIS_HASH, entryHash, entryRow, idempotencyKey, signCheckpoint } from "./hash.js";
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

const SCHEMA = `
CREATE TABLE IF NOT EXISTS ledger_entries (
  chain TEXT NOT NULL,
  seq INTEGER NOT NULL,
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
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS ledger_entries_ref ON ledger_entries (repo, ref, predicate_type, seq);
CREATE INDEX IF NOT EXISTS ledger_entries_time ON ledger_entries (chain, recorded_at);
CREATE INDEX IF NOT EXISTS ledger_entries_digest ON ledger_entries (statement_sha256);
CREATE TABLE IF NOT EXISTS ledger_checkpoints (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  created_at TEXT NOT NULL,
  body TEXT NOT NULL,
  envelope TEXT NOT NULL
);
CREATE TRIGGER IF NOT EXISTS ledger_entries_no_update BEFORE UPDATE ON ledger_entries
  BEGIN SELECT RAISE(ABORT, 'the ledger is append-only'); END;
CREATE TRIGGER IF NOT EXISTS ledger_entries_no_delete BEFORE DELETE ON ledger_entries
  BEGIN SELECT RAISE(ABORT, 'the ledger is append-only'); END;
`;

interface Row {
  chain: string;
  seq: number;
  prev_hash: string;
  hash: string;
  repo: string;
  ref: string;
  revision: string;
  policy_digest: string | null;
  evaluation_key: string;
  kind: string;
  predicate_type: string;
  recorded_at: string;
  envelope: string;
}

export function rowToEntry(r: Row): LedgerEntry {
  return {
    chain: r.chain,
    seq: Number(r.seq),
    prevHash: r.prev_hash,
    hash: r.hash,
    repo: r.repo,
    ref: r.ref,
    revision: r.revision,
    policyDigest: r.policy_digest,
    evaluationKey: r.evaluation_key,
    kind: r.kind as LedgerEntry["kind"],
    predicateType: r.predicate_type,
    recordedAt: r.recorded_at,
    envelope: JSON.parse(r.envelope) as LedgerEntry["envelope"],
  };
}

export interface LedgerOptions {
  /** Signs checkpoints. Without it checkpoint() fails. */
  signer?: Signer;
  now?: () => Date;
}

const PAGE = 1000;

export class SqliteLedger implements Ledger {
  private readonly db: Database.Database;
  private readonly now: () => Date;

  constructor(
    path: string,
    private readonly options: LedgerOptions = {},
  ) {
    if (path !== ":memory:") mkdirSync(dirname(path), { recursive: true });
    this.db = new Database(path);
    this.db.pragma("journal_mode = WAL");
    this.db.pragma("synchronous = FULL");
    this.db.pragma("busy_timeout = 10000");
    this.db.exec(SCHEMA);
    this.now = options.now ?? (() => new Date());
  }

  private appendOne(input: LedgerEntryInput): AppendResult {
    const key = idempotencyKey(input);
    const existing = this.db.prepare("SELECT seq, hash FROM ledger_entries WHERE idem_key = ?").get(key) as
      | { seq: number; hash: string }
      | undefined;
    if (existing) return { seq: Number(existing.seq), hash: existing.hash, duplicate: true };
    const chain = input.repo;
    const last = this.db
      .prepare("SELECT seq, hash FROM ledger_entries WHERE chain = ? ORDER BY seq DESC LIMIT 1")
      .get(chain) as { seq: number; hash: string } | undefined;
    const entry: Omit<LedgerEntry, "hash"> = {
      ...input,
      recordedAt: input.recordedAt ?? this.now().toISOString(),
      chain,
      seq: last ? Number(last.seq) + 1 : 1,
      prevHash: last ? last.hash : GENESIS_HASH,
    };
    const hash = entryHash(entry);
    this.db
      .prepare(`INSERT INTO ledger_entries (${ENTRY_COLUMNS}) VALUES (${ENTRY_COLUMNS.split(",").map(() => "?").join(",")})`)
      .run(...entryRow(entry, hash, key));
    return { seq: entry.seq, hash, duplicate: false };
  }

  append(entry: LedgerEntryInput): Promise<AppendResult> {
    return this.appendAll([entry]).then((r) => r[0]!);
  }

  appendAll(entries: readonly LedgerEntryInput[]): Promise<AppendResult[]> {
    try {
      const run = this.db.transaction((list: readonly LedgerEntryInput[]) => list.map((e) => this.appendOne(e)));
      return Promise.resolve(run.immediate(entries));
    } catch (e) {
      return Promise.reject(new LedgerError(`ledger append failed: ${(e as Error).message}`));
    }
  }

  get(chain: string, seq: number): Promise<LedgerEntry | null> {
    const r = this.db.prepare("SELECT * FROM ledger_entries WHERE chain = ? AND seq = ?").get(chain, seq) as Row | undefined;
    return Promise.resolve(r ? rowToEntry(r) : null);
  }

  async *list(query: ListQuery = {}): AsyncIterable<LedgerEntry> {
    const chains = query.repo !== undefined ? [query.repo] : (await this.heads()).map((h) => h.chain);
    for (const chain of chains) {
      const range = this.range(chain, query);
      if (!range) continue;
      for (let from = range.from; from <= range.to; from += PAGE) {
        const rows = this.db
          .prepare("SELECT * FROM ledger_entries WHERE chain = ? AND seq >= ? AND seq <= ? ORDER BY seq")
          .all(chain, from, Math.min(range.to, from + PAGE - 1)) as Row[];
        for (const r of rows) yield rowToEntry(r);
      }
    }
  }

  /** The contiguous seq run of a chain whose first and last entries fall in the time window. */
  private range(chain: string, q: ListQuery): { from: number; to: number } | null {
    const first = this.db
      .prepare("SELECT MIN(seq) AS s FROM ledger_entries WHERE chain = ? AND recorded_at >= ?")
      .get(chain, q.since ?? "") as { s: number | null };
    const last = q.until
      ? (this.db.prepare("SELECT MAX(seq) AS s FROM ledger_entries WHERE chain = ? AND recorded_at < ?").get(chain, q.until) as {
          s: number | null;
        })
      : (this.db.prepare("SELECT MAX(seq) AS s FROM ledger_entries WHERE chain = ?").get(chain) as { s: number | null });
    if (first.s === null || last.s === null) return null;
    const cap = q.upTo?.get(chain);
    const to = cap !== undefined ? Math.min(Number(last.s), cap) : Number(last.s);
    return Number(first.s) <= to ? { from: Number(first.s), to } : null;
  }

  head(chain: string): Promise<ChainHead | null> {
    const r = this.db.prepare("SELECT seq, hash FROM ledger_entries WHERE chain = ? ORDER BY seq DESC LIMIT 1").get(chain) as
      | { seq: number; hash: string }
      | undefined;
    return Promise.resolve(r ? { chain, count: Number(r.seq), head: r.hash } : null);
  }

  heads(): Promise<ChainHead[]> {
    const rows = this.db
      .prepare(
        `SELECT e.chain AS chain, e.seq AS seq, e.hash AS hash FROM ledger_entries e
         JOIN (SELECT chain, MAX(seq) AS m FROM ledger_entries GROUP BY chain) h ON e.chain = h.chain AND e.seq = h.m
         ORDER BY e.chain`,
      )
      .all() as { chain: string; seq: number; hash: string }[];
    return Promise.resolve(rows.map((r) => ({ chain: r.chain, count: Number(r.seq), head: r.hash })));
  }

  byDigest(sha256: string): Promise<LedgerEntry | null> {
    const r = this.db.prepare("SELECT * FROM ledger_entries WHERE statement_sha256 = ? ORDER BY chain, seq LIMIT 1").get(sha256) as Row | undefined;
    return Promise.resolve(r ? rowToEntry(r) : null);
  }

  latest(repo: string, ref: string, predicateType: string): Promise<LedgerEntry | null> {
    const r = this.db
      .prepare("SELECT * FROM ledger_entries WHERE repo = ? AND ref = ? AND predicate_type = ? ORDER BY seq DESC LIMIT 1")
      .get(repo, ref, predicateType) as Row | undefined;
    return Promise.resolve(r ? rowToEntry(r) : null);
  }

  async checkpoint(): Promise<Checkpoint> {
    if (!this.options.signer) throw new LedgerError("no signing key configured: cannot sign a ledger checkpoint");
    const cp = signCheckpoint(await this.heads(), this.options.signer, this.now());
    this.db
      .prepare("INSERT INTO ledger_checkpoints (created_at, body, envelope) VALUES (?,?,?)")
      .run(cp.body.createdAt, JSON.stringify(cp.body), JSON.stringify(cp.envelope));
    return cp;
  }

  close(): Promise<void> {
    this.db.close();
    return Promise.resolve();
  }
}
