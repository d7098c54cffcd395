/**
 * When Vouch first observed each git object, per repository: the trusted time a signature's key
 * validity is judged at (issue 3), kept across evaluations so that re-evaluating a commit after
 * its key expired or was revoked still judges it at the time Vouch first saw it. Stored next to
 * the ledger (same SQLite file or PostgreSQL schema), behind one interface. Recording is
 * insert-or-keep-earliest: a later evaluation never moves a time forward, and two evaluations
 * racing each other settle on the earlier of their times.
 */
import Database from "better-sqlite3";
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import pg from "pg";

export interface FirstObservations {
  /**
   * Records `at` as the first observation of each object in `repository` unless an earlier time
   * is recorded, and returns every object's first observation (earliest recorded time).
   */
  observe(repository: string, objectIds: readonly string[], at: Date): Promise<Map<string, Date>>;
  close(): Promise<void>;
}

/** The repository key: the numeric GitHub id when known (it survives renames), else the full name. */
export function repositoryKey(repository: { id: number | null; fullName: string }): string {
  return repository.id !== null ? `github:${repository.id}` : `name:${repository.fullName.toLowerCase()}`;
}

const SQLITE_SCHEMA = `
CREATE TABLE IF NOT EXISTS first_observations (
  repository TEXT NOT NULL,
  object_id TEXT NOT NULL,
  observed_at TEXT NOT NULL,
  PRIMARY KEY (repository, object_id)
) WITHOUT ROWID;
`;

/** Batches bound statement sizes and transaction lengths for pushes of thousands of commits. */
const BATCH = 500;

export class SqliteFirstObservations implements FirstObservations {
  private readonly db: Database.Database;

  constructor(path: string) {
    if (path !== ":memory:") mkdirSync(dirname(path), { recursive: true });
    this.db = new Database(path);
    this.db.pragma("journal_mode = WAL");
    this.db.pragma("synchronous = FULL");
    this.db.pragma("busy_timeout = 10000");
    this.db.exec(SQLITE_SCHEMA);
  }

  observe(repository: string, objectIds: readonly string[], at: Date): Promise<Map<string, Date>> {
    const iso = at.toISOString();
    // ISO 8601 strings from toISOString() sort as times, so min() keeps the earliest.
    const upsert = this.db.prepare(
      `INSERT INTO first_observations (repository, object_id, observed_at) VALUES (?, ?, ?)
       ON CONFLICT (repository, object_id) DO UPDATE SET observed_at = min(observed_at, excluded.observed_at)
       RETURNING object_id, observed_at`,
    );
    const out = new Map<string, Date>();
    const run = this.db.transaction((ids: readonly string[]) => {
      for (const id of ids) {
        const row = upsert.get(repository, id, iso) as { object_id: string; observed_at: string };
        out.set(row.object_id, new Date(row.observed_at));
      }
    });
    for (let i = 0; i < objectIds.length; i += BATCH) run.immediate(objectIds.slice(i, i + BATCH));
    return Promise.resolve(out);
  }

  close(): Promise<void> {
    this.db.close();
    return Promise.resolve();
  }
}

export class PostgresFirstObservations implements FirstObservations {
  private constructor(private readonly pool: pg.Pool) {}

  static async open(url: string, options: { schema?: string } = {}): Promise<PostgresFirstObservations> {
    const schema = `"${(options.schema ?? "vouch").replace(/"/g, '""')}"`;
    const pool = new pg.Pool({ connectionString: url, max: 2, connectionTimeoutMillis: 5000, options: `-c search_path=${schema}` });
    pool.on("error", () => {});
    try {
      await pool.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
      await pool.query(`CREATE TABLE IF NOT EXISTS ${schema}.first_observations (
        repository TEXT NOT NULL,
        object_id TEXT NOT NULL,
        observed_at TIMESTAMPTZ NOT NULL,
        PRIMARY KEY (repository, object_id))`);
    } catch (e) {
      // Two processes creating the table at once: the loser's error is harmless if the table now exists.
      const exists = await pool.query(`SELECT to_regclass('${schema.replace(/'/g, "''")}.first_observations') AS t`).catch(() => null);
      if (!exists?.rows[0]?.t) {
        await pool.end().catch(() => {});
        throw new Error(`cannot open the first-observation table in PostgreSQL: ${(e as Error).message}`);
      }
    }
    return new PostgresFirstObservations(pool);
  }

  async observe(repository: string, objectIds: readonly string[], at: Date): Promise<Map<string, Date>> {
    const out = new Map<string, Date>();
    for (let i = 0; i < objectIds.length; i += BATCH) {
      const ids = [...new Set(objectIds.slice(i, i + BATCH))];
      const r = await this.pool.query<{ object_id: string; observed_at: Date }>(
        `INSERT INTO first_observations (repository, object_id, observed_at)
         SELECT $1, id, $3 FROM unnest($2::text[]) AS id
         ON CONFLICT (repository, object_id) DO UPDATE SET observed_at = LEAST(first_observations.observed_at, excluded.observed_at)
         RETURNING object_id, observed_at`,
        [repository, ids, at.toISOString()],
      );
      for (const row of r.rows) out.set(row.object_id, new Date(row.observed_at));
    }
    return out;
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}

/** Opens the store next to the ledger named by `url` (see openLedger). */
export async function openFirstObservations(url: string, options: { schema?: string } = {}): Promise<FirstObservations> {
  if (/^postgres(ql)?:\/\//.test(url)) return PostgresFirstObservations.open(url, options);
  return new SqliteFirstObservations(url.startsWith("sqlite:") ? url.slice("sqlite:".length) : url);
}
