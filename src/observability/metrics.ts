/**
 * Prometheus metrics (prom-client), one Registry per server so that several servers in one process
 * (tests, `--role all`) never share or double-register series. Labels are bounded: event names
 * outside the set GitHub sends Vouch become "other", so a forged header cannot grow the series.
 * No label carries a repository, a person, a token or anything from a payload.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import type { QueueDepthSource } from "../queue/depth.js";
import { currentDelivery } from "./delivery-context.js";

/** Events Vouch subscribes to (app.yml) plus ping; anything else is counted as "other". */
const KNOWN_EVENTS = new Set([
  "check_run",
  "check_suite",
  "installation",
  "installation_repositories",
  "merge_group",
  "ping",
  "pull_request",
  "pull_request_review",
  "push",
]);

export function eventLabel(event: string | undefined): string {
  if (event === undefined) return "unknown";
  return KNOWN_EVENTS.has(event) ? event : "other";
}

/** Why the ingress turned a delivery away. */
export type RejectReason =
  | "missing_headers"
  | "malformed_headers"
  | "unsupported_media_type"
  | "too_large"
  | "aborted"
  | "bad_signature"
  | "invalid_json"
  | "not_an_object"
  | "too_deep"
  | "queue_unavailable";

/** What went wrong, for `vouch_failures_total{kind}`. */
export type FailureKind =
  | "delivery_attempt"
  | "delivery_gave_up"
  | "evaluation_failed_closed"
  | "ledger_checkpoint"
  | "request_handler"
  | "readiness_check"
  | "redelivery_request"
  | "sweep";

const LATENCY_BUCKETS = [0.1, 0.25, 0.5, 1, 2, 5, 10, 20, 30, 60, 120, 300, 600];

interface RateLimitReading {
  remaining: number;
  /** Epoch seconds when the window resets; the reading is dropped after that. */
  resetAt: number;
}

export class VouchMetrics {
  readonly registry = new Registry();
  readonly #received: Counter<"event">;
  readonly #accepted: Counter<"event" | "outcome">;
  readonly #rejected: Counter<"event" | "reason">;
  readonly #latency: Histogram<"event" | "conclusion">;
  readonly #apiRequests: Counter<"method" | "status">;
  readonly #ledgerAppends: Counter<"kind" | "result">;
  readonly #failures: Counter<"kind">;
  readonly #redeliveries: Counter<"outcome">;
  readonly #jobs: Counter<"event" | "outcome">;
  readonly #queueSources: QueueDepthSource[] = [];
  /** Latest rate-limit reading per client lane (installation or app) and resource. */
  readonly #rateLimits = new Map<string, RateLimitReading>();
  readonly #now: () => number;

