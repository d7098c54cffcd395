/**
 * The redelivery sweeper against the GitHub stand-in over real HTTP with the app's JWT: which
 * events it redelivers, how it pages, its bounds, and what it does when GitHub errs or rate limits.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "@jest/globals";
import pino from "pino";
import { startStandIn, type StandIn } from "../standin/index.js";
import { appKeys } from "../standin/testing.js";
import { appJwtClient } from "../../src/sweeper/client.js";
import { DEFAULT_SWEEP_LIMITS, deliverySucceeded, nextCursor, sweepFailedDeliveries, type SweepClient, type SweepLimits } from "../../src/sweeper/sweep.js";
import { scheduleSweeps, startServerSweeper } from "../../src/sweeper/schedule.js";
import { parseSweepConfig } from "../../src/sweeper/config.js";
import { ConfigError } from "../../src/config.js";
import { VouchMetrics } from "../../src/observability/metrics.js";
import { LogCapture } from "../server/log-capture.js";

const NOW = new Date("2026-11-25T12:00:00Z");
const HOUR = 3_600_000;
const ago = (hours: number) => new Date(NOW.getTime() - hours * HOUR).toISOString().replace(/\.\d{3}Z$/, "Z");
const FAILED = { status: "Invalid HTTP Response: 503", statusCode: 503 };
const OK = { status: "OK", statusCode: 202 };

let standIn: StandIn;
let client: SweepClient;

beforeAll(async () => {
  const keys = appKeys();
  standIn = await startStandIn({ publicKey: keys.publicKey, appId: 77 });
  client = await appJwtClient({ app: { appId: 77, privateKey: keys.privateKey }, restBaseUrl: standIn.apiUrl, throttle: false, log: pino({ level: "silent" }) });
});

afterAll(async () => {
  await standIn?.close();
});

beforeEach(() => {
  standIn.reset();
  standIn.state.onRedeliver = undefined;
});

/** Deliveries are added oldest first; the API lists them newest first. */
function delivery(guid: string, hoursAgo: number, outcome: { status: string; statusCode: number }) {
  return standIn.state.addDelivery({ guid, event: "pull_request", action: "opened", deliveredAt: ago(hoursAgo), ...outcome });
}

async function sweep(limits: Partial<SweepLimits> = {}, metrics?: VouchMetrics) {
  const capture = new LogCapture();
  const report = await sweepFailedDeliveries({ client, limits, now: () => NOW, log: pino(capture), ...(metrics ? { metrics } : {}) });
  return { report, capture };
}

