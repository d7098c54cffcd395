import { createHash } from "node:crypto";
import { createServer, type Server } from "node:http";
import { afterEach, describe, expect, test } from "@jest/globals";
import pino from "pino";
import { createHealthRoutes, withoutUrlCredentials, type HealthRoutesOptions, type ReadinessCheck } from "../../src/server/health-routes.js";
import { closeServer, listen } from "../../src/server/listen.js";
import { VouchMetrics } from "../../src/observability/metrics.js";
import { LogCapture } from "./log-capture.js";

const servers: Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await closeServer(s);
});

async function serve(options: Partial<HealthRoutesOptions> = {}): Promise<{ url: string; capture: LogCapture }> {
  const capture = new LogCapture();
  const handler = createHealthRoutes({ readiness: [], draining: () => false, log: pino(capture), ...options });
  const server = createServer((req, res) => {
    const work = handler(req, res);
    if (work === null) res.writeHead(404).end();
  });
  servers.push(server);
  const port = await listen(server, 0, "127.0.0.1");
  return { url: `http://127.0.0.1:${port}`, capture };
}

const ok = (name: string): ReadinessCheck => ({ name, check: async () => undefined });

describe("liveness", () => {
  test("/healthz answers while the event loop turns, with no dependency consulted", async () => {
    let consulted = false;
    const { url } = await serve({ readiness: [{ name: "ledger", check: async () => void (consulted = true) }] });
    const res = await fetch(`${url}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ ok: true, status: "alive", uptimeSeconds: expect.any(Number), eventLoopTurnMs: expect.any(Number) });
    expect(consulted).toBe(false);
    expect((await fetch(`${url}/healthz`, { method: "HEAD" })).status).toBe(200);
    expect((await fetch(`${url}/healthz`, { method: "POST" })).status).toBe(404);
  });
});

describe("readiness", () => {
  test("200 when every check answers", async () => {
    const { url } = await serve({ readiness: [ok("ledger"), ok("queue")] });
    const res = await fetch(`${url}/readyz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ ready: true, draining: false, checks: { ledger: "ok", queue: "ok" } });
  });

  test("503 naming the failed dependency; the body carries no error text and the log no credentials", async () => {
    const canary = "READINESS-PASSWORD-CANARY-5e1";
    const metrics = new VouchMetrics({ defaultMetrics: false });
    const failing: ReadinessCheck = {
      name: "queue",
      check: async () => {
        throw new Error(`connect ECONNREFUSED redis://vouch:${canary}@10.0.0.9:6379`);
      },
    };
    const { url, capture } = await serve({ readiness: [ok("ledger"), failing], metrics });
    const res = await fetch(`${url}/readyz`);
    expect(res.status).toBe(503);
    const text = await res.text();
    expect(JSON.parse(text)).toEqual({ ready: false, draining: false, checks: { ledger: "ok", queue: "unavailable" } });
    expect(text).not.toContain("ECONNREFUSED");
    expect(capture.text).toContain("readiness check failed");
    expect(capture.text).toContain("ECONNREFUSED");
    expect(capture.text).not.toContain(canary);
    expect((await metrics.exposition()).body).toContain('vouch_failures_total{kind="readiness_check"} 1');
  });

  test("a check that hangs counts as failed after the timeout instead of holding the probe", async () => {
    const hanging: ReadinessCheck = { name: "database", check: () => new Promise(() => undefined) };
    const { url } = await serve({ readiness: [hanging], checkTimeoutMs: 100 });
    const started = Date.now();
    const res = await fetch(`${url}/readyz`);
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({ ready: false, checks: { database: "timeout" } });
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  test("503 while draining, without consulting dependencies, so traffic moves elsewhere during shutdown", async () => {
    let draining = false;
    let consulted = 0;
    const { url } = await serve({ readiness: [{ name: "ledger", check: async () => void consulted++ }], draining: () => draining });
    expect((await fetch(`${url}/readyz`)).status).toBe(200);
    draining = true;
    const res = await fetch(`${url}/readyz`);
    expect(res.status).toBe(503);
    expect(await res.json()).toEqual({ ready: false, draining: true, checks: {} });
    expect(consulted).toBe(1);
    // Liveness is unaffected: the process is still healthy, only leaving.
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
  });
});

describe("/metrics", () => {
  test("open when no token is configured: Prometheus text exposition", async () => {
    const metrics = new VouchMetrics({ defaultMetrics: false });
    metrics.deliveryAccepted("push", "queued");
    const { url } = await serve({ metrics });
    const res = await fetch(`${url}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
    const body = await res.text();
    expect(body).toContain("# TYPE vouch_webhook_deliveries_accepted_total counter");
    expect(body).toContain('vouch_webhook_deliveries_accepted_total{event="push",outcome="queued"} 1');
  });

  test("with VOUCH_METRICS_TOKEN_SHA256 set, only the matching bearer token is served", async () => {
    const token = "metrics-token-for-prometheus";
    const metrics = new VouchMetrics({ defaultMetrics: false });
    const { url } = await serve({ metrics, metricsTokenSha256: createHash("sha256").update(token).digest() });
    expect((await fetch(`${url}/metrics`)).status).toBe(401);
    expect((await fetch(`${url}/metrics`, { headers: { authorization: "Bearer wrong-token" } })).status).toBe(401);
    expect((await fetch(`${url}/metrics`, { headers: { authorization: `Basic ${token}` } })).status).toBe(401);
    const res = await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${token}` } });
    expect(res.status).toBe(200);
    expect(await res.text()).toContain("vouch_failures_total");
    // Health and readiness stay open: probes carry no token.
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
  });

  test("not served when the server has no metrics", async () => {
    const { url } = await serve();
    expect((await fetch(`${url}/metrics`)).status).toBe(404);
  });
});

test("connection URLs lose their credentials before a message is logged", () => {
  expect(withoutUrlCredentials("failed: postgres://vouch:s3cret@db:5432/vouch and redis://:pw@r:6379")).toBe(
    "failed: postgres://[redacted]@db:5432/vouch and redis://[redacted]@r:6379",
  );
  expect(withoutUrlCredentials("connect ECONNREFUSED 127.0.0.1:5432")).toBe("connect ECONNREFUSED 127.0.0.1:5432");
});
