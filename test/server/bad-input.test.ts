/**
 * Bad input at the webhook ingress of the real server (`startFromEnv`, what `npm start` and
 * `vouch serve` run) on loopback: each case is rejected or ignored with the right status, nothing
 * reaches Probot that should not, and the process goes on serving. Run twice: one process with the
 * in-process queue (role all), and an ingress process feeding a worker process through BullMQ on
 * Redis (skipped with a message when Redis is unreachable, a failure under CI=true).
 */
import { generateKeyPairSync, randomBytes, randomUUID } from "node:crypto";
import { connect, type Socket } from "node:net";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createRequire } from "node:module";
import { afterEach, describe, expect, test } from "@jest/globals";
import { sign } from "@octokit/webhooks-methods";
import { Redis } from "ioredis";
import { startFromEnv, type RunningServer, type StartOverrides } from "../../src/server/main.js";
import { MAX_WEBHOOK_BODY_BYTES } from "../../src/ingress/webhook.js";
import { LogCapture } from "./log-capture.js";
import { redisProblem } from "../helpers/redis.js";
import { describeWithServices } from "../helpers/services.js";

const require = createRequire(import.meta.url);
const examples = require("@octokit/webhooks-examples") as Array<{ name: string; examples: Array<Record<string, unknown>> }>;
const ping = examples.find((e) => e.name === "ping")!.examples[0]!;

const SECRET = "bad-input-secret";
const PATH = "/api/github/webhooks";
const MARKER = "BAD-INPUT-MARKER-5e0d";
const REDIS_URL = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
// Short limits so a stalled request is cut off within the test; production uses 60 s and 20 s.
const TIMEOUTS = { requestMs: 1500, headersMs: 800 };

const { privateKey } = generateKeyPairSync("rsa", {
  modulusLength: 2048,
  privateKeyEncoding: { type: "pkcs8", format: "pem" },
  publicKeyEncoding: { type: "spki", format: "pem" },
});

const redisUnreachable = await redisProblem(REDIS_URL);
if (redisUnreachable !== null) describeWithServices(redisUnreachable, "the BullMQ ingress bad-input tests");

/** A running ingress and whatever works its jobs, plus what reached Probot. */
interface Bed {
  url: string;
  capture: LogCapture;
  /** Delivery ids Probot was handed, in order (sentinels of `drain` left out). */
  received: string[];
  /** Waits until every delivery accepted so far has been handed to Probot. */
  drain(): Promise<void>;
  servers: RunningServer[];
}

type Topology = "all" | "ingress+worker";
const beds: Array<{ servers: RunningServer[]; dirs: string[]; queueName?: string }> = [];
afterEach(async () => {
  for (const bed of beds.splice(0)) {
    for (const s of bed.servers) await s.close();
    for (const d of bed.dirs) await rm(d, { recursive: true, force: true });
    if (bed.queueName) await deleteQueueKeys(bed.queueName);
  }
});

async function deleteQueueKeys(queueName: string): Promise<void> {
  const redis = new Redis(REDIS_URL);
  try {
    let cursor = "0";
    do {
      const [next, keys] = await redis.scan(cursor, "MATCH", `*${queueName}*`, "COUNT", 1000);
      if (keys.length > 0) await redis.unlink(...keys);
      cursor = next;
    } while (cursor !== "0");
  } finally {
    redis.disconnect();
  }
}

