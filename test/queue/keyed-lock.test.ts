import { afterAll, describe, expect, test } from "@jest/globals";
import { Redis } from "ioredis";
import { MemoryKeyedLock, RedisKeyedLock, type KeyedLock } from "../../src/queue/keyed-lock.js";
import { deleteQueueKeys, redisProblem, SHARED_REDIS_URL, uniqueQueueName } from "../helpers/redis.js";
import { describeWithServices } from "../helpers/services.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Runs two holders of `key` (and one of another key) at once; returns the order of events. */
async function contend(a: KeyedLock, b: KeyedLock): Promise<string[]> {
  const events: string[] = [];
  const hold = (lock: KeyedLock, key: string, name: string) =>
    lock.run(key, async () => {
      events.push(`${name}+`);
      await sleep(150);
      events.push(`${name}-`);
    });
  await Promise.all([hold(a, "acme/x@1", "A"), hold(b, "acme/x@1", "B"), hold(b, "acme/x@2", "C")]);
  return events;
}

function serialised(events: string[]): boolean {
  const a = events.indexOf("A+");
  const b = events.indexOf("B+");
  const [first, second] = a < b ? ["A", "B"] : ["B", "A"];
  return events.indexOf(`${first}-`) < events.indexOf(`${second}+`);
}

describe("MemoryKeyedLock", () => {
  test("one holder per key at a time; other keys run alongside; a failure does not block the next", async () => {
    const lock = new MemoryKeyedLock();
    const events = await contend(lock, lock);
    expect(serialised(events)).toBe(true);
    expect(events.indexOf("C+")).toBeLessThan(Math.max(events.indexOf("A-"), events.indexOf("B-")));
    await expect(lock.run("k", async () => Promise.reject(new Error("boom")))).rejects.toThrow("boom");
    expect(await lock.run("k", async () => "after")).toBe("after");
  });
});

const problem = await redisProblem();
const d = describeWithServices(problem, "the Redis lock tests");

d("RedisKeyedLock", () => {
  const prefix = uniqueQueueName("lock");
  const clients: Redis[] = [];
  const client = () => {
    const r = new Redis(SHARED_REDIS_URL);
    clients.push(r);
    return r;
  };
  afterAll(async () => {
    await deleteQueueKeys(prefix);
    for (const c of clients) c.disconnect();
  });

  test("two processes' locks (separate connections) keep one holder per key", async () => {
    const events = await contend(new RedisKeyedLock(client(), { prefix, ttlMs: 1000 }), new RedisKeyedLock(client(), { prefix, ttlMs: 1000 }));
    expect(serialised(events)).toBe(true);
  });

  test("a live holder renews past the TTL; a dead holder's lock lapses after it", async () => {
    const redis = client();
    const lock = new RedisKeyedLock(redis, { prefix, ttlMs: 300 });
    let secondStarted = 0;
    const first = lock.run("slow", async () => {
      await sleep(900);
      return Date.now();
    });
    await sleep(50);
    const second = lock.run("slow", async () => void (secondStarted = Date.now()));
    const firstEnded = await first;
    await second;
    expect(secondStarted).toBeGreaterThanOrEqual(firstEnded);

    // A holder that died (its key left behind, never renewed) stops blocking after the TTL.
    await redis.set(`vouch:${prefix}:lock:dead`, "someone-else", "PX", 300);
    const t0 = Date.now();
    await lock.run("dead", async () => undefined);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(200);
  });

  test("waiting too long gives up with an error the queue retries", async () => {
    const redis = client();
    await redis.set(`vouch:${prefix}:lock:stuck`, "someone-else", "PX", 5000);
    const lock = new RedisKeyedLock(redis, { prefix, ttlMs: 5000, maxWaitMs: 200 });
    await expect(lock.run("stuck", async () => undefined)).rejects.toThrow(/held its lock/);
  });
});
