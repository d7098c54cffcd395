import { generateKeyPairSync } from "node:crypto";
import { createServer } from "node:http";
import type { IncomingHttpHeaders, Server } from "node:http";
import { createRequire } from "node:module";
import { afterEach, describe, expect, test } from "@jest/globals";
import { sign } from "@octokit/webhooks-methods";
import { startFromEnv } from "../../src/server/main.js";
import type { RunningServer } from "../../src/server/main.js";
import { closeServer, listen } from "../../src/server/listen.js";
import { LogCapture } from "./log-capture.js";

const require = createRequire(import.meta.url);
const examples = require("@octokit/webhooks-examples") as Array<{ name: string; examples: Array<Record<string, unknown>> }>;
const ping = examples.find((e) => e.name === "ping")!.examples[0]!;

const { privateKey } = generateKeyPairSync("rsa", {
  modulusLength: 2048,
  privateKeyEncoding: { type: "pkcs8", format: "pem" },
  publicKeyEncoding: { type: "spki", format: "pem" },
});

const SECRET = "e2e-current-secret";
const PREVIOUS = "e2e-previous-secret";
const MARKER = "E2E-PAYLOAD-MARKER-91ab";

const running: RunningServer[] = [];
const servers: Server[] = [];
afterEach(async () => {
  for (const r of running.splice(0)) await r.close();
  for (const s of servers.splice(0)) await closeServer(s);
});

/** A minimal GitHub stand-in: records requests, answers GET /api/v3/app. */
async function standIn(): Promise<{ host: string; requests: Array<{ method: string; url: string; headers: IncomingHttpHeaders }> }> {
  const requests: Array<{ method: string; url: string; headers: IncomingHttpHeaders }> = [];
  const server = createServer((req, res) => {
    requests.push({ method: req.method ?? "", url: req.url ?? "", headers: req.headers });
    if (req.method === "GET" && req.url === "/api/v3/app") {
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ id: 1, slug: "vouch" }));
    } else {
      res.writeHead(404, { "content-type": "application/json" }).end(JSON.stringify({ message: "Not Found" }));
    }
  });
  servers.push(server);
  const port = await listen(server, 0, "127.0.0.1");
  return { host: `127.0.0.1:${port}`, requests };
}

async function startApp(extraEnv: Record<string, string> = {}) {
  const github = await standIn();
  const capture = new LogCapture();
  const server = await startFromEnv(
    {
      APP_ID: "4242",
      PRIVATE_KEY: privateKey,
      WEBHOOK_SECRET: SECRET,
      WEBHOOK_SECRET_PREVIOUS: PREVIOUS,
      PORT: "0",
      HOST: "127.0.0.1",
      LOG_LEVEL: "debug",
      GHE_HOST: github.host,
      GHE_PROTOCOL: "http",
      VOUCH_GITHUB_THROTTLE: "false",
      ...extraEnv,
    },
    { logDestination: capture, retryBackoffMs: () => 1, now: () => new Date("2026-01-01T00:00:00Z") },
  );
  running.push(server);
  return { server, capture, github };
}

async function deliverPing(server: RunningServer, id: string, secret = SECRET, path = "/api/github/webhooks"): Promise<Response> {
  const body = JSON.stringify({ ...ping, zen: MARKER });
  return fetch(`${server.url}${path}`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      "x-github-event": "ping",
      "x-github-delivery": id,
      "x-hub-signature-256": await sign(secret, body),
    },
    body,
  });
}