describe("which events are redelivered", () => {
  test("events with no successful delivery in the window, once each, by their newest delivery", async () => {
    delivery("old-failure", 80, FAILED); // outside the 72 h window: GitHub would refuse it
    const a1 = delivery("a", 10, FAILED);
    delivery("b", 9, FAILED);
    delivery("b", 8, OK); // b was redelivered successfully: nothing to do
    delivery("c", 7, OK);
    delivery("c", 6, FAILED); // c succeeded once (a later manual redelivery failed): handled already
    const a2 = delivery("a", 5, FAILED); // a failed twice: ask once, for its newest delivery
    const d = delivery("d", 1, { status: "timed out", statusCode: 0 });

    const { report } = await sweep();
    expect(report).toMatchObject({ listed: 7, pages: 1, failedEvents: 2, redelivered: ["a", "d"], refused: [], deferred: 0, exhausted: 0 });
    expect(report.stopped).toBeUndefined();
    expect(standIn.state.redeliveries).toEqual([a2.id, d.id]);
    expect(standIn.state.redeliveries).not.toContain(a1.id);
    // Every call was made as the app (JWT), which the stand-in checks like GitHub.
    expect(standIn.requests({ pathPrefix: "/api/v3/app/hook/deliveries" }).every((r) => r.status === 200 || r.status === 202)).toBe(true);
  });

  test("pages through GitHub's cursor pagination until the window's edge", async () => {
    for (let i = 0; i < 230; i++) delivery(`ok-${i}`, 70 - i * 0.25, OK);
    delivery("late-failure", 0.5, FAILED);
    delivery("early-failure", 71, FAILED); // listed last: only reachable through every page
    // Sorting by delivered_at is not creation order here: the stand-in lists by creation, newest first.
    const { report } = await sweep();
    expect(report.pages).toBe(3);
    expect(report.listed).toBe(232);
    expect(report.redelivered).toEqual(["early-failure", "late-failure"]); // oldest first: it leaves the window soonest
    const cursors = standIn.requests({ method: "GET", pathPrefix: "/api/v3/app/hook/deliveries" }).map((r) => r.query.cursor);
    expect(cursors[0]).toBeUndefined();
    expect(cursors.slice(1)).toEqual([expect.stringMatching(/^v1_\d+$/), expect.stringMatching(/^v1_\d+$/)]);
  });

  test("a second run after the redeliveries succeeded asks for nothing", async () => {
    delivery("e", 3, FAILED);
    standIn.state.onRedeliver = async () => ({ ...OK, deliveredAt: ago(0.5) });
    expect((await sweep()).report.redelivered).toEqual(["e"]);
    const again = (await sweep()).report;
    expect(again).toMatchObject({ failedEvents: 0, redelivered: [] });
    expect(standIn.state.redeliveries).toHaveLength(1);
  });

  test("GitHub's success classification: 2xx and 3xx", () => {
    expect(deliverySucceeded({ status: "OK", status_code: 200 })).toBe(true);
    expect(deliverySucceeded({ status: "Accepted", status_code: 202 })).toBe(true);
    expect(deliverySucceeded({ status: "Found", status_code: 302 })).toBe(true);
    expect(deliverySucceeded({ status: "Invalid HTTP Response: 401", status_code: 401 })).toBe(false);
    expect(deliverySucceeded({ status: "timed out", status_code: 0 })).toBe(false);
  });
});

describe("bounds", () => {
  test("at most maxRedeliveries per run, the oldest first; the rest are deferred to the next run", async () => {
    delivery("newest", 1, FAILED);
    delivery("oldest", 30, FAILED);
    delivery("middle", 20, FAILED);
    const { report } = await sweep({ maxRedeliveries: 2 });
    expect(report.redelivered).toEqual(["oldest", "middle"]);
    expect(report.deferred).toBe(1);
    const next = (await sweep({ maxRedeliveries: 2 })).report;
    // The redeliveries failed again (the stand-in repeats the original outcome), so all three are still failing.
    expect(next.redelivered).toEqual(["oldest", "middle"]);
  });

  test("an event already delivered maxAttemptsPerEvent times is left alone", async () => {
    for (let i = 0; i < 3; i++) delivery("poison", 10 - i, FAILED);
    delivery("fresh", 2, FAILED);
    const { report } = await sweep({ maxAttemptsPerEvent: 3 });
    expect(report).toMatchObject({ failedEvents: 2, exhausted: 1, redelivered: ["fresh"] });
  });

  test("at most maxPages pages are listed", async () => {
    delivery("unseen", 65, FAILED); // the oldest: on the second page
    for (let i = 0; i < 150; i++) delivery(`ok-${i}`, 60 - i * 0.1, OK);
    const { report } = await sweep({ maxPages: 1 });
    expect(report).toMatchObject({ pages: 1, listed: 100, stopped: "page_limit", redelivered: [] });
  });
});

