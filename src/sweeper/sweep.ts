/**
 * The redelivery sweeper: lists the app's webhook deliveries (app JWT, cursor-paginated, newest
 * first), finds events (GUIDs) that have no successful delivery within GitHub's redelivery window,
 * and asks GitHub to redeliver each once. A redelivery keeps the GUID, so the ingress's dedupe
 * makes a spurious one harmless. Bounded per run (pages listed, redeliveries asked, attempts per
 * GUID) and rate-limit aware: it stops, rather than retries, when GitHub says to slow down.
 */
import type { Logger } from "pino";
import { summariseError } from "../queue/error-summary.js";
import type { VouchMetrics } from "../observability/metrics.js";

/** The part of an app-authenticated (JWT) Octokit the sweeper uses. */
export interface SweepClient {
  request(route: string, parameters?: Record<string, unknown>): Promise<{ status: number; headers: Record<string, unknown>; data: unknown }>;
}

export interface SweepLimits {
  /** GitHub's redelivery window: 3 days on github.com. Older deliveries are neither listed nor redelivered. */
  windowMs: number;
  /** Redeliveries asked for per run at most; the oldest failures go first, before they leave the window. */
  maxRedeliveries: number;
  /** Pages of 100 deliveries listed per run at most. */
  maxPages: number;
  /** An event already delivered this many times in the window is left alone (it keeps failing for a reason redelivery will not fix). */
  maxAttemptsPerEvent: number;
  /** Stop when fewer API requests than this remain in the app's rate-limit window. */
  rateLimitReserve: number;
}

export const DEFAULT_SWEEP_LIMITS: SweepLimits = {
  windowMs: 72 * 60 * 60 * 1000,
  maxRedeliveries: 100,
  maxPages: 50,
  maxAttemptsPerEvent: 5,
  rateLimitReserve: 50,
};

export interface SweepOptions {
  client: SweepClient;
  limits?: Partial<SweepLimits>;
  now?: () => Date;
  log: Pick<Logger, "info" | "warn">;
  metrics?: Pick<VouchMetrics, "redelivery" | "failure">;
}

/** Why a run stopped before doing everything it could have. */
export type StopReason = "rate_limited" | "page_limit" | "listing_failed" | "github_unavailable";

export interface SweepReport {
  /** Deliveries listed within the window. */
  listed: number;
  pages: number;
  /** Events with no successful delivery in the window. */
  failedEvents: number;
  /** GUIDs whose redelivery GitHub accepted. */
  redelivered: string[];
  /** GUIDs whose redelivery request GitHub refused, with the HTTP status (null: no answer). */
  refused: Array<{ guid: string; status: number | null }>;
  /** Failed events left for a later run because the per-run bound was reached. */
  deferred: number;
  /** Failed events not redelivered because they were already delivered maxAttemptsPerEvent times. */
  exhausted: number;
  stopped?: StopReason;
}

interface DeliveryItem {
  id: number;
  guid: string;
  delivered_at: string;
  status: string;
  status_code: number;
  event: string;
}

interface EventHistory {
  guid: string;
  event: string;
  /** The newest delivery's id: the one GitHub is asked to redeliver. */
  latestId: number;
  /** The oldest delivery time seen, which decides when the event leaves the window. */
  oldest: number;
  attempts: number;
  succeeded: boolean;
}

/** GitHub's own classification (the list's status=success filter): 2xx and 3xx answers. */
export function deliverySucceeded(d: Pick<DeliveryItem, "status" | "status_code">): boolean {
  return (d.status_code >= 200 && d.status_code < 400) || d.status === "OK";
}

const CONSECUTIVE_ERRORS_BEFORE_GIVING_UP = 5;

