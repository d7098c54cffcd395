/**
 * Regexes supplied by a policy (or an imported .gitleaks.toml) are written by committers, so they run under RE2,
 * whose matching time is linear: a V8 regex like /(a+)+$/ can stall the app for seconds on a short line.
 */
import { createRequire } from "node:module";

type RE2Constructor = new (pattern: string, flags?: string) => RegExp;

let cached: RE2Constructor | undefined;

function loadRE2(): RE2Constructor {
  if (cached) return cached;
  try {
    // `re2` is a native addon published as CommonJS; loading it lazily keeps a broken build from breaking startup.
    cached = createRequire(import.meta.url)("re2") as RE2Constructor;
  } catch (err) {
    throw new Error(`secret scan: the RE2 regex engine (npm package re2) is not available: ${(err as Error).message}`);
  }
  return cached;
}

/** RE2's message names the offending construct and may quote the pattern after it; keep the construct only. */
function reason(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  const construct = /^(invalid [a-z ]+|missing [a-z ]+|bad [a-z ]+|trailing \\|unexpected [a-z ]+)/i.exec(message);
  return construct?.[1] ?? "unsupported syntax";
}

/** Thrown when a policy regex cannot run under RE2; the message names where the regex came from. */
export class UnsafeRegexError extends Error {
  override name = "UnsafeRegexError";
}

/**
 * Compile `source` with RE2. Go/RE2 syntax is accepted as is (`(?i)` flags included); constructs RE2 cannot run
 * in linear time (look-around, back-references) are rejected with a clear error.
 */
export function compileRE2(source: string, flags: string, origin: string): RegExp {
  const RE2 = loadRE2();
  try {
    return new RE2(source, flags);
  } catch (err) {
    // The source is not echoed: an allowlist regex is often a literal secret value.
    throw new UnsafeRegexError(
      `${origin}: regex (${source.length} characters) cannot be compiled by RE2 (${reason(err)}); ` +
        "policy regexes must be RE2 syntax, without look-around or back-references",
    );
  }
}
