import { createServer, request as httpRequest } from "node:http";
import type { Server } from "node:http";
import { createRequire } from "node:module";
import { afterEach, describe, expect, test } from "@jest/globals";
import { sign } from "@octokit/webhooks-methods";
import pino from "pino";
import { createWebhookIngress } from "../../src/ingress/webhook.js";
import { InProcessQueue } from "../../src/queue/in-process.js";
import type { DeliveryJob, JobQueue } from "../../src/queue/types.js";
import { createRequestListener } from "../../src/server/routes.js";
import { closeServer, listen } from "../../src/server/listen.js";
import { LogCapture } from "../server/log-capture.js";

const require = createRequire(import.meta.url);
const examples = require("@octokit/webhooks-examples") as Array<{ name: string; examples: Array<Record<string, unknown>> }>;
const prOpened = examples.find((e) => e.name === "pull_request")!.examples.find((p) => p.action === "opened")!;

const SECRET = "current-secret";
const PREVIOUS = "previous-secret";
const PATH = "/api/github/webhooks";
const MARKER = "PAYLOAD-MARKER-7c1f";

interface Bed {
  url: string;
  jobs: DeliveryJob[];
  queue: InProcessQueue;
  capture: LogCapture;
  server: Server;
}

const beds: Bed[] = [];
afterEach(async () => {
  for (const bed of beds.splice(0)) {
    await closeServer(bed.server);
    await bed.queue.close();
  }
});

async function startBed(options: { maxBodyBytes?: number; queue?: JobQueue } = {}): Promise<Bed> {
  const capture = new LogCapture();
  const log = pino({ level: "debug" }, capture);
  const jobs: DeliveryJob[] = [];
  const queue = new InProcessQueue({ concurrency: 2, log, handler: async (j) => void jobs.push(j) });
  const ingress = createWebhookIngress({
    secrets: [SECRET, PREVIOUS],
    queue: options.queue ?? queue,
    log,
    ...(options.maxBodyBytes ? { maxBodyBytes: options.maxBodyBytes } : {}),
  });
  const server = createServer(createRequestListener({ webhookPath: PATH, ingress, log }));
  const port = await listen(server, 0, "127.0.0.1");
  const bed = { url: `http://127.0.0.1:${port}`, jobs, queue, capture, server };
  beds.push(bed);
  return bed;
}

async function deliver(
  bed: Bed,
  options: { body?: string; secret?: string; id?: string; event?: string; headers?: Record<string, string | undefined> } = {},
): Promise<Response> {
  const body = options.body ?? JSON.stringify({ ...prOpened, note: MARKER });
  const headers: Record<string, string> = {};
  const all: Record<string, string | undefined> = {
    "content-type": "application/json",
    "x-github-event": options.event ?? "pull_request",
    "x-github-delivery": options.id ?? "72d3162e-cc78-11e3-81ab-4c9367dc0958",
    "x-hub-signature-256": body === "" ? undefined : await sign(options.secret ?? SECRET, body),
    ...options.headers,
  };
  for (const [k, v] of Object.entries(all)) if (v !== undefined) headers[k] = v;
  return fetch(`${bed.url}${PATH}`, { method: "POST", headers, body });
}