export async function sweepFailedDeliveries(options: SweepOptions): Promise<SweepReport> {
  const limits = { ...DEFAULT_SWEEP_LIMITS, ...options.limits };
  const now = (options.now ?? (() => new Date()))().getTime();
  const cutoff = now - limits.windowMs;
  const { log, metrics } = options;
  const report: SweepReport = { listed: 0, pages: 0, failedEvents: 0, redelivered: [], refused: [], deferred: 0, exhausted: 0 };
  const stop = (reason: StopReason): void => {
    report.stopped ??= reason;
  };

  // 1. History per event, newest first, until the window's edge.
  const events = new Map<string, EventHistory>();
  let cursor: string | undefined;
  for (;;) {
    if (report.pages >= limits.maxPages) {
      stop("page_limit");
      break;
    }
    let page;
    try {
      page = await options.client.request("GET /app/hook/deliveries", { per_page: 100, ...(cursor ? { cursor } : {}) });
    } catch (error) {
      metrics?.failure("sweep");
      log.warn({ error: summariseError(error), pages: report.pages }, "sweeper: listing webhook deliveries failed");
      stop(isRateLimited(error) ? "rate_limited" : "listing_failed");
      break;
    }
    report.pages++;
    const items = Array.isArray(page.data) ? (page.data as DeliveryItem[]) : [];
    let reachedEdge = items.length === 0;
    for (const d of items) {
      const at = Date.parse(d.delivered_at);
      if (!(at >= cutoff)) {
        reachedEdge = true;
        continue;
      }
      report.listed++;
      const seen = events.get(d.guid);
      if (seen) {
        seen.attempts++;
        seen.oldest = Math.min(seen.oldest, at);
        seen.succeeded ||= deliverySucceeded(d);
      } else {
        events.set(d.guid, { guid: d.guid, event: d.event, latestId: d.id, oldest: at, attempts: 1, succeeded: deliverySucceeded(d) });
      }
    }
    if (lowOnRequests(page.headers, limits.rateLimitReserve)) {
      stop("rate_limited");
      break;
    }
    cursor = reachedEdge ? undefined : nextCursor(page.headers.link);
    if (cursor === undefined) break;
  }

  // 2. Failed events, the ones closest to leaving the window first.
  const failed = [...events.values()].filter((e) => !e.succeeded).sort((a, b) => a.oldest - b.oldest);
  report.failedEvents = failed.length;
  const eligible = failed.filter((e) => e.attempts < limits.maxAttemptsPerEvent);
  report.exhausted = failed.length - eligible.length;

  // 3. One redelivery per event, within the bounds.
  let consecutiveErrors = 0;
  let asked = 0;
  for (const e of eligible) {
    if (report.stopped === "rate_limited" || report.stopped === "github_unavailable" || asked >= limits.maxRedeliveries) break;
    asked++;
    try {
      const answer = await options.client.request("POST /app/hook/deliveries/{delivery_id}/attempts", { delivery_id: e.latestId });
      report.redelivered.push(e.guid);
      metrics?.redelivery("requested");
      consecutiveErrors = 0;
      log.info({ deliveryId: e.guid, event: e.event, hookDeliveryId: e.latestId, attempts: e.attempts }, "sweeper: redelivery requested");
      if (lowOnRequests(answer.headers, limits.rateLimitReserve)) stop("rate_limited");
    } catch (error) {
      const status = httpStatusOf(error);
      report.refused.push({ guid: e.guid, status });
      metrics?.redelivery("failed");
      metrics?.failure("redelivery_request");
      log.warn({ deliveryId: e.guid, event: e.event, hookDeliveryId: e.latestId, error: summariseError(error) }, "sweeper: redelivery refused");
      if (isRateLimited(error)) stop("rate_limited");
      else if (status === null || status >= 500) {
        if (++consecutiveErrors >= CONSECUTIVE_ERRORS_BEFORE_GIVING_UP) stop("github_unavailable");
      }
    }
  }
  report.deferred = eligible.length - asked;
  log.info(
    {
      listed: report.listed,
      pages: report.pages,
      failedEvents: report.failedEvents,
      redelivered: report.redelivered.length,
      refused: report.refused.length,
      deferred: report.deferred,
      exhausted: report.exhausted,
      stopped: report.stopped,
    },
    "sweeper: run finished",
  );
  return report;
}

/** The `cursor` of the Link header's next page (GitHub paginates deliveries by cursor, not page number). */
export function nextCursor(link: unknown): string | undefined {
  if (typeof link !== "string") return undefined;
  for (const part of link.split(",")) {
    const m = /<([^>]+)>\s*;\s*rel="?next"?/.exec(part);
    if (!m) continue;
    try {
      return new URL(m[1]!).searchParams.get("cursor") ?? undefined;
    } catch {
      return undefined;
    }
  }
  return undefined;
}

function lowOnRequests(headers: Record<string, unknown> | undefined, reserve: number): boolean {
  const remaining = Number(headers?.["x-ratelimit-remaining"]);
  return Number.isFinite(remaining) && headers?.["x-ratelimit-remaining"] !== undefined && remaining < reserve;
}

function httpStatusOf(error: unknown): number | null {
  const e = error as { status?: unknown; response?: unknown } | null;
  return e && e.response !== undefined && typeof e.status === "number" ? e.status : null;
}

/** 429, or 403 with GitHub's rate-limit signals (retry-after, or no requests remaining). */
function isRateLimited(error: unknown): boolean {
  const status = httpStatusOf(error);
  const headers = (error as { response?: { headers?: Record<string, unknown> } }).response?.headers ?? {};
  return status === 429 || (status === 403 && (headers["retry-after"] !== undefined || headers["x-ratelimit-remaining"] === "0"));
}