async function startBed(topology: Topology): Promise<Bed> {
  const capture = new LogCapture();
  const dirs = [await mkdtemp(join(tmpdir(), "vouch-bad-input-"))];
  const queueName = topology === "all" ? undefined : `vouch-bad-input-${process.pid}-${randomBytes(4).toString("hex")}`;
  const env = (role: string): Record<string, string> => ({
    APP_ID: "4242",
    PRIVATE_KEY: privateKey,
    WEBHOOK_SECRET: SECRET,
    PORT: "0",
    HOST: "127.0.0.1",
    LOG_LEVEL: "info",
    // Nothing here may call GitHub: a closed port makes any attempt fail at once.
    GHE_HOST: "127.0.0.1:9",
    GHE_PROTOCOL: "http",
    VOUCH_GITHUB_THROTTLE: "false",
    // One job at a time keeps jobs in order, so a sentinel handled last proves the queue drained.
    VOUCH_CONCURRENCY: "1",
    VOUCH_DATA_DIR: join(dirs[0]!, role),
    ...(queueName ? { REDIS_URL, VOUCH_QUEUE_NAME: queueName } : {}),
  });
  const overrides = (role: "all" | "ingress" | "worker"): StartOverrides =>
    ({ logDestination: capture, retryBackoffMs: () => 1, httpTimeouts: TIMEOUTS, role });
  const servers: RunningServer[] = [];
  beds.push({ servers, dirs, ...(queueName ? { queueName } : {}) });
  const ingress = await startFromEnv(env("ingress"), overrides(topology === "all" ? "all" : "ingress"));
  servers.push(ingress);
  const worker = topology === "all" ? ingress : await startFromEnv(env("worker"), overrides("worker"));
  if (worker !== ingress) servers.push(worker);

  const received: string[] = [];
  const sentinels = new Set<string>();
  worker.probot.onAny(async (event) => {
    if (!sentinels.has(event.id)) received.push(event.id);
    else sentinels.delete(event.id);
  });
  const bed: Bed = {
    url: ingress.url,
    capture,
    received,
    servers,
    async drain() {
      const id = `sentinel-${randomUUID()}`;
      sentinels.add(id);
      expect((await deliver(bed, { id, event: "ping" })).status).toBe(202);
      const deadline = Date.now() + 15_000;
      while (sentinels.has(id)) {
        if (Date.now() > deadline) throw new Error("the sentinel delivery was not handed to Probot within 15 s");
        await new Promise((r) => setTimeout(r, 10));
      }
    },
  };
  return bed;
}

interface DeliverOptions {
  body?: string;
  id?: string;
  event?: string;
  secret?: string;
  headers?: Record<string, string | undefined>;
}

async function deliver(bed: { url: string }, options: DeliverOptions = {}): Promise<Response> {
  const body = options.body ?? JSON.stringify({ ...ping, zen: MARKER });
  const all: Record<string, string | undefined> = {
    "content-type": "application/json",
    "x-github-event": options.event ?? "ping",
    "x-github-delivery": options.id ?? randomUUID(),
    "x-hub-signature-256": await sign(options.secret ?? SECRET, body),
    ...options.headers,
  };
  const headers = Object.fromEntries(Object.entries(all).filter((e): e is [string, string] => e[1] !== undefined));
  return fetch(`${bed.url}${PATH}`, { method: "POST", headers, body });
}

/** Opens a raw connection, writes `head` (and `body`, if any), and resolves with what the server answered and when it closed. */
function rawExchange(url: string, head: string, body?: Buffer | string): Promise<{ answer: string; closedAfterMs: number }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const started = Date.now();
    let answer = "";
    const socket: Socket = connect(Number(port), hostname, () => {
      socket.write(head);
      if (body !== undefined) socket.write(body);
    });
    socket.on("data", (chunk) => (answer += chunk.toString("latin1")));
    // The server may close while a large body is still being written; the answer is what counts.
    socket.on("error", (error: NodeJS.ErrnoException) => {
      if (error.code !== "EPIPE" && error.code !== "ECONNRESET") reject(error);
    });
    socket.on("close", () => resolve({ answer, closedAfterMs: Date.now() - started }));
    socket.setTimeout(20_000, () => socket.destroy(new Error("the server never closed the connection")));
  });
}

function requestHead(headers: Record<string, string>): string {
  return `POST ${PATH} HTTP/1.1\r\nHost: 127.0.0.1\r\n${Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join("")}\r\n`;
}

async function signedHead(body: string, extra: Record<string, string> = {}): Promise<Record<string, string>> {
  return {
    "content-type": "application/json",
    "x-github-event": "ping",
    "x-github-delivery": randomUUID(),
    "x-hub-signature-256": await sign(SECRET, body),
    ...extra,
  };
}

