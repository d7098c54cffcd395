import { describe, expect, test } from "@jest/globals";
import { DEFAULT_RATE_LIMIT_DELAY_MS, MAX_RATE_LIMIT_DELAY_MS, rateLimitDelayMs } from "../../src/github/rate-limit.js";

const NOW = Date.parse("2026-01-01T00:00:00Z");

function httpError(status: number, headers: Record<string, string> = {}): Error {
  return Object.assign(new Error(`HTTP ${status}`), { status, response: { headers } });
}

describe("rateLimitDelayMs", () => {
  test("a secondary rate limit waits as long as retry-after says (seconds or a date)", () => {
    expect(rateLimitDelayMs(httpError(403, { "retry-after": "30" }), NOW)).toBe(30_000);
    expect(rateLimitDelayMs(httpError(429, { "retry-after": "Thu, 01 Jan 2026 00:00:05 GMT" }), NOW)).toBe(5000);
  });

  test("an exhausted primary limit waits until x-ratelimit-reset, plus a second of slack", () => {
    const reset = String(NOW / 1000 + 120);
    expect(rateLimitDelayMs(httpError(403, { "x-ratelimit-remaining": "0", "x-ratelimit-reset": reset }), NOW)).toBe(121_000);
  });

  test("limits without a time wait the default; far resets are clamped", () => {
    expect(rateLimitDelayMs(httpError(429), NOW)).toBe(DEFAULT_RATE_LIMIT_DELAY_MS);
    expect(rateLimitDelayMs(httpError(403, { "x-ratelimit-remaining": "0" }), NOW)).toBe(DEFAULT_RATE_LIMIT_DELAY_MS);
    expect(rateLimitDelayMs(httpError(403, { "retry-after": "999999" }), NOW)).toBe(MAX_RATE_LIMIT_DELAY_MS);
  });

  test("a plain 403 (no permission), other statuses and non-errors are not rate limits", () => {
    expect(rateLimitDelayMs(httpError(403), NOW)).toBeUndefined();
    expect(rateLimitDelayMs(httpError(403, { "x-ratelimit-remaining": "12" }), NOW)).toBeUndefined();
    expect(rateLimitDelayMs(httpError(502, { "retry-after": "5" }), NOW)).toBeUndefined();
    expect(rateLimitDelayMs("nope", NOW)).toBeUndefined();
    expect(rateLimitDelayMs(null, NOW)).toBeUndefined();
  });

  test("found through causes and aggregated handler errors, without looping on cycles", () => {
    const inner = httpError(403, { "retry-after": "2" });
    const wrapped = new Error("could not create the check run", { cause: inner });
    expect(rateLimitDelayMs(new AggregateError([new Error("other"), wrapped]), NOW)).toBe(2000);
    const cyclic = new Error("a") as Error & { cause?: unknown };
    cyclic.cause = cyclic;
    expect(rateLimitDelayMs(cyclic, NOW)).toBeUndefined();
  });
});
