/**
 * Runs one evaluation per head at a time. Two deliveries for the same commit (opened and a review,
 * or one job run twice after a lost lock) would otherwise both find no `vouch` check run and both
 * create one, leaving a second run that never completes. In one process a promise chain per key
 * is enough; across workers the lock lives in Redis.
 */
import { randomUUID } from "node:crypto";
import type { Redis } from "ioredis";

export interface KeyedLock {
  /** Runs `fn` once no other holder of `key` is running. */
  run<T>(key: string, fn: () => Promise<T>): Promise<T>;
}

export class MemoryKeyedLock implements KeyedLock {
  readonly #tails = new Map<string, Promise<unknown>>();

  async run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const previous = this.#tails.get(key) ?? Promise.resolve();
    const mine = previous.catch(() => undefined).then(fn);
    const tail = mine.catch(() => undefined);
    this.#tails.set(key, tail);
    try {
      return await mine;
    } finally {
      if (this.#tails.get(key) === tail) this.#tails.delete(key);
    }
  }
}

const RENEW = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end return 0`;
const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;

export interface RedisKeyedLockOptions {
  /** Namespaces the keys (the queue name). */
  prefix: string;
  /** A holder that dies releases the lock after this long; a live one renews it every third of it. */
  ttlMs: number;
  /** Give up waiting after this long (the job is then retried). Default: 10 × ttlMs. */
  maxWaitMs?: number;
}

export class LockWaitError extends Error {
  constructor(key: string, waitedMs: number) {
    super(`another evaluation of ${key} held its lock for more than ${waitedMs} ms`);
    this.name = "LockWaitError";
  }
}

export class RedisKeyedLock implements KeyedLock {
  constructor(
    private readonly redis: Redis,
    private readonly options: RedisKeyedLockOptions,
  ) {}

  async run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const redisKey = `vouch:${this.options.prefix}:lock:${key}`;
    const token = randomUUID();
    const ttl = this.options.ttlMs;
    const maxWait = this.options.maxWaitMs ?? ttl * 10;
    const started = Date.now();
    let pause = 20;
    while ((await this.redis.set(redisKey, token, "PX", ttl, "NX")) !== "OK") {
      if (Date.now() - started > maxWait) throw new LockWaitError(key, maxWait);
      await new Promise((r) => setTimeout(r, pause));
      pause = Math.min(pause * 2, 250);
    }
    const renew = setInterval(() => {
      this.redis.eval(RENEW, 1, redisKey, token, String(ttl)).catch(() => undefined);
    }, Math.max(100, Math.floor(ttl / 3)));
    try {
      return await fn();
    } finally {
      clearInterval(renew);
      await this.redis.eval(RELEASE, 1, redisKey, token).catch(() => undefined);
    }
  }
}
