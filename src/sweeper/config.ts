/**
 * The sweeper's settings, read from the environment. Errors name the variable and what it
 * expects; none of these values is secret, but the convention is kept.
 */
import { ConfigError, type Env } from "../config.js";
import { DEFAULT_SWEEP_LIMITS, type SweepLimits } from "./sweep.js";

export interface SweepConfig {
  /** How often the server sweeps by itself; undefined: never (run `vouch sweep` from cron instead). */
  intervalMs: number | undefined;
  limits: SweepLimits;
}

const MIN_INTERVAL_MS = 60_000;
const UNIT_MS: Record<string, number> = { s: 1_000, m: 60_000, h: 3_600_000 };

/** `VOUCH_SWEEP_INTERVAL`: seconds, or a number with s, m or h; 0 or unset turns the timer off. */
function parseInterval(raw: string | undefined, problems: string[]): number | undefined {
  const text = raw?.trim();
  if (!text) return undefined;
  const m = /^(\d{1,7})\s*([smh]?)$/i.exec(text);
  const ms = m ? Number(m[1]) * UNIT_MS[(m[2] || "s").toLowerCase()]! : Number.NaN;
  if (ms === 0) return undefined;
  if (!(ms >= MIN_INTERVAL_MS && ms <= 24 * 3_600_000)) {
    problems.push("VOUCH_SWEEP_INTERVAL must be a duration from 60s to 24h (e.g. 600, 10m, 1h), or 0 to turn the timer off");
    return undefined;
  }
  return ms;
}

function wholeNumber(env: Env, name: string, min: number, max: number, fallback: number, problems: string[]): number {
  const text = env[name]?.trim();
  if (!text) return fallback;
  const n = /^\d+$/.test(text) ? Number(text) : Number.NaN;
  if (!(n >= min && n <= max)) {
    problems.push(`${name} must be a whole number from ${min} to ${max}`);
    return fallback;
  }
  return n;
}

export function parseSweepConfig(env: Env): SweepConfig {
  const problems: string[] = [];
  const intervalMs = parseInterval(env.VOUCH_SWEEP_INTERVAL, problems);
  const windowHours = wholeNumber(env, "VOUCH_SWEEP_WINDOW_HOURS", 1, 24 * 30, DEFAULT_SWEEP_LIMITS.windowMs / 3_600_000, problems);
  const limits: SweepLimits = {
    ...DEFAULT_SWEEP_LIMITS,
    windowMs: windowHours * 3_600_000,
    maxRedeliveries: wholeNumber(env, "VOUCH_SWEEP_MAX_REDELIVERIES", 1, 10_000, DEFAULT_SWEEP_LIMITS.maxRedeliveries, problems),
    maxPages: wholeNumber(env, "VOUCH_SWEEP_MAX_PAGES", 1, 10_000, DEFAULT_SWEEP_LIMITS.maxPages, problems),
  };
  if (problems.length > 0) throw new ConfigError(problems);
  return { intervalMs, limits };
}