describe("webhook ingress over HTTP", () => {
  test("a delivery signed with the current secret is answered 202 and handed to the queue intact", async () => {
    const bed = await startBed();
    const res = await deliver(bed, { id: "d-1" });
    expect(res.status).toBe(202);
    expect(await res.json()).toEqual({ status: "queued" });
    await bed.queue.onIdle();
    expect(bed.jobs).toHaveLength(1);
    expect(bed.jobs[0]).toMatchObject({ id: "d-1", name: "pull_request" });
    expect(bed.jobs[0]!.payload).toEqual({ ...prOpened, note: MARKER });
    const accepted = bed.capture.records().find((r) => r.msg === "webhook accepted");
    expect(accepted).toMatchObject({ deliveryId: "d-1", event: "pull_request", action: "opened" });
    expect(bed.capture.text).not.toContain(MARKER);
  });

  test("a delivery signed with the previous secret is accepted during rotation", async () => {
    const bed = await startBed();
    const res = await deliver(bed, { secret: PREVIOUS, id: "d-prev" });
    expect(res.status).toBe(202);
    await bed.queue.onIdle();
    expect(bed.jobs.map((j) => j.id)).toEqual(["d-prev"]);
  });

  test("a forged signature is answered 401, nothing is queued, and no payload text is logged", async () => {
    const bed = await startBed();
    const res = await deliver(bed, { secret: "attacker-guess", id: "d-forged" });
    expect(res.status).toBe(401);
    await bed.queue.onIdle();
    expect(bed.jobs).toEqual([]);
    expect(bed.capture.text).toContain("d-forged");
    expect(bed.capture.text).not.toContain(MARKER);
    expect(bed.capture.text).not.toContain("Hello-World");
  });

  test("a body altered after signing is rejected", async () => {
    const bed = await startBed();
    const body = JSON.stringify({ ...prOpened, note: MARKER });
    const signature = await sign(SECRET, body);
    const res = await deliver(bed, { body: body.replace(MARKER, "tampered"), headers: { "x-hub-signature-256": signature } });
    expect(res.status).toBe(401);
  });

  test("a signature that is not sha256=<hex> (e.g. the legacy sha1 form) is rejected", async () => {
    const bed = await startBed();
    const res = await deliver(bed, { headers: { "x-hub-signature-256": "sha1=0123456789abcdef0123456789abcdef01234567" } });
    expect(res.status).toBe(401);
  });

  test.each(["x-github-event", "x-github-delivery", "x-hub-signature-256"])("a delivery without %s is answered 400", async (name) => {
    const bed = await startBed();
    const res = await deliver(bed, { headers: { [name]: undefined } });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toContain("missing required header");
    expect(bed.jobs).toEqual([]);
  });

  test("malformed event or delivery headers are answered 400", async () => {
    const bed = await startBed();
    expect((await deliver(bed, { event: "Pull-Request" })).status).toBe(400);
    expect((await deliver(bed, { id: "x".repeat(500) })).status).toBe(400);
  });

  test.each(["application/x-www-form-urlencoded", "text/plain"])("content type %s is answered 415", async (type) => {
    const bed = await startBed();
    const res = await deliver(bed, { headers: { "content-type": type } });
    expect(res.status).toBe(415);
  });

  test("content type with a charset parameter is accepted", async () => {
    const bed = await startBed();
    const res = await deliver(bed, { headers: { "content-type": "application/json; charset=utf-8" } });
    expect(res.status).toBe(202);
  });

  test("a correctly signed body that is not JSON is answered 400", async () => {
    const bed = await startBed();
    expect((await deliver(bed, { body: `{"action": "opened", ${MARKER}` })).status).toBe(400);
    expect((await deliver(bed, { body: "[1,2,3]", id: "d-array" })).status).toBe(400);
    expect(bed.jobs).toEqual([]);
    expect(bed.capture.text).not.toContain(MARKER);
  });

  test("an empty body is rejected", async () => {
    const bed = await startBed();
    const res = await deliver(bed, { body: "", headers: { "x-hub-signature-256": "sha256=" + "0".repeat(64) } });
    expect(res.status).toBe(401);
  });

  test("a body over the limit is answered 413 (declared length)", async () => {
    const bed = await startBed({ maxBodyBytes: 1024 });
    const res = await deliver(bed, { body: JSON.stringify({ pad: "x".repeat(4096) }) });
    expect(res.status).toBe(413);
    expect(res.headers.get("connection")).toBe("close");
    expect(bed.jobs).toEqual([]);
  });

  test("a chunked body that grows over the limit is answered 413 without reading it to the end", async () => {
    const bed = await startBed({ maxBodyBytes: 1024 });
    const { port } = new URL(bed.url);
    const status = await new Promise<number>((resolve, reject) => {
      const req = httpRequest(
        {
          host: "127.0.0.1",
          port,
          path: PATH,
          method: "POST",
          headers: {
            "content-type": "application/json",
            "x-github-event": "push",
            "x-github-delivery": "d-chunked",
            "x-hub-signature-256": "sha256=" + "0".repeat(64),
            "transfer-encoding": "chunked",
          },
        },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
          req.destroy();
        },
      );
      req.on("error", reject);
      // Send 4 KB (over the 1 KB limit) in one write and never finish the chunked body: an answer can
      // then only come from a server that stopped reading early. A single write before any answer
      // cannot race the server's close into EPIPE, as writing on after the answer would.
      req.write(Buffer.alloc(4 * 1024, "x"));
    });
    expect(status).toBe(413);
  });

  test("a redelivery with the same delivery id is answered 202 and processed once", async () => {
    const bed = await startBed();
    const first = await deliver(bed, { id: "d-dup" });
    await bed.queue.onIdle();
    const second = await deliver(bed, { id: "d-dup" });
    expect(first.status).toBe(202);
    expect(second.status).toBe(202);
    expect(await second.json()).toEqual({ status: "duplicate" });
    await bed.queue.onIdle();
    expect(bed.jobs.map((j) => j.id)).toEqual(["d-dup"]);
  });

  test("a forged delivery cannot block a later genuine one with the same id", async () => {
    const bed = await startBed();
    expect((await deliver(bed, { id: "d-race", secret: "wrong" })).status).toBe(401);
    expect((await deliver(bed, { id: "d-race" })).status).toBe(202);
    await bed.queue.onIdle();
    expect(bed.jobs.map((j) => j.id)).toEqual(["d-race"]);
  });

  test("when the queue refuses, the answer is 503 so GitHub records a failed delivery", async () => {
    const failing: JobQueue = {
      enqueue: async () => {
        throw new Error("redis down");
      },
      onIdle: async () => undefined,
      close: async () => undefined,
    };
    const bed = await startBed({ queue: failing });
    const res = await deliver(bed, { id: "d-503" });
    expect(res.status).toBe(503);
    expect(bed.capture.text).not.toContain(MARKER);
  });

  test("other routes: health probe answers, everything else is 404", async () => {
    const bed = await startBed();
    const health = await fetch(`${bed.url}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ ok: true });
    expect((await fetch(`${bed.url}/`)).status).toBe(404);
    expect((await fetch(`${bed.url}${PATH}`)).status).toBe(404);
    expect((await fetch(`${bed.url}/api/github/webhooks/extra`, { method: "POST", body: "{}" })).status).toBe(404);
  });

  test("the server keeps serving after a burst of bad requests", async () => {
    const bed = await startBed({ maxBodyBytes: 1024 });
    const small = JSON.stringify({ zen: "Keep it logically awesome.", hook_id: 1 });
    const bad = await Promise.all([
      deliver(bed, { body: small, secret: "nope", id: "b1" }),
      deliver(bed, { body: small, headers: { "content-type": "text/plain" } }),
      deliver(bed, { body: "{", id: "b3" }),
      deliver(bed, { body: JSON.stringify({ pad: "y".repeat(5000) }), id: "b4" }),
    ]);
    expect(bad.map((r) => r.status)).toEqual([401, 415, 400, 413]);
    expect((await deliver(bed, { body: small, event: "ping", id: "after" })).status).toBe(202);
  });

  test("the ingress refuses to start without a secret", () => {
    const queue = new InProcessQueue({ concurrency: 1, log: pino({ level: "silent" }), handler: async () => undefined });
    expect(() => createWebhookIngress({ secrets: ["", ""], queue, log: pino({ level: "silent" }) })).toThrow(/secret/);
  });
});
