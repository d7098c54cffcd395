/**
 * The scaled-out queue: BullMQ on Redis. Ingress processes enqueue; worker processes (any number)
 * take jobs and hand them to Probot. Accepted deliveries survive a process crash: a job whose
 * worker died is taken again once its lock lapses (at-least-once; the handlers are idempotent).
 *
 * - The delivery id (X-GitHub-Delivery, kept across redeliveries) is the BullMQ job id, and a
 *   Redis key remembers accepted ids for the redelivery window, so a redelivery is one job.
 * - Failures are retried with exponential backoff. GitHub rate limits delay the job until GitHub
 *   allows requests again, without spending an attempt.
 * - A pull-request job whose pull request has since announced a newer head is dropped as superseded.
 * - A job that gave up is removed and its id forgotten, so a manual redelivery is processed again.
 *
 * Payloads are stored in Redis but never logged; errors are stored and logged as summaries only.
 */
import { DelayedError, Queue, Worker, type Job } from "bullmq";
import { Redis } from "ioredis";
import { DEFAULT_DELIVERY_TTL_MS } from "./delivery-store.js";
import { summariseError } from "./error-summary.js";
import { QueueClosedError, type QueueLogger } from "./in-process.js";
import { rateLimitDelayMs } from "../github/rate-limit.js";
import { RedisDeliveryIds, RedisHeadIndex } from "./redis-keys.js";
import type { DeliveryJob, JobHandler, JobQueue } from "./types.js";
import type { QueueDepth, QueueDepthSource } from "./depth.js";

export const DEFAULT_QUEUE_NAME = "vouch-deliveries";
export const DEFAULT_JOB_ATTEMPTS = 6;
export const DEFAULT_RETRY_DELAY_MS = 1000;
/** How long a worker holds a job before others may take it; renewed while the job runs. */
export const DEFAULT_LOCK_MS = 30_000;
/** Rate-limit delays per job before it is treated as failing: GitHub never lifting a limit is a fault. */
export const MAX_RATE_LIMIT_DELAYS = 50;
const BULL_PREFIX = "vouch";

export type BullMqOutcome = "completed" | "superseded" | "rate_limited" | "retry" | "failed";

export interface BullMqQueueOptions {
  redisUrl: string;
  queueName?: string;
  log: QueueLogger;
  /** When given, this process also works jobs (roles `worker` and `all`). */
  handler?: JobHandler;
  /** Jobs this process works at once (VOUCH_CONCURRENCY). */
  concurrency?: number;
  /** Runs per job, the first included (VOUCH_JOB_ATTEMPTS). */
  attempts?: number;
  /** First retry delay; each further retry doubles it (VOUCH_RETRY_DELAY_MS). */
  retryDelayMs?: number;
  /** Job lock; a dead worker's job is taken again after about this long (VOUCH_JOB_LOCK_MS). */
  lockMs?: number;
  /** How long accepted delivery ids are remembered (GitHub's redelivery window). */
  dedupeTtlMs?: number;
  /** How long `open` waits for Redis before failing (default 10 s). */
  connectTimeoutMs?: number;
  /** Called once per job run outcome (for metrics). */
  onOutcome?: (outcome: BullMqOutcome, job: DeliveryJob) => void;
}

interface JobData {
  id: string;
  name: string;
  payload: unknown;
  acceptedAt?: number;
}

export class BullMqQueue implements JobQueue, QueueDepthSource {
  readonly name: string;
  readonly #log: QueueLogger;
  readonly #commands: Redis;
  readonly #queue: Queue<JobData>;
  readonly #ids: RedisDeliveryIds;
  readonly #heads: RedisHeadIndex;
  readonly #attempts: number;
  readonly #retryDelayMs: number;
  readonly #onOutcome: NonNullable<BullMqQueueOptions["onOutcome"]>;
  #worker: Worker<JobData> | undefined;
  #workerConnection: Redis | undefined;
  #closed = false;

