/**
 * Chooses the queue for a process: BullMQ on Redis when REDIS_URL is set (any role), else the
 * in-process queue (role `all` only: an ingress and a worker in separate processes can only meet
 * through Redis).
 */
import { ConfigError, type Role, type VouchConfig } from "../config.js";
import { BullMqQueue, type BullMqOutcome } from "../queue/bullmq.js";
import { MemoryDeliveryStore } from "../queue/delivery-store.js";
import { InProcessQueue, type QueueLogger } from "../queue/in-process.js";
import type { DeliveryJob, JobHandler, JobQueue } from "../queue/types.js";
import type { QueueDepthSource } from "../queue/depth.js";
import { Redis } from "ioredis";
import { RedisKeyedLock, type KeyedLock } from "../queue/keyed-lock.js";
import { summariseError } from "../queue/error-summary.js";

export interface QueueSetup {
  config: Pick<VouchConfig, "redisUrl" | "queue" | "concurrency">;
  role: Role;
  /** Runs one job; used only by roles that work jobs. */
  handler: JobHandler;
  log: QueueLogger;
  /** Overrides the in-process queue's retry delays (tests). */
  retryBackoffMs?: (attempt: number) => number;
  /** Each job outcome of the BullMQ queue (for metrics). */
  onOutcome?: (outcome: BullMqOutcome, job: DeliveryJob) => void;
}

export function assertRoleFits(config: Pick<VouchConfig, "redisUrl">, role: Role): void {
  if (role !== "all" && config.redisUrl === undefined) {
    throw new ConfigError([`role ${role} needs REDIS_URL: separate ingress and worker processes share their queue through Redis`]);
  }
}

/**
 * The lock that keeps two evaluations of one head apart: in Redis when workers may be several
 * processes, else the app's in-process default (undefined here).
 */
export function openHeadLock(config: Pick<VouchConfig, "redisUrl" | "queue">, log: QueueLogger): { lock?: KeyedLock; close(): Promise<void> } {
  if (config.redisUrl === undefined) return { close: async () => undefined };
  const redis = new Redis(config.redisUrl);
  redis.on("error", (error) => log.warn({ error: summariseError(error) }, "redis connection problem (head lock)"));
  return {
    lock: new RedisKeyedLock(redis, { prefix: config.queue.name, ttlMs: config.queue.lockMs }),
    close: async () => {
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}

export async function openQueue(setup: QueueSetup): Promise<JobQueue & QueueDepthSource> {
  const { config, role, log } = setup;
  assertRoleFits(config, role);
  const works = role !== "ingress";
  if (config.redisUrl !== undefined) {
    return BullMqQueue.open({
      redisUrl: config.redisUrl,
      queueName: config.queue.name,
      log,
      concurrency: config.concurrency,
      attempts: config.queue.attempts,
      retryDelayMs: config.queue.retryDelayMs,
      lockMs: config.queue.lockMs,
      ...(works ? { handler: setup.handler } : {}),
      ...(setup.onOutcome ? { onOutcome: setup.onOutcome } : {}),
    });
  }
  return new InProcessQueue({
    concurrency: config.concurrency,
    log,
    store: new MemoryDeliveryStore(),
    handler: setup.handler,
    ...(setup.retryBackoffMs ? { backoffMs: setup.retryBackoffMs } : {}),
    ...(setup.onOutcome ? { onOutcome: setup.onOutcome } : {}),
  });
}
