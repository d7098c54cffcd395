/**
 * Readiness follows the PostgreSQL ledger: the real server (role all, ledger on a private
 * PostgreSQL cluster) answers /readyz 503 naming the ledger while the database is down, and 200
 * again once it is back; liveness keeps answering, so the process is not restarted for it.
 */
import { generateKeyPairSync } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "@jest/globals";
import { startFromEnv, type RunningServer } from "../../src/server/main.js";
import { PrivatePostgres, postgresBinDir } from "../helpers/postgres.js";
import { LogCapture } from "./log-capture.js";

const bin = postgresBinDir();
if (bin === null) {
  if (process.env.CI === "true") throw new Error("CI=true but PostgreSQL's server binaries (initdb, pg_ctl) are absent");
  console.warn("PostgreSQL's server binaries are absent: skipping the PostgreSQL readiness test.");
}
const d = bin ? describe : describe.skip;

let pg: PrivatePostgres | undefined;
let server: RunningServer | undefined;
let dataDir: string | undefined;
const capture = new LogCapture();

beforeAll(async () => {
  if (!bin) return;
  pg = await PrivatePostgres.start(bin);
  dataDir = await mkdtemp(join(tmpdir(), "vouch-ready-pg-"));
  const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048, privateKeyEncoding: { type: "pkcs8", format: "pem" }, publicKeyEncoding: { type: "spki", format: "pem" } });
  server = await startFromEnv(
    {
      APP_ID: "12",
      PRIVATE_KEY: privateKey,
      WEBHOOK_SECRET: "readiness-secret",
      PORT: "0",
      HOST: "127.0.0.1",
      LOG_LEVEL: "warn",
      DATABASE_URL: pg.url,
      VOUCH_DATA_DIR: dataDir,
      VOUCH_GITHUB_THROTTLE: "false",
    },
    { logDestination: capture },
  );
}, 60_000);

afterAll(async () => {
  await server?.close().catch(() => undefined);
  await pg?.stop();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
}, 60_000);

async function readyz(): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${server!.url}/readyz`);
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

d("readiness with the ledger on PostgreSQL", () => {
  test("ready with the database up; 503 naming the ledger while it is down; ready again when it is back", async () => {
    expect(await readyz()).toEqual({ status: 200, body: { ready: true, draining: false, checks: { ledger: "ok" } } });

    await pg!.down();
    const down = await readyz();
    expect(down.status).toBe(503);
    expect(down.body).toMatchObject({ ready: false, checks: { ledger: expect.stringMatching(/^(unavailable|timeout)$/) } });
    expect(JSON.stringify(down.body)).not.toContain(String(pg!.port));
    expect((await fetch(`${server!.url}/healthz`)).status).toBe(200);

    await pg!.up();
    const deadline = Date.now() + 20_000;
    let back = await readyz();
    while (back.status !== 200 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 250));
      back = await readyz();
    }
    expect(back).toEqual({ status: 200, body: { ready: true, draining: false, checks: { ledger: "ok" } } });
    expect(capture.text).toContain("readiness check failed");
  }, 60_000);
});