async function expectServing(bed: Bed): Promise<void> {
  expect((await fetch(`${bed.url}/healthz`)).status).toBe(200);
  const id = `alive-${randomUUID()}`;
  expect((await deliver(bed, { id })).status).toBe(202);
  await bed.drain();
  expect(bed.received).toContain(id);
}

const topologies: Topology[] = redisUnreachable === null ? ["all", "ingress+worker"] : ["all"];

describe.each(topologies)("bad input at the ingress (%s)", (topology) => {
  test("a body over GitHub's 25 MB cap is answered 413, declared or streamed, and the process goes on", async () => {
    const bed = await startBed(topology);
    const declared = await rawExchange(bed.url, requestHead({ ...(await signedHead("{}")), "content-length": String(MAX_WEBHOOK_BODY_BYTES + 1) }), "{");
    expect(declared.answer).toMatch(/^HTTP\/1\.1 413 /);
    const big = Buffer.alloc(MAX_WEBHOOK_BODY_BYTES + 64 * 1024, "a");
    const chunk = (b: Buffer): Buffer => Buffer.concat([Buffer.from(`${b.length.toString(16)}\r\n`), b, Buffer.from("\r\n")]);
    const streamed = await rawExchange(bed.url, requestHead({ ...(await signedHead("{}")), "transfer-encoding": "chunked" }), chunk(big));
    expect(streamed.answer).toMatch(/^HTTP\/1\.1 413 /);
    expect(bed.capture.records().filter((r) => r.msg === "webhook rejected: body too large")).toHaveLength(2);
    await expectServing(bed);
    expect(bed.received).toHaveLength(1);
  });

  test("a correctly signed body that is not a JSON object is answered 400 and not queued", async () => {
    const bed = await startBed(topology);
    expect((await deliver(bed, { body: `{"zen": "${MARKER}"` })).status).toBe(400);
    expect((await deliver(bed, { body: `"${MARKER}"` })).status).toBe(400);
    expect((await deliver(bed, { body: "null" })).status).toBe(400);
    await bed.drain();
    expect(bed.received).toEqual([]);
    expect(bed.capture.text).not.toContain(MARKER);
  });

  test("a correctly signed body nested far deeper than any GitHub payload is answered 400, not 503", async () => {
    const bed = await startBed(topology);
    // Parses fine, but would overflow the stack of whatever serialises it next (the queue, a logger).
    const body = '{"zen":'.repeat(100_000) + `"${MARKER}"` + "}".repeat(100_000);
    const res = await deliver(bed, { body });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toMatch(/nests deeper/);
    await bed.drain();
    expect(bed.received).toEqual([]);
    expect(bed.capture.text).not.toContain(MARKER);
  });

  test("an event Vouch does not handle is accepted and ignored, without a failure or a retry", async () => {
    const bed = await startBed(topology);
    const res = await deliver(bed, { id: "unknown-1", event: "made_up_event" });
    expect(res.status).toBe(202);
    await bed.drain();
    expect(bed.received).toEqual(["unknown-1"]);
    expect(bed.capture.records().filter((r) => /failed/.test(String(r.msg)))).toEqual([]);
  });

  test.each(["x-github-event", "x-github-delivery", "x-hub-signature-256"])("a delivery without %s is answered 400", async (name) => {
    const bed = await startBed(topology);
    const res = await deliver(bed, { headers: { [name]: undefined } });
    expect(res.status).toBe(400);
    await bed.drain();
    expect(bed.received).toEqual([]);
  });

  test("forged and tampered signatures are answered 401 and leave no trace of the payload in the log", async () => {
    const bed = await startBed(topology);
    expect((await deliver(bed, { secret: "guessed" })).status).toBe(401);
    const body = JSON.stringify({ ...ping, zen: MARKER });
    const signature = await sign(SECRET, body);
    expect((await deliver(bed, { body: body.replace(MARKER, "tampered"), headers: { "x-hub-signature-256": signature } })).status).toBe(401);
    expect((await deliver(bed, { headers: { "x-hub-signature-256": "sha256=" + "0".repeat(64) } })).status).toBe(401);
    await bed.drain();
    expect(bed.received).toEqual([]);
    expect(bed.capture.text).not.toContain(MARKER);
  });

  test("a replayed delivery with the same GUID is a duplicate, handled once; a new GUID is a new delivery", async () => {
    const bed = await startBed(topology);
    const body = JSON.stringify({ ...ping, zen: MARKER });
    const first = await deliver(bed, { body, id: "replayed-1" });
    expect(first.status).toBe(202);
    expect(await first.json()).toEqual({ status: "queued" });
    await bed.drain();
    const again = await Promise.all([1, 2, 3].map(() => deliver(bed, { body, id: "replayed-1" })));
    expect(again.map((r) => r.status)).toEqual([202, 202, 202]);
    expect(await Promise.all(again.map((r) => r.json()))).toEqual([{ status: "duplicate" }, { status: "duplicate" }, { status: "duplicate" }]);
    // The same signed body under a fresh GUID cannot be told from a new event by the ingress; the
    // defence is downstream (docs/threat-model.md): evaluation re-reads GitHub's current state.
    expect((await deliver(bed, { body, id: "replayed-2" })).status).toBe(202);
    await bed.drain();
    expect(bed.received).toEqual(["replayed-1", "replayed-2"]);
  });

  test.each([["text/plain"], ["application/x-www-form-urlencoded"], [undefined]])("content type %s is answered 415", async (type) => {
    const bed = await startBed(topology);
    const res = await deliver(bed, { headers: { "content-type": type } });
    expect(res.status).toBe(415);
    await bed.drain();
    expect(bed.received).toEqual([]);
  });

  test("a body that stalls part-way (slow loris) is cut off with 408 while other deliveries go through", async () => {
    const bed = await startBed(topology);
    const body = JSON.stringify({ ...ping, zen: MARKER });
    const stalled = rawExchange(bed.url, requestHead({ ...(await signedHead(body)), "content-length": String(Buffer.byteLength(body)) }), body.slice(0, 100));
    const headersOnly = rawExchange(bed.url, "POST /api/github/webhooks HTTP/1.1\r\nHost: 127.0.0.1\r\nx-github-event: ping\r\n");
    // While both hang, the ingress still serves.
    const meanwhile = await deliver(bed, { id: "meanwhile" });
    expect(meanwhile.status).toBe(202);
    const [body408, headers408] = await Promise.all([stalled, headersOnly]);
    expect(body408.answer).toMatch(/^HTTP\/1\.1 408 /);
    expect(headers408.answer).toMatch(/^HTTP\/1\.1 408 /);
    // Cut off within the limit plus Node's checking interval, not held open indefinitely.
    expect(body408.closedAfterMs).toBeLessThan(TIMEOUTS.requestMs + 1500);
    expect(headers408.closedAfterMs).toBeLessThan(TIMEOUTS.headersMs + 1500);
    await expectServing(bed);
    expect(bed.received).toEqual(["meanwhile", expect.stringMatching(/^alive-/)]);
    expect(bed.capture.text).not.toContain(MARKER);
  });

  test("a burst of every kind of bad request at once leaves the process serving", async () => {
    const bed = await startBed(topology);
    const statuses = await Promise.all([
      deliver(bed, { secret: "nope" }),
      deliver(bed, { headers: { "content-type": "text/plain" } }),
      deliver(bed, { body: "{" }),
      deliver(bed, { headers: { "x-github-event": undefined } }),
      deliver(bed, { event: "Not-An-Event" }),
      deliver(bed, { id: "../../etc/passwd" }),
      fetch(`${bed.url}${PATH}`, { method: "POST", body: "" }),
      fetch(`${bed.url}${PATH}`, { method: "PUT", body: "{}" }),
    ]).then((all) => all.map((r) => r.status));
    expect(statuses).toEqual([401, 415, 400, 400, 400, 400, 400, 404]);
    await expectServing(bed);
  });
});

