/**
 * The Octokit class every Probot client is built from.
 *
 * Probot 14's event clients (`context.octokit`) throttle with the plugin's default id, and the
 * throttling plugin keeps its limiters in module-global state keyed by that id: every write of
 * every installation would then queue in one lane at ≥1 s spacing. Keying the lane by
 * installation keeps GitHub's pacing advice per installation without serialising unrelated ones.
 * The FUNCTION form of `defaults` is required: the object form does not reach the throttle options.
 */
import { ProbotOctokit } from "probot";
import type { VouchMetrics } from "../observability/metrics.js";

export interface OctokitClassOptions {
  /** False only for test beds: no throttling and no retries, so tests neither wait nor repeat calls. */
  throttle: boolean;
  /** Where every API call's status and rate-limit headers are reported. */
  metrics?: VouchMetrics;
  /**
   * Abandon a request GitHub has not answered within this many ms (Octokit has no timeout of its
   * own): a hung connection would otherwise hold a worker forever. The abandoned request fails
   * with status 500, which the queue retries.
   */
  timeoutMs?: number;
  /**
   * A primary rate limit that lifts later than this (ms) is not waited out inside the job (Probot
   * would hold the worker for up to an hour): the request fails and the queue delays the job until
   * the reset instead. Shorter waits keep Probot's handling.
   */
  deferRateLimitsOverMs?: number;
}

type RateLimitHandler = (retryAfter: number, ...rest: unknown[]) => boolean | undefined | Promise<boolean | undefined>;

/** Probot's onRateLimit, except that long waits are left to the queue. */
function deferringLongWaits(throttle: Record<string, unknown> | undefined, overMs: number | undefined): Record<string, unknown> {
  const original = throttle?.onRateLimit as RateLimitHandler | undefined;
  if (overMs === undefined || original === undefined) return {};
  const onRateLimit: RateLimitHandler = (retryAfter, ...rest) => (retryAfter * 1000 > overMs ? false : original(retryAfter, ...rest));
  return { onRateLimit };
}

interface ClientOptions {
  auth?: { installationId?: number | string } | undefined;
  throttle?: Record<string, unknown> | undefined;
  [key: string]: unknown;
}

/** The throttle lane for a client: one per installation; app-level (JWT) clients share one. */
export function throttleIdFor(options: { auth?: { installationId?: number | string } | undefined }): string {
  const installationId = options.auth?.installationId;
  return installationId !== undefined && installationId !== null && String(installationId) !== ""
    ? `installation-${String(installationId)}`
    : "app";
}

interface HookedOctokit {
  hook: { wrap(name: "request", wrapper: (request: (o: RequestOptions) => Promise<Answer>, o: RequestOptions) => Promise<Answer>): void };
}
interface RequestOptions {
  method?: string;
}
interface Answer {
  status: number;
  headers: Record<string, unknown>;
}

/**
 * Reports each call through Octokit's request hook. Added after Probot's plugins, the hook wraps
 * theirs: it sees each call once, with the answer the caller got after retries and throttling.
 */
function withRequestMetrics(Base: typeof ProbotOctokit, metrics: VouchMetrics): typeof ProbotOctokit {
  return Base.plugin((octokit: unknown, clientOptions: unknown) => {
    const lane = throttleIdFor(clientOptions as ClientOptions);
    (octokit as HookedOctokit).hook.wrap("request", async (request, requestOptions) => {
      const method = requestOptions.method ?? "GET";
      try {
        const answer = await request(requestOptions);
        metrics.githubResponse(method, answer.status, answer.headers, lane);
        return answer;
      } catch (error) {
        const failed = error as { status?: unknown; response?: { headers?: Record<string, unknown> } };
        // Octokit reports a failure without any answer (connection refused, reset) as status 500; count it apart.
        const status = failed.response && typeof failed.status === "number" ? failed.status : "error";
        metrics.githubResponse(method, status, failed.response?.headers, lane);
        throw error;
      }
    });
    return {};
  }) as unknown as typeof ProbotOctokit;
}

type Fetch = typeof globalThis.fetch;

/** The client's request options with a fetch that gives up after `timeoutMs`. */
function withTimeout(o: ClientOptions, timeoutMs: number | undefined): Record<string, unknown> {
  if (timeoutMs === undefined) return {};
  const request = (o.request ?? {}) as { fetch?: Fetch };
  const base: Fetch = request.fetch ?? globalThis.fetch;
  const fetch: Fetch = (input, init = {}) => {
    const timeout = AbortSignal.timeout(timeoutMs);
    return base(input, { ...init, signal: init.signal ? AbortSignal.any([init.signal, timeout]) : timeout });
  };
  return { request: { ...request, fetch } };
}

export function createOctokitClass(options: OctokitClassOptions): typeof ProbotOctokit {
  const Base = options.metrics ? withRequestMetrics(ProbotOctokit, options.metrics) : ProbotOctokit;
  if (!options.throttle) {
    return Base.defaults((o: ClientOptions) => ({
      ...o,
      ...withTimeout(o, options.timeoutMs),
      retry: { enabled: false },
      throttle: { enabled: false },
    }));
  }
  return Base.defaults((o: ClientOptions) => ({
    ...o,
    ...withTimeout(o, options.timeoutMs),
    throttle: { ...o.throttle, id: throttleIdFor(o), ...deferringLongWaits(o.throttle, options.deferRateLimitsOverMs) },
  }));
}
