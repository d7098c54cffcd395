/**
 * Finds a GitHub rate-limit answer anywhere in a failed job's error, and how long to wait.
 *
 * A rate limit is not a fault of the delivery: the job is delayed until GitHub allows requests
 * again rather than spending one of its attempts. Errors reach the queue wrapped (Probot gathers
 * handler errors in an AggregateError; the check-run writer keeps the Octokit error as `cause`),
 * so the whole chain is searched.
 */

/** Used when GitHub says "rate limited" without saying until when (secondary limits often do). */
export const DEFAULT_RATE_LIMIT_DELAY_MS = 60_000;
/** A reset further away than this is clamped: a wrong clock must not park a job for a day. */
export const MAX_RATE_LIMIT_DELAY_MS = 60 * 60 * 1000;

interface HttpLikeError {
  status?: unknown;
  response?: { headers?: Record<string, unknown> };
  cause?: unknown;
  errors?: unknown;
}

/** Milliseconds to wait before the job may run again, or undefined when the error is not a rate limit. */
export function rateLimitDelayMs(error: unknown, now: number = Date.now()): number | undefined {
  const seen = new Set<unknown>();
  const queue: unknown[] = [error];
  while (queue.length > 0) {
    const e = queue.shift();
    if (e === null || typeof e !== "object" || seen.has(e)) continue;
    seen.add(e);
    const delay = ownDelay(e as HttpLikeError, now);
    if (delay !== undefined) return delay;
    const { cause, errors } = e as HttpLikeError;
    if (cause !== undefined) queue.push(cause);
    if (Array.isArray(errors)) queue.push(...(errors as unknown[]));
  }
  return undefined;
}

function ownDelay(error: HttpLikeError, now: number): number | undefined {
  const status = error.status;
  if (status !== 403 && status !== 429) return undefined;
  const headers = error.response?.headers ?? {};
  const retryAfter = header(headers, "retry-after");
  const remaining = header(headers, "x-ratelimit-remaining");
  const reset = header(headers, "x-ratelimit-reset");
  if (retryAfter !== undefined) {
    const seconds = Number(retryAfter);
    if (Number.isFinite(seconds) && seconds >= 0) return clamp(seconds * 1000);
    const date = Date.parse(retryAfter);
    if (!Number.isNaN(date)) return clamp(date - now);
    return DEFAULT_RATE_LIMIT_DELAY_MS;
  }
  if (remaining === "0") {
    const resetAt = Number(reset) * 1000;
    return Number.isFinite(resetAt) && resetAt > 0 ? clamp(resetAt - now + 1000) : DEFAULT_RATE_LIMIT_DELAY_MS;
  }
  // 429 is always a rate limit; a bare 403 is a permission problem, not a reason to wait.
  return status === 429 ? DEFAULT_RATE_LIMIT_DELAY_MS : undefined;
}

function header(headers: Record<string, unknown>, name: string): string | undefined {
  const value = headers[name] ?? headers[name.toLowerCase()];
  return typeof value === "string" ? value : typeof value === "number" ? String(value) : undefined;
}

function clamp(ms: number): number {
  return Math.min(MAX_RATE_LIMIT_DELAY_MS, Math.max(0, Math.ceil(ms)));
}
