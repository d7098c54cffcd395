// Tests src/github/octokit.ts (kept under test/server/, the server's wiring owns the Octokit class).
import { generateKeyPairSync } from "node:crypto";
import { createRequire } from "node:module";
import { describe, expect, test } from "@jest/globals";
import pino from "pino";
import { Probot } from "probot";
import { createOctokitClass, throttleIdFor } from "../../src/github/octokit.js";

const require = createRequire(import.meta.url);
const examples = require("@octokit/webhooks-examples") as Array<{ name: string; examples: Array<Record<string, unknown>> }>;
const prOpened = examples.find((e) => e.name === "pull_request")!.examples.find((p) => p.action === "opened")!;

const { privateKey } = generateKeyPairSync("rsa", {
  modulusLength: 2048,
  privateKeyEncoding: { type: "pkcs8", format: "pem" },
  publicKeyEncoding: { type: "spki", format: "pem" },
});

interface Seen {
  installationId: unknown;
  throttle: { id?: string; enabled?: boolean } | undefined;
  retry: { enabled?: boolean } | undefined;
}

/** A Probot whose every Octokit reports the options it was finally built with. */
function probotWith(throttle: boolean, deferRateLimitsOverMs?: number): { probot: Probot; seen: Seen[] } {
  const seen: Seen[] = [];
  const Octokit = createOctokitClass({ throttle, ...(deferRateLimitsOverMs !== undefined ? { deferRateLimitsOverMs } : {}) }).plugin((_octokit, options) => {
    const o = options as { auth?: { installationId?: unknown }; throttle?: Seen["throttle"]; retry?: Seen["retry"] };
    seen.push({ installationId: o.auth?.installationId, throttle: o.throttle, retry: o.retry });
    return {};
  });
  const probot = new Probot({ appId: 1, privateKey, secret: "x", log: pino({ level: "silent" }), Octokit });
  return { probot, seen };
}

function eventFor(installationId: number, id: string) {
  return { id, name: "pull_request", payload: { ...prOpened, installation: { id: installationId, node_id: "x" } } } as Parameters<
    Probot["receive"]
  >[0];
}

describe("per-installation throttling", () => {
  test("event clients (context.octokit) of two installations get different throttle lanes", async () => {
    const { probot, seen } = probotWith(true);
    probot.on("pull_request", async () => undefined);
    await probot.receive(eventFor(101, "e1"));
    await probot.receive(eventFor(202, "e2"));
    const lanes = new Map(seen.filter((s) => s.installationId !== undefined).map((s) => [s.installationId, s.throttle?.id]));
    expect(lanes.get(101)).toBe("installation-101");
    expect(lanes.get(202)).toBe("installation-202");
    // Throttling stays on: only the lane changes, so GitHub's per-installation pacing holds.
    for (const s of seen) expect(s.throttle?.enabled).not.toBe(false);
    // Probot's own rate-limit handlers survive the override.
    expect(seen.find((s) => s.installationId === 101)?.throttle).toHaveProperty("onRateLimit");
  });

  test("clients from app.auth(installationId) use the same per-installation lane", async () => {
    const { probot, seen } = probotWith(true);
    await probot.auth(303);
    expect(seen.find((s) => s.installationId === 303)?.throttle?.id).toBe("installation-303");
  });

  test("the app-level (JWT) client has its own lane, not the plugin's shared default", async () => {
    const { probot, seen } = probotWith(true);
    await probot.auth();
    expect(seen.length).toBeGreaterThan(0);
    expect(seen[0]!.installationId).toBeUndefined();
    expect(seen[0]!.throttle?.id).toBe("app");
    expect(seen.map((s) => s.throttle?.id)).not.toContain("no-id");
  });

  test("with throttling switched off (test beds) both throttling and retries are disabled", async () => {
    const { probot, seen } = probotWith(false);
    probot.on("pull_request", async () => undefined);
    await probot.receive(eventFor(101, "e3"));
    expect(seen.length).toBeGreaterThan(0);
    for (const s of seen) {
      expect(s.throttle?.enabled).toBe(false);
      expect(s.retry?.enabled).toBe(false);
    }
  });

  test("throttleIdFor", () => {
    expect(throttleIdFor({ auth: { installationId: 5 } })).toBe("installation-5");
    expect(throttleIdFor({ auth: { installationId: "6" } })).toBe("installation-6");
    expect(throttleIdFor({})).toBe("app");
    expect(throttleIdFor({ auth: {} })).toBe("app");
  });
});

describe("long primary rate limits are left to the queue", () => {
  type Handler = (retryAfter: number, options: unknown, octokit: unknown, retryCount: number) => unknown;
  const requestOptions = { method: "GET", url: "/repos/a/b", request: { retryCount: 0 } };

  test("with deferRateLimitsOverMs, a wait beyond it is not taken in the job; a short one still is", async () => {
    const { probot, seen } = probotWith(true, 10_000);
    probot.on("pull_request", async () => undefined);
    await probot.receive(eventFor(404, "e4"));
    const onRateLimit = (seen.find((s) => s.installationId === 404)?.throttle as { onRateLimit?: Handler }).onRateLimit!;
    expect(await onRateLimit(3600, requestOptions, {}, 0)).toBe(false);
    expect(await onRateLimit(2, requestOptions, {}, 0)).toBe(true);
  });

  test("without it, Probot's handler decides (it waits out any limit, twice)", async () => {
    const { probot, seen } = probotWith(true);
    probot.on("pull_request", async () => undefined);
    await probot.receive(eventFor(505, "e5"));
    const onRateLimit = (seen.find((s) => s.installationId === 505)?.throttle as { onRateLimit?: Handler }).onRateLimit!;
    expect(await onRateLimit(3600, requestOptions, {}, 0)).toBe(true);
  });
});