  constructor(options: { now?: () => number; defaultMetrics?: boolean } = {}) {
    this.#now = options.now ?? Date.now;
    const registers = [this.registry];
    if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: this.registry });
    this.#received = new Counter({
      name: "vouch_webhook_deliveries_received_total",
      help: "Webhook deliveries that reached the ingress, by event (unverified: counted before the signature check).",
      labelNames: ["event"],
      registers,
    });
    this.#accepted = new Counter({
      name: "vouch_webhook_deliveries_accepted_total",
      help: "Deliveries accepted with 202, by event; outcome=duplicate when the delivery id was already accepted.",
      labelNames: ["event", "outcome"],
      registers,
    });
    this.#rejected = new Counter({
      name: "vouch_webhook_deliveries_rejected_total",
      help: "Deliveries turned away, by reason and event.",
      labelNames: ["event", "reason"],
      registers,
    });
    this.#latency = new Histogram({
      name: "vouch_evaluation_latency_seconds",
      help: "From the ingress accepting a delivery to its check run completed, by event and conclusion.",
      labelNames: ["event", "conclusion"],
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.#apiRequests = new Counter({
      name: "vouch_github_requests_total",
      help: "GitHub API calls as the caller saw them (after Octokit's retries), by method and HTTP status (error: no response).",
      labelNames: ["method", "status"],
      registers,
    });
    const rateLimits = this.#rateLimits;
    const now = this.#now;
    new Gauge({
      name: "vouch_github_rate_limit_remaining",
      help: "Lowest x-ratelimit-remaining seen among the app's clients (each installation and the app itself) whose window has not reset, by resource.",
      labelNames: ["resource"],
      registers,
      collect() {
        this.reset();
        const lowest = new Map<string, number>();
        const nowSeconds = now() / 1000;
        for (const [key, reading] of rateLimits) {
          if (reading.resetAt <= nowSeconds) {
            rateLimits.delete(key);
            continue;
          }
          const resource = key.slice(key.indexOf("|") + 1);
          lowest.set(resource, Math.min(lowest.get(resource) ?? Infinity, reading.remaining));
        }
        for (const [resource, remaining] of lowest) this.set({ resource }, remaining);
      },
    });
    this.#ledgerAppends = new Counter({
      name: "vouch_ledger_appends_total",
      help: "Ledger appends by entry kind; result=duplicate when the evaluation was already recorded.",
      labelNames: ["kind", "result"],
      registers,
    });
    this.#failures = new Counter({
      name: "vouch_failures_total",
      help: "Failures by kind (delivery_attempt: a job attempt threw and is retried or given up).",
      labelNames: ["kind"],
      registers,
    });
    this.#redeliveries = new Counter({
      name: "vouch_redeliveries_requested_total",
      help: "Redeliveries the sweeper asked GitHub for, by outcome (requested, failed).",
      labelNames: ["outcome"],
      registers,
    });
    this.#jobs = new Counter({
      name: "vouch_jobs_total",
      help: "Job attempts' outcomes by event: completed, retry, failed (gave up), superseded (a newer head), rate_limited (delayed).",
      labelNames: ["event", "outcome"],
      registers,
    });
    const sources = this.#queueSources;
    new Gauge({
      name: "vouch_queue_jobs",
      help: "Jobs in the delivery queue by state (waiting, active, delayed).",
      labelNames: ["state"],
      registers,
      async collect() {
        this.reset();
        if (sources.length === 0) return;
        let waiting = 0;
        let active = 0;
        let delayed = 0;
        for (const source of sources) {
          let depth;
          try {
            depth = await source.depth();
          } catch {
            // The queue's store is unreachable (readiness says so): leave the series out rather than fail the scrape.
            return;
          }
          waiting += depth.waiting;
          active += depth.active;
          delayed += depth.delayed;
        }
        this.set({ state: "waiting" }, waiting);
        this.set({ state: "active" }, active);
        this.set({ state: "delayed" }, delayed);
      },
    });
  }

  /** Reports the depth of `source` on every scrape (several sources are summed). */
  watchQueue(source: QueueDepthSource): void {
    this.#queueSources.push(source);
  }

  deliveryReceived(event: string | undefined): void {
    this.#received.inc({ event: eventLabel(event) });
  }

  deliveryAccepted(event: string, outcome: "queued" | "duplicate"): void {
    this.#accepted.inc({ event: eventLabel(event), outcome });
  }

  deliveryRejected(reason: RejectReason, event: string | undefined): void {
    this.#rejected.inc({ event: eventLabel(event), reason });
  }

  /** A check run was completed: observed against the delivery being handled, when it is known. */
  checkCompleted(conclusion: string): void {
    const delivery = currentDelivery();
    if (delivery?.acceptedAt === undefined) return;
    const seconds = Math.max(0, (this.#now() - delivery.acceptedAt) / 1000);
    this.#latency.observe({ event: eventLabel(delivery.event), conclusion }, seconds);
  }

  /** One GitHub API call's outcome; `lane` names the client (installation or app) for rate limits. */
  githubResponse(method: string, status: number | "error", headers: Readonly<Record<string, unknown>> | undefined, lane: string): void {
    this.#apiRequests.inc({ method: method.toUpperCase(), status: String(status) });
    const remaining = Number(headers?.["x-ratelimit-remaining"]);
    const resetAt = Number(headers?.["x-ratelimit-reset"]);
    if (!Number.isFinite(remaining) || !Number.isFinite(resetAt)) return;
    const named = headers?.["x-ratelimit-resource"];
    const resource = typeof named === "string" && /^[a-z_]{1,32}$/.test(named) ? named : "core";
    this.#rateLimits.set(`${lane}|${resource}`, { remaining, resetAt });
  }

  ledgerAppended(kind: string, duplicate: boolean): void {
    this.#ledgerAppends.inc({ kind, result: duplicate ? "duplicate" : "written" });
  }

  /** How a job attempt ended, as the queue saw it; a job that gave up also counts as a failure. */
  jobOutcome(outcome: "completed" | "retry" | "failed" | "superseded" | "rate_limited", event: string): void {
    this.#jobs.inc({ event: eventLabel(event), outcome });
    if (outcome === "failed") this.failure("delivery_gave_up");
  }

  failure(kind: FailureKind): void {
    this.#failures.inc({ kind });
  }

  redelivery(outcome: "requested" | "failed"): void {
    this.#redeliveries.inc({ outcome });
  }

  /** The text exposition format and its content type. */
  async exposition(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
