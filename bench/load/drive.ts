/**
 * Sends signed deliveries at a target rate, with a cap on requests in flight and a deadline.
 * Bodies are signed before the clock starts, so the driver's own HMAC work does not count
 * against the ingress. Plain node:http with keep-alive: cheaper per request than fetch, which
 * matters on a machine whose cores the ingress also needs.
 */
import { Agent, request } from "node:http";
import { randomUUID } from "node:crypto";
import { sign } from "@octokit/webhooks-methods";

export interface SignedDelivery {
  id: string;
  key: string;
  body: string;
  headers: Record<string, string>;
}

export interface SendResult {
  key: string;
  id: string;
  /** Wall-clock ms (performance.timeOrigin based) when the request was sent and answered. */
  sentAt: number;
  answeredAt: number;
  status: number;
}

export async function signDeliveries(
  items: Array<{ key: string; event: string; payload: unknown }>,
  secret: string,
): Promise<SignedDelivery[]> {
  return Promise.all(
    items.map(async ({ key, event, payload }) => {
      const body = JSON.stringify(payload);
      const id = randomUUID();
      return {
        id,
        key,
        body,
        headers: {
          "content-type": "application/json",
          "user-agent": "GitHub-Hookshot/load-bench",
          "x-github-event": event,
          "x-github-delivery": id,
          "x-hub-signature-256": await sign(secret, body),
          "content-length": String(Buffer.byteLength(body)),
        },
      };
    }),
  );
}

export const wallNow = (): number => performance.timeOrigin + performance.now();

export async function sendPaced(
  url: string,
  deliveries: readonly SignedDelivery[],
  options: { ratePerSecond: number; maxInFlight: number; deadline: number },
): Promise<SendResult[]> {
  const target = new URL(url);
  const agent = new Agent({ keepAlive: true, maxSockets: options.maxInFlight });
  const results: SendResult[] = [];
  let inFlight = 0;
  let wake: (() => void) | undefined;
  const started = wallNow();
  try {
    const pending: Array<Promise<void>> = [];
    for (let i = 0; i < deliveries.length; i++) {
      const due = started + (i * 1000) / options.ratePerSecond;
      const wait = due - wallNow();
      if (wait > 1) await sleep(wait);
      while (inFlight >= options.maxInFlight) await new Promise<void>((r) => (wake = r));
      if (wallNow() > options.deadline) break;
      const delivery = deliveries[i]!;
      inFlight++;
      pending.push(
        post(agent, target, delivery).then((result) => {
          results.push(result);
          inFlight--;
          wake?.();
          wake = undefined;
        }),
      );
    }
    await Promise.all(pending);
  } finally {
    agent.destroy();
  }
  return results;
}

function post(agent: Agent, target: URL, delivery: SignedDelivery): Promise<SendResult> {
  return new Promise((resolve) => {
    const sentAt = wallNow();
    const done = (status: number): void => resolve({ key: delivery.key, id: delivery.id, sentAt, answeredAt: wallNow(), status });
    const req = request(
      { agent, host: target.hostname, port: target.port, path: target.pathname, method: "POST", headers: delivery.headers, timeout: 30_000 },
      (res) => {
        res.resume();
        res.on("end", () => done(res.statusCode ?? 0));
        res.on("error", () => done(0));
      },
    );
    req.on("timeout", () => req.destroy(new Error("timeout")));
    req.on("error", () => done(0));
    req.end(delivery.body);
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
