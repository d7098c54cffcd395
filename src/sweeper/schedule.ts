/**
 * The sweeper on a timer inside the server (VOUCH_SWEEP_INTERVAL): one run at a time, the first
 * one interval after start; a failed run is logged and the next one comes on schedule.
 */
import type { Logger } from "pino";
import { summariseError } from "../queue/error-summary.js";
import type { VouchMetrics } from "../observability/metrics.js";
import type { SweepConfig } from "./config.js";
import { sweepFailedDeliveries, type SweepClient } from "./sweep.js";

export interface SweepSchedule {
  /** Stops the timer and waits for a run in progress. */
  stop(): Promise<void>;
}

export function scheduleSweeps(intervalMs: number, run: () => Promise<unknown>, log: Pick<Logger, "warn">): SweepSchedule {
  let current: Promise<void> | undefined;
  const timer = setInterval(() => {
    if (current) return; // the previous run is still going: skip this tick rather than overlap
    current = run()
      .then(
        () => undefined,
        (error: unknown) => log.warn({ error: summariseError(error) }, "sweeper: run failed"),
      )
      .finally(() => {
        current = undefined;
      });
  }, intervalMs);
  // The timer alone must not keep the process alive.
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await current;
    },
  };
}

export interface ServerSweeperOptions {
  config: SweepConfig;
  /** The app-authenticated (JWT) client, asked for at each run (Probot's `auth()` renews the JWT). */
  client: () => Promise<SweepClient>;
  log: Logger;
  metrics?: VouchMetrics;
}

/** The server's own sweeper when VOUCH_SWEEP_INTERVAL is set (run it in one replica only); undefined otherwise. */
export function startServerSweeper(options: ServerSweeperOptions): SweepSchedule | undefined {
  const { intervalMs, limits } = options.config;
  if (intervalMs === undefined) return undefined;
  const log = options.log.child({ name: "sweeper" });
  log.info({ intervalMs, windowHours: limits.windowMs / 3_600_000, maxRedeliveries: limits.maxRedeliveries }, "sweeper: scheduled");
  return scheduleSweeps(
    intervalMs,
    async () => sweepFailedDeliveries({ client: await options.client(), limits, log, ...(options.metrics ? { metrics: options.metrics } : {}) }),
    log,
  );
}
