/**
 * The observability settings, read from the environment beside the main configuration. Errors
 * name the variable and never repeat its value.
 */
import { ConfigError, type Env } from "../config.js";

const TOKEN_HASH = /^(?:sha256:)?([0-9A-Fa-f]{64})$/;

export interface ObservabilityConfig {
  /** sha256 of the bearer token `/metrics` requires; undefined: `/metrics` is open. */
  metricsTokenSha256: Buffer | undefined;
}

export function parseObservabilityConfig(env: Env): ObservabilityConfig {
  const raw = env.VOUCH_METRICS_TOKEN_SHA256?.trim();
  if (!raw) return { metricsTokenSha256: undefined };
  const m = TOKEN_HASH.exec(raw);
  if (!m) {
    throw new ConfigError([
      'VOUCH_METRICS_TOKEN_SHA256 must be the sha256 of the metrics token in 64 hex digits (printf %s "$TOKEN" | sha256sum), never the token itself',
    ]);
  }
  return { metricsTokenSha256: Buffer.from(m[1]!.toLowerCase(), "hex") };
}