  private constructor(options: BullMqQueueOptions, commands: Redis) {
    this.name = options.queueName ?? DEFAULT_QUEUE_NAME;
    this.#log = options.log;
    this.#commands = commands;
    this.#queue = new Queue<JobData>(this.name, { connection: this.#commands, prefix: BULL_PREFIX, skipWaitingForReady: true });
    this.#queue.on("error", (error) => this.#log.warn({ error: summariseError(error) }, "queue error"));
    const ttl = options.dedupeTtlMs ?? DEFAULT_DELIVERY_TTL_MS;
    this.#ids = new RedisDeliveryIds(this.#commands, this.name, ttl);
    this.#heads = new RedisHeadIndex(this.#commands, this.name, ttl);
    this.#attempts = Math.max(1, options.attempts ?? DEFAULT_JOB_ATTEMPTS);
    this.#retryDelayMs = Math.max(1, options.retryDelayMs ?? DEFAULT_RETRY_DELAY_MS);
    this.#onOutcome = options.onOutcome ?? (() => undefined);
  }

  /** Connects to Redis (failing if it cannot be reached) and, with a handler, starts working jobs. */
  static async open(options: BullMqQueueOptions): Promise<BullMqQueue> {
    // Fail fast while Redis is away: the ingress answers 503 and GitHub records a failed delivery
    // (redeliverable) instead of the request hanging until GitHub's 10 s deadline.
    const commands = new Redis(options.redisUrl, { maxRetriesPerRequest: 1, enableOfflineQueue: false });
    commands.on("error", (error) => options.log.warn({ error: summariseError(error) }, "redis connection problem"));
    try {
      await whenReady(commands, options.connectTimeoutMs ?? 10_000);
    } catch (error) {
      commands.disconnect();
      throw error;
    }
    const queue = new BullMqQueue(options, commands);
    try {
      await queue.#queue.waitUntilReady();
      if (options.handler) queue.#startWorker(options, options.handler);
    } catch (error) {
      await queue.close().catch(() => undefined);
      throw error;
    }
    return queue;
  }

