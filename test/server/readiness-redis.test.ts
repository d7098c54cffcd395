/**
 * Readiness of a scaled-out process follows its Redis: the real server (role ingress, BullMQ on a
 * private redis-server) answers /readyz 503 naming the queue while Redis is down, and 200 again
 * once it is back; liveness and /metrics keep answering throughout.
 */
import { generateKeyPairSync } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "@jest/globals";
import { startFromEnv, type RunningServer } from "../../src/server/main.js";
import { PrivateRedis, redisProblem } from "../helpers/redis.js";
import { LogCapture } from "./log-capture.js";

let redis: PrivateRedis | undefined;
let problem: string | null = null;
try {
  redis = await PrivateRedis.start();
} catch (error) {
  problem = (error as Error).message;
  if (process.env.CI === "true") throw new Error(`CI=true but a private redis-server could not start: ${problem}`);
  console.warn(`redis-server could not start (${problem}): skipping the Redis readiness test.`);
}
const d = redis ? describe : describe.skip;

let server: RunningServer | undefined;
let dataDir: string;
const capture = new LogCapture();

beforeAll(async () => {
  if (!redis) return;
  dataDir = await mkdtemp(join(tmpdir(), "vouch-ready-"));
  const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048, privateKeyEncoding: { type: "pkcs8", format: "pem" }, publicKeyEncoding: { type: "spki", format: "pem" } });
  server = await startFromEnv(
    {
      APP_ID: "11",
      PRIVATE_KEY: privateKey,
      WEBHOOK_SECRET: "readiness-secret",
      PORT: "0",
      HOST: "127.0.0.1",
      LOG_LEVEL: "warn",
      REDIS_URL: redis.url,
      VOUCH_QUEUE_NAME: "readiness",
      VOUCH_DATA_DIR: dataDir,
      VOUCH_GITHUB_THROTTLE: "false",
    },
    { role: "ingress", logDestination: capture },
  );
});

afterAll(async () => {
  await server?.close();
  await redis?.stop();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

async function readyz(): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${server!.url}/readyz`);
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

d("readiness with BullMQ on Redis", () => {
  test("ready with Redis up; 503 naming the queue while it is down; ready again when it is back", async () => {
    expect(await readyz()).toEqual({ status: 200, body: { ready: true, draining: false, checks: { ledger: "ok", queue: "ok" } } });

    await redis!.kill();
    expect(await redisProblem(redis!.url)).not.toBeNull();
    const down = await readyz();
    expect(down.status).toBe(503);
    expect(down.body).toMatchObject({ ready: false, checks: { ledger: "ok", queue: expect.stringMatching(/^(unavailable|timeout)$/) } });
    expect(JSON.stringify(down.body)).not.toContain(String(redis!.port));
    expect((await fetch(`${server!.url}/healthz`)).status).toBe(200);
    const metrics = await fetch(`${server!.url}/metrics`);
    expect(metrics.status).toBe(200);
    expect(await metrics.text()).toContain("vouch_failures_total");

    await redis!.up();
    const deadline = Date.now() + 15_000;
    let back = await readyz();
    while (back.status !== 200 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 200));
      back = await readyz();
    }
    expect(back).toEqual({ status: 200, body: { ready: true, draining: false, checks: { ledger: "ok", queue: "ok" } } });
    expect(capture.text).toContain("readiness check failed");
  }, 60_000);
});