describe("startFromEnv with app credentials", () => {
  test("serves health and 404, and hands signed deliveries to Probot", async () => {
    const { server, capture } = await startApp();
    expect(server.mode).toBe("app");
    expect(server.port).toBeGreaterThan(0);
    expect(server.url).toBe(`http://127.0.0.1:${server.port}`);
    expect(await (await fetch(`${server.url}/healthz`)).json()).toMatchObject({ ok: true, status: "alive", uptimeSeconds: expect.any(Number) });
    expect((await fetch(`${server.url}/nope`)).status).toBe(404);

    const received: Array<{ id: string; zen: unknown }> = [];
    server.probot.on("ping", async (context) => void received.push({ id: context.id, zen: context.payload.zen }));
    expect((await deliverPing(server, "p-1")).status).toBe(202);
    expect((await deliverPing(server, "p-2", PREVIOUS)).status).toBe(202);
    expect((await deliverPing(server, "p-1")).status).toBe(202);
    expect((await deliverPing(server, "p-3", "forged")).status).toBe(401);
    await server.close();
    expect(received).toEqual([
      { id: "p-1", zen: MARKER },
      { id: "p-2", zen: MARKER },
    ]);
    const accepted = capture.records().filter((r) => r.msg === "webhook accepted");
    expect(accepted.map((r) => r.deliveryId)).toEqual(["p-1", "p-2"]);
    // Probot logs the whole event at debug level; the logger must redact it.
    expect(capture.text).not.toContain(MARKER);
  });

  test("honours WEBHOOK_PATH", async () => {
    const { server } = await startApp({ WEBHOOK_PATH: "/hooks" });
    expect((await deliverPing(server, "w-1", SECRET, "/hooks")).status).toBe(202);
    expect((await deliverPing(server, "w-2")).status).toBe(404);
  });

  test("talks to the GitHub named by GHE_HOST/GHE_PROTOCOL, authenticating as the app", async () => {
    const { server, github } = await startApp();
    const octokit = await server.probot.auth();
    const { data } = await octokit.request("GET /app");
    expect(data).toMatchObject({ slug: "vouch" });
    expect(github.requests).toHaveLength(1);
    expect(github.requests[0]!.url).toBe("/api/v3/app");
    expect(github.requests[0]!.headers.authorization).toMatch(/^bearer /i);
  });

  test("a failing handler is retried, then logged with its delivery id and without its payload", async () => {
    const { server, capture } = await startApp();
    let calls = 0;
    server.probot.on("ping", async () => {
      calls++;
      throw new Error("handler exploded");
    });
    expect((await deliverPing(server, "fail-1")).status).toBe(202);
    await server.close();
    expect(calls).toBe(4);
    const gaveUp = capture.records().filter((r) => r.msg === "delivery failed; giving up");
    expect(gaveUp).toHaveLength(1);
    expect(gaveUp[0]).toMatchObject({ deliveryId: "fail-1", attempts: 4 });
    expect(capture.text).toContain("handler exploded");
    // Probot's error handler logs the error, which carries the event: the payload must not leak.
    expect(capture.text).not.toContain(MARKER);
  });

  test("close waits for deliveries in flight", async () => {
    const { server } = await startApp();
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let started = false;
    let finished = false;
    server.probot.on("ping", async () => {
      started = true;
      await gate;
      finished = true;
    });
    expect((await deliverPing(server, "slow-1")).status).toBe(202);
    while (!started) await new Promise((r) => setImmediate(r));
    let closed = false;
    const closing = server.close().then(() => (closed = true));
    await new Promise((r) => setImmediate(r));
    expect(closed).toBe(false);
    release();
    await closing;
    expect(finished).toBe(true);
  });

  test("a configuration error names the variable and does not start", async () => {
    await expect(startFromEnv({ APP_ID: "1", PRIVATE_KEY: privateKey, PORT: "0" })).rejects.toThrow(/WEBHOOK_SECRET is required/);
  });
});

describe("startFromEnv without credentials (setup mode)", () => {
  test("serves Probot's registration page built from app.yml and says so in the log", async () => {
    const capture = new LogCapture();
    const server = await startFromEnv({ PORT: "0", HOST: "127.0.0.1", LOG_LEVEL: "info" }, { logDestination: capture });
    running.push(server);
    expect(server.mode).toBe("setup");
    const res = await fetch(`${server.url}/`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/html");
    const html = await res.text();
    expect(html).toContain('name="manifest"');
    // The manifest carries app.yml's least-privilege permissions.
    expect(html).toContain("merge_queues");
    expect(html).toContain("merge_group");
    const notice = capture.records().find((r) => String(r.msg).includes("not registered"));
    expect(notice).toBeDefined();
    expect(String(notice!.msg)).toContain(server.url);
    expect(String(notice!.msg)).toContain(".env");
  });
});
