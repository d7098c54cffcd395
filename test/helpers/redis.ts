/**
 * Redis for tests: the shared server (REDIS_URL, default 127.0.0.1:6379), isolated by a unique
 * queue name per test, and private throw-away servers for tests that restart Redis.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { createServer } from "node:net";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Redis } from "ioredis";

export const SHARED_REDIS_URL = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";

/** null when the shared Redis answers PING, else why not. */
export async function redisProblem(url: string = SHARED_REDIS_URL): Promise<string | null> {
  const r = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 2000 });
  r.on("error", () => undefined);
  try {
    await r.connect();
    await r.ping();
    return null;
  } catch (e) {
    return `Redis at ${url} is unreachable (${(e as Error).message}); set REDIS_URL`;
  } finally {
    r.disconnect();
  }
}

export function uniqueQueueName(label: string): string {
  return `vouch-test-${label}-${process.pid}-${randomBytes(4).toString("hex")}`;
}

/** Deletes every key of one queue (BullMQ's under `vouch:<name>:` and Vouch's own), never anything else. */
export async function deleteQueueKeys(name: string, url: string = SHARED_REDIS_URL): Promise<void> {
  const r = new Redis(url, { maxRetriesPerRequest: 1 });
  r.on("error", () => undefined);
  try {
    let cursor = "0";
    do {
      const [next, keys] = await r.scan(cursor, "MATCH", `vouch:${name}:*`, "COUNT", 500);
      cursor = next;
      if (keys.length > 0) await r.del(...keys);
    } while (cursor !== "0");
  } finally {
    r.disconnect();
  }
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/** A private redis-server that persists every write (appendonly, fsync always), so it can be restarted without losing jobs. */
export class PrivateRedis {
  #child: ChildProcess | undefined;
  private constructor(
    readonly dir: string,
    readonly port: number,
  ) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  static async start(): Promise<PrivateRedis> {
    const dir = await mkdtemp(join(tmpdir(), "vouch-redis-"));
    const redis = new PrivateRedis(dir, await freePort());
    await redis.up();
    return redis;
  }

  async up(): Promise<void> {
    const child = spawn(
      "redis-server",
      ["--port", String(this.port), "--bind", "127.0.0.1", "--dir", this.dir, "--appendonly", "yes", "--appendfsync", "always", "--save", "", "--protected-mode", "no"],
      { stdio: "ignore" },
    );
    this.#child = child;
    const deadline = Date.now() + 10_000;
    while ((await redisProblem(this.url)) !== null) {
      if (child.exitCode !== null) throw new Error(`redis-server exited with ${child.exitCode}`);
      if (Date.now() > deadline) throw new Error("redis-server did not start within 10 s");
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** Stops the server the hard way (SIGKILL): only what was fsynced survives. */
  async kill(): Promise<void> {
    const child = this.#child;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((r) => child.once("exit", r));
    child.kill("SIGKILL");
    await exited;
  }

  async stop(): Promise<void> {
    await this.kill();
    await rm(this.dir, { recursive: true, force: true });
  }
}
