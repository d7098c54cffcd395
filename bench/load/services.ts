/**
 * Private slices of the shared Redis and PostgreSQL for one bench run: a queue name no one else
 * uses and a database created for the run, both removed afterwards. Nothing else on either
 * server is touched (no FLUSHALL, no shared database dropped).
 */
import { randomBytes } from "node:crypto";
import { Redis } from "ioredis";
import pg from "pg";

export interface Isolated {
  redisUrl: string;
  queueName: string;
  databaseUrl: string;
  /** Ledger entries in the run's database: revision -> predicate type -> count. */
  ledgerEntries(): Promise<Map<string, Map<string, number>>>;
  cleanup(): Promise<void>;
}

export async function isolate(options: { redisUrl: string; postgresUrl: string }): Promise<Isolated> {
  const suffix = `${process.pid}_${randomBytes(4).toString("hex")}`;
  const queueName = `vouch-load-${suffix}`;
  const database = `vouch_load_${suffix}`;

  const redis = new Redis(options.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await redis.connect();
    await redis.ping();
  } catch (error) {
    redis.disconnect();
    throw new Error(`Redis at ${redact(options.redisUrl)} is unreachable (${(error as Error).message}); set REDIS_URL`);
  }

  const admin = new pg.Client({ connectionString: options.postgresUrl, connectionTimeoutMillis: 5000 });
  try {
    await admin.connect();
  } catch (error) {
    redis.disconnect();
    throw new Error(`PostgreSQL at ${redact(options.postgresUrl)} is unreachable (${(error as Error).message}); set DATABASE_URL`);
  }
  await admin.query(`CREATE DATABASE ${database}`);
  const url = new URL(options.postgresUrl);
  url.pathname = `/${database}`;
  const databaseUrl = url.toString();

  return {
    redisUrl: options.redisUrl,
    queueName,
    databaseUrl,
    async ledgerEntries() {
      const client = new pg.Client({ connectionString: databaseUrl });
      await client.connect();
      try {
        // The ledger's schema name is Vouch's default; find its table wherever it was created.
        const tables = await client.query<{ schema: string }>(
          "SELECT table_schema AS schema FROM information_schema.tables WHERE table_name = 'ledger_entries'",
        );
        const counts = new Map<string, Map<string, number>>();
        for (const { schema } of tables.rows) {
          const rows = await client.query<{ revision: string; type: string; n: string }>(
            `SELECT revision, predicate_type AS type, count(*) AS n FROM "${schema.replace(/"/g, '""')}".ledger_entries GROUP BY revision, predicate_type`,
          );
          for (const row of rows.rows) {
            const byType = counts.get(row.revision) ?? new Map<string, number>();
            byType.set(row.type, (byType.get(row.type) ?? 0) + Number(row.n));
            counts.set(row.revision, byType);
          }
        }
        return counts;
      } finally {
        await client.end();
      }
    },
    async cleanup() {
      // Every key the run's queue made carries its random name.
      let cursor = "0";
      do {
        const [next, keys] = await redis.scan(cursor, "MATCH", `*${queueName}*`, "COUNT", 1000);
        if (keys.length > 0) await redis.unlink(...keys);
        cursor = next;
      } while (cursor !== "0");
      redis.disconnect();
      await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
      await admin.end();
    },
  };
}

function redact(url: string): string {
  return url.replace(/\/\/[^@/]*@/, "//***@");
}