describe("GitHub errors and rate limits", () => {
  test("a failed listing stops the run without redelivering anything, and is counted", async () => {
    delivery("x", 2, FAILED);
    standIn.failNext({ method: "GET", pathPrefix: "/api/v3/app/hook/deliveries", status: 500, body: { message: "Server Error" } });
    const metrics = new VouchMetrics({ defaultMetrics: false });
    const { report, capture } = await sweep({}, metrics);
    expect(report).toMatchObject({ pages: 0, redelivered: [], stopped: "listing_failed" });
    expect(standIn.state.redeliveries).toEqual([]);
    expect(capture.text).toContain("listing webhook deliveries failed");
    expect((await metrics.exposition()).body).toContain('vouch_failures_total{kind="sweep"} 1');
  });

  test("a refused redelivery (422) is reported and the others still go", async () => {
    delivery("first", 5, FAILED);
    delivery("second", 4, FAILED);
    standIn.failNext({ method: "POST", pathPrefix: "/api/v3/app/hook/deliveries/", status: 422, body: { message: "Validation Failed" } });
    const metrics = new VouchMetrics({ defaultMetrics: false });
    const { report } = await sweep({}, metrics);
    expect(report.refused).toEqual([{ guid: "first", status: 422 }]);
    expect(report.redelivered).toEqual(["second"]);
    expect(report.stopped).toBeUndefined();
    const body = (await metrics.exposition()).body;
    expect(body).toContain('vouch_redeliveries_requested_total{outcome="requested"} 1');
    expect(body).toContain('vouch_redeliveries_requested_total{outcome="failed"} 1');
  });

  test("a secondary rate limit (403 with retry-after) stops the run instead of pressing on", async () => {
    delivery("r1", 7, FAILED);
    delivery("r2", 6, FAILED);
    delivery("r3", 5, FAILED);
    standIn.failNext({
      method: "POST",
      pathPrefix: "/api/v3/app/hook/deliveries/",
      status: 403,
      headers: { "retry-after": "60" },
      body: { message: "You have exceeded a secondary rate limit" },
    });
    const { report } = await sweep();
    expect(report).toMatchObject({ redelivered: [], refused: [{ guid: "r1", status: 403 }], stopped: "rate_limited", deferred: 2 });
    expect(standIn.requests({ method: "POST", pathPrefix: "/api/v3/app/hook/deliveries/" })).toHaveLength(1);
  });

  test("a primary rate limit on the listing (403, remaining 0) stops the run", async () => {
    delivery("y", 5, FAILED);
    standIn.failNext({
      method: "GET",
      pathPrefix: "/api/v3/app/hook/deliveries",
      status: 403,
      headers: { "x-ratelimit-remaining": "0", "x-ratelimit-reset": String(Math.floor(Date.now() / 1000) + 600) },
      body: { message: "API rate limit exceeded" },
    });
    const { report } = await sweep();
    expect(report).toMatchObject({ stopped: "rate_limited", redelivered: [] });
  });

  test("GitHub answering 5xx to every redelivery: the run gives up after five in a row", async () => {
    for (let i = 0; i < 8; i++) delivery(`s${i}`, 10 - i, FAILED);
    standIn.failNext({ method: "POST", pathPrefix: "/api/v3/app/hook/deliveries/", status: 502, count: 8 });
    const { report } = await sweep();
    expect(report.refused).toHaveLength(5);
    expect(report).toMatchObject({ stopped: "github_unavailable", redelivered: [], deferred: 3 });
  });

  test("a response saying few requests remain stops the run after that request", async () => {
    // A client whose answers say only 10 requests remain: the listing is the last request made.
    const scarce: SweepClient = {
      request: async (route, params) => {
        const answer = await client.request(route, params);
        return { ...answer, headers: { ...answer.headers, "x-ratelimit-remaining": "10" } };
      },
    };
    delivery("z", 5, FAILED);
    const report = await sweepFailedDeliveries({ client: scarce, now: () => NOW, log: pino({ level: "silent" }) });
    expect(report).toMatchObject({ pages: 1, stopped: "rate_limited", redelivered: [] });
  });
});

