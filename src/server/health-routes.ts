/**
 * The operator's endpoints, served in every role:
 *   GET /healthz  liveness: the process is up and its event loop turns (how long one turn took is reported);
 *   GET /readyz   readiness: every dependency this role uses answers, and the process is not draining;
 *   GET /metrics  Prometheus text exposition, optionally behind a bearer token (VOUCH_METRICS_TOKEN_SHA256).
 * Bodies name dependencies and states only: never an address, a credential or an error's text
 * (those go to the log, summarised).
 */
import { createHash, timingSafeEqual } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { performance } from "node:perf_hooks";
import type { Logger } from "pino";
import { sendJson } from "../ingress/send-json.js";
import type { VouchMetrics } from "../observability/metrics.js";
import { summariseError } from "../queue/error-summary.js";

/** One dependency the role needs: resolves when it answers, rejects (or hangs) when it does not. */
export interface ReadinessCheck {
  name: string;
  check(): Promise<void>;
}

export interface HealthRoutesOptions {
  readiness: readonly ReadinessCheck[];
  /** True once shutdown began: readiness then answers 503 so the load balancer stops sending work. */
  draining: () => boolean;
  metrics?: VouchMetrics;
  /** sha256 of the bearer token /metrics requires; open when absent. */
  metricsTokenSha256?: Buffer | undefined;
  log: Pick<Logger, "warn">;
  /** A check slower than this counts as failed (default 2 s, under Kubernetes' 1 s default probe timeout × retries). */
  checkTimeoutMs?: number;
}

/** Serves the request and resolves when done, or returns null when the path is not one of these routes. */
export type HealthHandler = (req: IncomingMessage, res: ServerResponse) => Promise<void> | null;

type CheckState = "ok" | "unavailable" | "timeout";

export function createHealthRoutes(options: HealthRoutesOptions): HealthHandler {
  const started = performance.now();
  const timeoutMs = options.checkTimeoutMs ?? 2_000;

  const runCheck = async (check: ReadinessCheck): Promise<CheckState> => {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<CheckState>((resolve) => {
      timer = setTimeout(() => resolve("timeout"), timeoutMs);
    });
    const attempt = check.check().then(
      (): CheckState => "ok",
      (error: unknown): CheckState => {
        const summary = summariseError(error);
        options.log.warn({ check: check.name, error: { ...summary, message: withoutUrlCredentials(summary.message) } }, "readiness check failed");
        return "unavailable";
      },
    );
    const state = await Promise.race([attempt, timeout]);
    clearTimeout(timer);
    if (state === "timeout") options.log.warn({ check: check.name, timeoutMs }, "readiness check timed out");
    if (state !== "ok") options.metrics?.failure("readiness_check");
    return state;
  };

  const healthz = async (res: ServerResponse): Promise<void> => {
    const before = performance.now();
    await new Promise((resolve) => setImmediate(resolve));
    sendJson(res, 200, {
      ok: true,
      status: "alive",
      uptimeSeconds: Math.round((before - started) / 1000),
      eventLoopTurnMs: Math.round((performance.now() - before) * 10) / 10,
    });
  };

  const readyz = async (res: ServerResponse): Promise<void> => {
    if (options.draining()) {
      sendJson(res, 503, { ready: false, draining: true, checks: {} });
      return;
    }
    const states = await Promise.all(options.readiness.map(runCheck));
    const checks = Object.fromEntries(options.readiness.map((c, i) => [c.name, states[i]]));
    const ready = states.every((s) => s === "ok") && !options.draining();
    sendJson(res, ready ? 200 : 503, { ready, draining: options.draining(), checks });
  };

  const metrics = async (req: IncomingMessage, res: ServerResponse, registry: VouchMetrics): Promise<void> => {
    if (options.metricsTokenSha256 && !presents(req.headers.authorization, options.metricsTokenSha256)) {
      sendJson(res, 401, { error: "a bearer token is required for /metrics" });
      return;
    }
    const { contentType, body } = await registry.exposition();
    res.writeHead(200, { "content-type": contentType, "content-length": Buffer.byteLength(body) }).end(body);
  };

  return (req, res) => {
    if (req.method !== "GET" && req.method !== "HEAD") return null;
    const path = (req.url ?? "/").split("?")[0];
    if (path === "/healthz") return healthz(res);
    if (path === "/readyz") return readyz(res);
    if (path === "/metrics" && options.metrics) return metrics(req, res, options.metrics);
    return null;
  };
}

/** Whether the Authorization header carries the token whose sha256 is `expected` (compared in constant time). */
function presents(header: string | undefined, expected: Buffer): boolean {
  const m = /^Bearer[ ]+([\x21-\x7e]+)[ ]*$/i.exec(header ?? "");
  if (!m) return false;
  const presented = createHash("sha256").update(m[1]!, "utf8").digest();
  return presented.length === expected.length && timingSafeEqual(presented, expected);
}

/** Driver errors may quote a connection URL; its user and password are cut before the message is logged. */
export function withoutUrlCredentials(text: string): string {
  return text.replace(/\b([a-z][a-z0-9+.-]*:\/\/)[^\s/@]*@/gi, "$1[redacted]@");
}

/** A readiness check for the ledger: one cheap read (the head of a chain that never exists). */
export function ledgerReadiness(ledger: { head(chain: string): Promise<unknown> }): ReadinessCheck {
  return { name: "ledger", check: async () => void (await ledger.head("vouch-readiness-probe/none")) };
}

/** A readiness check for a queue that can be asked (BullMQ: Redis answers PING); none for the in-process queue. */
export function queueReadiness(queue: object): ReadinessCheck[] {
  const ping = (queue as { ping?: unknown }).ping;
  if (typeof ping !== "function") return [];
  return [{ name: "queue", check: async () => void (await (ping as () => Promise<unknown>).call(queue)) }];
}