  async enqueue(job: DeliveryJob): Promise<"queued" | "duplicate"> {
    if (this.#closed) throw new QueueClosedError();
    if (!(await this.#ids.claim(job.id))) return "duplicate";
    try {
      await this.#heads.note(job);
      const data: JobData = { id: job.id, name: job.name, payload: job.payload, acceptedAt: job.acceptedAt ?? Date.now() };
      await this.#queue.add(job.name, data, {
        jobId: job.id,
        attempts: this.#attempts,
        backoff: { type: "exponential", delay: this.#retryDelayMs },
        // Dedupe is the delivery-id key's job; finished jobs stay only briefly, for inspection.
        removeOnComplete: { age: 3600, count: 10_000 },
        // A job that gave up is removed, so a manual redelivery with the same id can be queued again.
        removeOnFail: true,
      });
      await this.#ids.confirm(job.id);
    } catch (error) {
      await this.#ids.release(job.id).catch(() => undefined);
      throw error;
    }
    return "queued";
  }

  /** Jobs waiting, running or delayed, over all workers. */
  async depth(): Promise<QueueDepth> {
    const c = await this.#queue.getJobCounts("waiting", "prioritized", "active", "delayed");
    return { waiting: (c.waiting ?? 0) + (c.prioritized ?? 0), active: c.active ?? 0, delayed: c.delayed ?? 0 };
  }

  /** Readiness: Redis answers a PING on the queue's connection (which fails fast while Redis is away). */
  async ping(): Promise<void> {
    await this.#commands.ping();
  }

  async onIdle(): Promise<void> {
    for (;;) {
      const d = await this.depth();
      if (d.waiting + d.active + d.delayed === 0) return;
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** Stops taking jobs, lets running ones finish (a worker's unfinished jobs stay in Redis for others), then disconnects. */
  async close(): Promise<void> {
    this.#closed = true;
    await this.#worker?.close();
    await this.#queue.close().catch(() => undefined);
    await quit(this.#workerConnection);
    await quit(this.#commands);
  }

  #startWorker(options: BullMqQueueOptions, handler: JobHandler): void {
    const lockMs = Math.max(1000, options.lockMs ?? DEFAULT_LOCK_MS);
    // Workers wait on Redis indefinitely (BullMQ's requirement): a Redis restart pauses them, it does not fail jobs.
    this.#workerConnection = new Redis(options.redisUrl, { maxRetriesPerRequest: null });
    this.#workerConnection.on("error", (error) => this.#log.warn({ error: summariseError(error) }, "redis connection problem (worker)"));
    this.#worker = new Worker<JobData>(this.name, (job, token) => this.#process(job, token, handler), {
      connection: this.#workerConnection,
      prefix: BULL_PREFIX,
      concurrency: Math.max(1, options.concurrency ?? 1),
      lockDuration: lockMs,
      stalledInterval: lockMs,
      // One crash is retried; a job that keeps killing its worker is given up after the third.
      maxStalledCount: 2,
    });
    this.#worker.on("error", (error) => this.#log.warn({ error: summariseError(error) }, "worker error"));
    this.#worker.on("failed", (job) => {
      if (!job || job.attemptsMade < this.#attempts) return;
      this.#log.error({ deliveryId: job.data.id, event: job.data.name, attempts: job.attemptsMade }, "delivery failed; giving up");
      this.#onOutcome("failed", job.data);
      // Let a manual redelivery of this event be processed rather than dropped as a duplicate.
      this.#ids.release(job.data.id).catch((error: unknown) => this.#log.warn({ deliveryId: job.data.id, error: summariseError(error) }, "could not forget a failed delivery id"));
    });
  }

  async #process(job: Job<JobData>, token: string | undefined, handler: JobHandler): Promise<void> {
    const data = job.data;
    const context = { deliveryId: data.id, event: data.name, attempt: job.attemptsMade + 1 };
    const newer = await this.#heads.supersededBy(data);
    if (newer !== undefined) {
      this.#log.info({ ...context, newerHead: newer }, "delivery dropped: its pull request has a newer head");
      this.#onOutcome("superseded", data);
      return;
    }
    try {
      await handler(data);
    } catch (error) {
      const delayMs = rateLimitDelayMs(error);
      const delays = job.attemptsStarted - job.attemptsMade - 1;
      if (delayMs !== undefined && token !== undefined && delays < MAX_RATE_LIMIT_DELAYS) {
        await job.moveToDelayed(Date.now() + delayMs, token);
        this.#log.warn({ ...context, retryInMs: delayMs }, "GitHub is rate limiting; delivery delayed");
        this.#onOutcome("rate_limited", data);
        throw new DelayedError();
      }
      const summary = summariseError(error);
      const last = job.attemptsMade + 1 >= this.#attempts;
      if (!last) {
        this.#log.warn({ ...context, retryInMs: this.#retryDelayMs * 2 ** job.attemptsMade, error: summary }, "delivery failed; will retry");
        this.#onOutcome("retry", data);
      }
      // BullMQ stores the thrown error in Redis: store the summary, not an error carrying the event.
      throw new Error(`${summary.name}: ${summary.message}`);
    }
    this.#log.debug(context, "delivery processed");
    this.#onOutcome("completed", data);
  }
}

function whenReady(redis: Redis, timeoutMs: number): Promise<void> {
  if (redis.status === "ready") return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => done(new Error(`Redis was not reachable within ${timeoutMs} ms`)), timeoutMs);
    const onReady = (): void => done();
    const onEnd = (): void => done(new Error("the Redis connection ended"));
    const done = (error?: Error): void => {
      clearTimeout(timer);
      redis.off("ready", onReady);
      redis.off("end", onEnd);
      if (error) reject(error);
      else resolve();
    };
    redis.on("ready", onReady);
    redis.on("end", onEnd);
  });
}

async function quit(redis: Redis | undefined): Promise<void> {
  if (!redis || redis.status === "end") return;
  try {
    await redis.quit();
  } catch {
    redis.disconnect();
  }
}
