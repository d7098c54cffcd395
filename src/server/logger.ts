/**
 * The process logger (pino, which Probot uses too). JSON lines; secrets and payloads are
 * redacted: Probot logs the whole event at debug level and attaches it to handler errors, and
 * Octokit errors carry request headers.
 */
import pino from "pino";
import type { DestinationStream, Logger } from "pino";
import type { LogLevel } from "../config.js";
import { currentDelivery } from "../observability/delivery-context.js";

const CENSOR = "[redacted]";

export const REDACT_PATHS = [
  "authorization",
  "*.authorization",
  "headers.authorization",
  "*.headers.authorization",
  "req.headers.authorization",
  "req.headers.cookie",
  "request.headers.authorization",
  "err.request.headers.authorization",
  "token",
  "*.token",
  "privateKey",
  "*.privateKey",
  "secret",
  "*.secret",
  "payload",
  "*.payload",
  "event.payload",
  "err.event",
  "err.aggregateErrors[*].event",
];

/** Pino's error serializer without the fields that carry webhook payloads or request headers. */
function safeErr(error: unknown): unknown {
  const serialized = pino.stdSerializers.err(error as Error) as unknown as Record<string, unknown>;
  return scrub(serialized, 0);
}

function scrub(value: Record<string, unknown>, depth: number): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    if (key === "event" || key === "request" || key === "response" || key === "headers") continue;
    if (key === "aggregateErrors" && Array.isArray(v) && depth < 3) {
      out[key] = v.map((e) => (e && typeof e === "object" ? scrub(e as Record<string, unknown>, depth + 1) : e));
      continue;
    }
    out[key] = v;
  }
  return out;
}

export interface LoggerOptions {
  level: LogLevel;
  /** Where lines go; standard output by default. Tests pass a stream to read them. */
  destination?: DestinationStream;
}

export function createLogger(options: LoggerOptions): Logger {
  return pino(
    {
      level: options.level,
      redact: { paths: REDACT_PATHS, censor: CENSOR },
      serializers: { err: safeErr },
      // Every line written while a delivery is handled names it, whichever logger wrote it.
      mixin: () => {
        const delivery = currentDelivery();
        return delivery ? { deliveryId: delivery.deliveryId } : {};
      },
    },
    options.destination ?? pino.destination(1),
  );
}