describe("helpers", () => {
  test("the next cursor comes from the Link header", () => {
    expect(nextCursor('<https://api.github.com/app/hook/deliveries?per_page=100&cursor=v1_123>; rel="next"')).toBe("v1_123");
    expect(nextCursor('<https://api.github.com/app/hook/deliveries?cursor=v1_9>; rel="prev"')).toBeUndefined();
    expect(nextCursor(undefined)).toBeUndefined();
  });

  test("the sweep settings: durations, bounds, and errors that name the variable", () => {
    expect(parseSweepConfig({})).toMatchObject({ intervalMs: undefined, limits: { windowMs: 72 * HOUR, maxRedeliveries: 100, maxPages: 50 } });
    expect(parseSweepConfig({ VOUCH_SWEEP_INTERVAL: "600" }).intervalMs).toBe(600_000);
    expect(parseSweepConfig({ VOUCH_SWEEP_INTERVAL: "15m" }).intervalMs).toBe(900_000);
    expect(parseSweepConfig({ VOUCH_SWEEP_INTERVAL: "1h", VOUCH_SWEEP_WINDOW_HOURS: "168" })).toMatchObject({ intervalMs: HOUR, limits: { windowMs: 168 * HOUR } });
    expect(parseSweepConfig({ VOUCH_SWEEP_INTERVAL: "0" }).intervalMs).toBeUndefined();
    expect(() => parseSweepConfig({ VOUCH_SWEEP_INTERVAL: "5s" })).toThrow(ConfigError);
    expect(() => parseSweepConfig({ VOUCH_SWEEP_INTERVAL: "often" })).toThrow(/VOUCH_SWEEP_INTERVAL/);
    expect(() => parseSweepConfig({ VOUCH_SWEEP_MAX_REDELIVERIES: "0" })).toThrow(/VOUCH_SWEEP_MAX_REDELIVERIES must be a whole number from 1/);
  });

  test("the server's sweeper runs on its interval with the app client, and is off without one", async () => {
    expect(startServerSweeper({ config: { intervalMs: undefined, limits: DEFAULT_SWEEP_LIMITS }, client: async () => client, log: pino({ level: "silent" }) })).toBeUndefined();
    const failed = standIn.state.addDelivery({ guid: "timer", event: "push", deliveredAt: new Date(Date.now() - HOUR).toISOString(), ...FAILED });
    standIn.state.onRedeliver = async () => ({ ...OK, deliveredAt: new Date().toISOString() });
    const metrics = new VouchMetrics({ defaultMetrics: false });
    const capture = new LogCapture();
    const schedule = startServerSweeper({ config: { intervalMs: 40, limits: DEFAULT_SWEEP_LIMITS }, client: async () => client, log: pino(capture), metrics });
    const deadline = Date.now() + 5_000;
    while (standIn.state.redeliveries.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    await new Promise((r) => setTimeout(r, 150)); // later runs find the redelivery succeeded
    await schedule!.stop();
    expect(standIn.state.redeliveries).toEqual([failed.id]);
    expect((await metrics.exposition()).body).toContain('vouch_redeliveries_requested_total{outcome="requested"} 1');
    expect(capture.records().filter((r) => r.msg === "sweeper: run finished").length).toBeGreaterThanOrEqual(2);
    expect(capture.records().every((r) => r.name === "sweeper")).toBe(true);
  });

  test("the timer never overlaps runs and stop waits for the one in progress", async () => {
    let running = 0;
    let overlapped = false;
    let runs = 0;
    const schedule = scheduleSweeps(
      20,
      async () => {
        runs++;
        if (running > 0) overlapped = true;
        running++;
        await new Promise((r) => setTimeout(r, 70));
        running--;
        if (runs === 2) throw new Error("GitHub unreachable");
      },
      pino({ level: "silent" }),
    );
    await new Promise((r) => setTimeout(r, 300));
    await schedule.stop();
    expect(running).toBe(0);
    expect(overlapped).toBe(false);
    expect(runs).toBeGreaterThanOrEqual(2); // a failed run does not stop the schedule
    const after = runs;
    await new Promise((r) => setTimeout(r, 60));
    expect(runs).toBe(after);
  });
});
