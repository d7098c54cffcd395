/**
 * The default queue: in memory, a bounded number of jobs at once, failed jobs retried with
 * exponential backoff. Work is lost if the process dies; deliveries that gave up are forgotten by
 * the dedupe store, so a manual redelivery from GitHub is processed again.
 */
import type { Logger } from "pino";
import type { DeliveryStore } from "./delivery-store.js";
import { MemoryDeliveryStore } from "./delivery-store.js";
import { summariseError } from "./error-summary.js";
import type { DeliveryJob, JobHandler, JobQueue } from "./types.js";
import type { QueueDepth, QueueDepthSource } from "./depth.js";

export class QueueClosedError extends Error {
  constructor() {
    super("the queue is closed");
    this.name = "QueueClosedError";
  }
}

export class QueueFullError extends Error {
  constructor(limit: number) {
    super(`the queue already holds ${limit} jobs`);
    this.name = "QueueFullError";
  }
}

export type QueueLogger = Pick<Logger, "info" | "warn" | "error" | "debug">;

export interface InProcessQueueOptions {
  handler: JobHandler;
  /** Jobs run at once (VOUCH_CONCURRENCY). */
  concurrency: number;
  log: QueueLogger;
  store?: DeliveryStore;
  /** Runs per job, the first included. */
  maxAttempts?: number;
  /** Delay before retry number `attempt` (1 = first retry). */
  backoffMs?: (attempt: number) => number;
  /** Jobs waiting or retrying beyond which enqueue refuses (the ingress then answers 503). */
  maxPending?: number;
  /** Each attempt's outcome (for metrics): completed, retry (will run again) or failed (gave up). */
  onOutcome?: (outcome: "completed" | "retry" | "failed", job: DeliveryJob) => void;
}

export const DEFAULT_MAX_ATTEMPTS = 4;
export const defaultBackoffMs = (attempt: number): number => 1000 * 4 ** (attempt - 1);

interface Entry {
  job: DeliveryJob;
  attempts: number;
}

export class InProcessQueue implements JobQueue, QueueDepthSource {
  readonly #handler: JobHandler;
  readonly #concurrency: number;
  readonly #log: QueueLogger;
  readonly #store: DeliveryStore;
  readonly #maxAttempts: number;
  readonly #backoffMs: (attempt: number) => number;
  readonly #maxPending: number;
  readonly #onOutcome: NonNullable<InProcessQueueOptions["onOutcome"]>;
  readonly #ready: Entry[] = [];
  #running = 0;
  #retrying = 0;
  #closed = false;
  #idleWaiters: Array<() => void> = [];

  constructor(options: InProcessQueueOptions) {
    if (!Number.isInteger(options.concurrency) || options.concurrency < 1) {
      throw new RangeError("concurrency must be a whole number of at least 1");
    }
    this.#handler = options.handler;
    this.#concurrency = options.concurrency;
    this.#log = options.log;
    this.#store = options.store ?? new MemoryDeliveryStore();
    this.#maxAttempts = Math.max(1, options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS);
    this.#backoffMs = options.backoffMs ?? defaultBackoffMs;
    this.#maxPending = options.maxPending ?? 10_000;
    this.#onOutcome = options.onOutcome ?? (() => undefined);
  }

  /** Jobs running right now. */
  get running(): number {
    return this.#running;
  }

  /** Jobs accepted and not finished: waiting, running or waiting to retry. */
  get pending(): number {
    return this.#ready.length + this.#running + this.#retrying;
  }

  depth(): QueueDepth {
    return { waiting: this.#ready.length, active: this.#running, delayed: this.#retrying };
  }

  async enqueue(job: DeliveryJob): Promise<"queued" | "duplicate"> {
    if (this.#closed) throw new QueueClosedError();
    if (this.pending >= this.#maxPending) throw new QueueFullError(this.#maxPending);
    if (!(await this.#store.claim(job.id))) return "duplicate";
    this.#ready.push({ job, attempts: 0 });
    this.#pump();
    return "queued";
  }

  onIdle(): Promise<void> {
    if (this.pending === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  async close(): Promise<void> {
    this.#closed = true;
    await this.onIdle();
  }

  #pump(): void {
    while (this.#running < this.#concurrency) {
      const entry = this.#ready.shift();
      if (!entry) break;
      this.#running++;
      void this.#run(entry).finally(() => {
        this.#running--;
        this.#pump();
        this.#checkIdle();
      });
    }
  }

  async #run(entry: Entry): Promise<void> {
    entry.attempts++;
    const { id, name } = entry.job;
    try {
      await this.#handler(entry.job);
      this.#log.debug({ deliveryId: id, event: name, attempt: entry.attempts }, "delivery processed");
      this.#onOutcome("completed", entry.job);
    } catch (error) {
      const err = summariseError(error);
      if (entry.attempts < this.#maxAttempts) {
        const delayMs = this.#backoffMs(entry.attempts);
        this.#log.warn({ deliveryId: id, event: name, attempt: entry.attempts, retryInMs: delayMs, error: err }, "delivery failed; will retry");
        this.#onOutcome("retry", entry.job);
        this.#retrying++;
        setTimeout(() => {
          this.#retrying--;
          this.#ready.push(entry);
          this.#pump();
        }, delayMs);
        return;
      }
      this.#log.error({ deliveryId: id, event: name, attempts: entry.attempts, error: err }, "delivery failed; giving up");
      this.#onOutcome("failed", entry.job);
      // Let a manual redelivery of this event be processed rather than dropped as a duplicate.
      try {
        await this.#store.release(id);
      } catch (releaseError) {
        this.#log.warn({ deliveryId: id, error: summariseError(releaseError) }, "could not forget a failed delivery id");
      }
    }
  }

  #checkIdle(): void {
    if (this.pending !== 0) return;
    const waiters = this.#idleWaiters;
    this.#idleWaiters = [];
    for (const resolve of waiters) resolve();
  }
}
