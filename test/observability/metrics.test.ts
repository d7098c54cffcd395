import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, test } from "@jest/globals";
import nock from "nock";
import { VouchMetrics, eventLabel } from "../../src/observability/metrics.js";
import { instrumentHandler, instrumentLedger } from "../../src/observability/instrument.js";
import { currentDelivery, withDelivery } from "../../src/observability/delivery-context.js";
import { InProcessQueue } from "../../src/queue/in-process.js";
import { createOctokitClass } from "../../src/github/octokit.js";
import { SqliteLedger } from "../../src/ledger/sqlite.js";
import { entry, testKeys } from "../ledger/helpers.js";

const silent = { info: () => undefined, warn: () => undefined, error: () => undefined, debug: () => undefined };

/** The value of one series in the exposition, or undefined when it is absent. */
async function sample(metrics: VouchMetrics, name: string, labels: Record<string, string> = {}): Promise<number | undefined> {
  const metric = await metrics.registry.getSingleMetric(name)?.get();
  const found = metric?.values.find((v) => Object.entries(labels).every(([k, want]) => String((v.labels as Record<string, unknown>)[k]) === want));
  return found?.value;
}

afterEach(() => {
  nock.cleanAll();
});

describe("VouchMetrics", () => {
  test("each instance has its own registry, so two servers in one process never collide", async () => {
    const a = new VouchMetrics();
    const b = new VouchMetrics();
    a.deliveryReceived("push");
    a.deliveryReceived("push");
    b.deliveryReceived("push");
    expect(await sample(a, "vouch_webhook_deliveries_received_total", { event: "push" })).toBe(2);
    expect(await sample(b, "vouch_webhook_deliveries_received_total", { event: "push" })).toBe(1);
    const { body, contentType } = await a.exposition();
    expect(contentType).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(body).toContain('vouch_webhook_deliveries_received_total{event="push"} 2');
    // Process metrics come from prom-client's default collectors, registered per instance too.
    expect(body).toContain("process_cpu_user_seconds_total");
  });

  test("event labels are bounded: a forged event name is counted as other", async () => {
    expect(eventLabel("pull_request")).toBe("pull_request");
    expect(eventLabel("made_up_event_name")).toBe("other");
    expect(eventLabel(undefined)).toBe("unknown");
    const m = new VouchMetrics({ defaultMetrics: false });
    for (let i = 0; i < 50; i++) m.deliveryRejected("bad_signature", `forged_${i}`);
    const values = (await m.registry.getSingleMetric("vouch_webhook_deliveries_rejected_total")!.get()).values;
    expect(values).toEqual([{ labels: { event: "other", reason: "bad_signature" }, value: 50 }]);
  });

  test("evaluation latency runs from the delivery's acceptance to the completed check", async () => {
    let now = 10_000;
    const m = new VouchMetrics({ now: () => now, defaultMetrics: false });
    // Outside a delivery nothing is observed: there is no acceptance time to measure from.
    m.checkCompleted("success");
    withDelivery({ deliveryId: "d-1", event: "pull_request", acceptedAt: 7_500 }, () => m.checkCompleted("success"));
    now = 40_000;
    withDelivery({ deliveryId: "d-2", event: "push", acceptedAt: 39_000 }, () => m.checkCompleted("failure"));
    const { body } = await m.exposition();
    expect(body).toContain('vouch_evaluation_latency_seconds_sum{event="pull_request",conclusion="success"} 2.5');
    expect(body).toContain('vouch_evaluation_latency_seconds_bucket{le="2",event="pull_request",conclusion="success"} 0');
    expect(body).toContain('vouch_evaluation_latency_seconds_bucket{le="5",event="pull_request",conclusion="success"} 1');
    expect(body).toContain('vouch_evaluation_latency_seconds_count{event="push",conclusion="failure"} 1');
  });

  test("rate-limit remaining is the lowest live reading per resource; readings past their reset are dropped", async () => {
    let now = 1_000_000;
    const m = new VouchMetrics({ now: () => now, defaultMetrics: false });
    const reset = (s: number) => String(Math.floor(now / 1000) + s);
    m.githubResponse("get", 200, { "x-ratelimit-remaining": "4000", "x-ratelimit-reset": reset(60), "x-ratelimit-resource": "core" }, "installation-1");
    m.githubResponse("get", 200, { "x-ratelimit-remaining": "120", "x-ratelimit-reset": reset(30), "x-ratelimit-resource": "core" }, "installation-2");
    m.githubResponse("post", 200, { "x-ratelimit-remaining": "4999", "x-ratelimit-reset": reset(60), "x-ratelimit-resource": "graphql" }, "installation-1");
    m.githubResponse("get", 304, {}, "app");
    expect(await sample(m, "vouch_github_rate_limit_remaining", { resource: "core" })).toBe(120);
    expect(await sample(m, "vouch_github_rate_limit_remaining", { resource: "graphql" })).toBe(4999);
    expect(await sample(m, "vouch_github_requests_total", { method: "GET", status: "200" })).toBe(2);
    expect(await sample(m, "vouch_github_requests_total", { method: "GET", status: "304" })).toBe(1);
    now += 45_000; // installation-2's window reset: its low reading no longer applies
    expect(await sample(m, "vouch_github_rate_limit_remaining", { resource: "core" })).toBe(4000);
  });
});

describe("queue depth", () => {
  test("the in-process queue reports waiting, active and delayed jobs at each scrape", async () => {
    const m = new VouchMetrics({ defaultMetrics: false });
    expect(await sample(m, "vouch_queue_jobs", { state: "waiting" })).toBeUndefined();
    const release: Array<() => void> = [];
    let failOnce = true;
    const queue = new InProcessQueue({
      concurrency: 1,
      log: silent,
      // Long enough that the retry is still waiting when the depth is read below.
      backoffMs: () => 2_000,
      handler: async (job) => {
        if (job.id === "fails" && failOnce) {
          failOnce = false;
          throw new Error("transient");
        }
        await new Promise<void>((resolve) => release.push(resolve));
      },
    });
    m.watchQueue(queue);
    await queue.enqueue({ id: "fails", name: "push", payload: {} });
    await new Promise((r) => setImmediate(r));
    await queue.enqueue({ id: "a", name: "push", payload: {} });
    await queue.enqueue({ id: "b", name: "push", payload: {} });
    await queue.enqueue({ id: "c", name: "push", payload: {} });
    expect(await sample(m, "vouch_queue_jobs", { state: "delayed" })).toBe(1);
    expect(await sample(m, "vouch_queue_jobs", { state: "active" })).toBe(1);
    expect(await sample(m, "vouch_queue_jobs", { state: "waiting" })).toBe(2);
    expect(queue.depth()).toEqual({ waiting: 2, active: 1, delayed: 1 });
    while (release.length > 0) {
      release.shift()!();
      await new Promise((r) => setImmediate(r));
    }
    expect(queue.depth()).toEqual({ waiting: 0, active: 0, delayed: 1 });
    const closed = queue.close();
    await new Promise((r) => setTimeout(r, 2_100));
    release.shift()?.();
    await closed;
    expect(queue.depth()).toEqual({ waiting: 0, active: 0, delayed: 0 });
  });

  test("an asynchronous source (as BullMQ's getJobCounts is) is awaited; several sources are summed", async () => {
    const m = new VouchMetrics({ defaultMetrics: false });
    m.watchQueue({ depth: async () => ({ waiting: 5, active: 2, delayed: 1 }) });
    m.watchQueue({ depth: () => ({ waiting: 1, active: 0, delayed: 3 }) });
    const { body } = await m.exposition();
    expect(body).toContain('vouch_queue_jobs{state="waiting"} 6');
    expect(body).toContain('vouch_queue_jobs{state="active"} 2');
    expect(body).toContain('vouch_queue_jobs{state="delayed"} 4');
  });
});

describe("job outcomes", () => {
  test("the in-process queue reports each attempt's outcome; a job that gives up counts as a failure", async () => {
    const m = new VouchMetrics({ defaultMetrics: false });
    const queue = new InProcessQueue({
      concurrency: 2,
      log: silent,
      maxAttempts: 2,
      backoffMs: () => 1,
      onOutcome: (outcome, job) => m.jobOutcome(outcome, job.name),
      handler: async (job) => {
        if (job.id === "bad") throw new Error("always fails");
      },
    });
    await queue.enqueue({ id: "good", name: "push", payload: {} });
    await queue.enqueue({ id: "bad", name: "pull_request", payload: {} });
    await queue.close();
    expect(await sample(m, "vouch_jobs_total", { event: "push", outcome: "completed" })).toBe(1);
    expect(await sample(m, "vouch_jobs_total", { event: "pull_request", outcome: "retry" })).toBe(1);
    expect(await sample(m, "vouch_jobs_total", { event: "pull_request", outcome: "failed" })).toBe(1);
    expect(await sample(m, "vouch_failures_total", { kind: "delivery_gave_up" })).toBe(1);
  });
});

describe("instrumented handler and ledger", () => {
  test("the handler runs inside the delivery's scope and failed attempts are counted", async () => {
    const m = new VouchMetrics({ defaultMetrics: false });
    const seen: unknown[] = [];
    const handler = instrumentHandler(async (job) => {
      await new Promise((r) => setTimeout(r, 1));
      seen.push(currentDelivery());
      if (job.name === "push") throw new Error("boom");
    }, m);
    await handler({ id: "id-1", name: "pull_request", payload: {}, acceptedAt: 5 });
    await expect(handler({ id: "id-2", name: "push", payload: {} })).rejects.toThrow("boom");
    expect(seen).toEqual([
      { deliveryId: "id-1", event: "pull_request", acceptedAt: 5 },
      { deliveryId: "id-2", event: "push", acceptedAt: undefined },
    ]);
    expect(currentDelivery()).toBeUndefined();
    expect(await sample(m, "vouch_failures_total", { kind: "delivery_attempt" })).toBe(1);
  });

  test("ledger appends are counted by kind, a repeated evaluation as a duplicate", async () => {
    const dir = mkdtempSync(join(tmpdir(), "vouch-metrics-ledger-"));
    const { signer } = testKeys();
    const m = new VouchMetrics({ defaultMetrics: false });
    const ledger = instrumentLedger(new SqliteLedger(join(dir, "ledger.sqlite"), { signer }), m);
    try {
      await ledger.append(entry(signer, { n: 1 }));
      await ledger.append(entry(signer, { n: 1 }));
      await ledger.appendAll([{ ...entry(signer, { n: 2 }), kind: "violation" }, entry(signer, { n: 3 })]);
      expect(await sample(m, "vouch_ledger_appends_total", { kind: "attestation", result: "written" })).toBe(2);
      expect(await sample(m, "vouch_ledger_appends_total", { kind: "attestation", result: "duplicate" })).toBe(1);
      expect(await sample(m, "vouch_ledger_appends_total", { kind: "violation", result: "written" })).toBe(1);
      expect((await ledger.head("acme/widget"))?.count).toBe(3);
    } finally {
      await ledger.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("GitHub API request metrics", () => {
  test("every call is counted by method and status through Octokit's request hook, errors included", async () => {
    const m = new VouchMetrics({ defaultMetrics: false });
    const Octokit = createOctokitClass({ throttle: false, metrics: m });
    const octokit = new Octokit({ auth: "ghs_not_a_real_token", baseUrl: "https://api.example.test" });
    const reset = String(Math.floor(Date.now() / 1000) + 600);
    nock("https://api.example.test")
      .get("/repos/acme/widgets")
      .reply(200, { id: 1 }, { "x-ratelimit-remaining": "4321", "x-ratelimit-reset": reset, "x-ratelimit-resource": "core" })
      .get("/repos/acme/missing")
      .reply(404, { message: "Not Found" }, { "x-ratelimit-remaining": "4320", "x-ratelimit-reset": reset })
      .post("/graphql")
      .reply(200, { data: { viewer: { login: "x" } } }, { "x-ratelimit-remaining": "4990", "x-ratelimit-reset": reset, "x-ratelimit-resource": "graphql" })
      .get("/repos/acme/down")
      .replyWithError("socket hang up");
    await octokit.request("GET /repos/{owner}/{repo}", { owner: "acme", repo: "widgets" });
    await expect(octokit.request("GET /repos/{owner}/{repo}", { owner: "acme", repo: "missing" })).rejects.toMatchObject({ status: 404 });
    await octokit.graphql("query { viewer { login } }");
    await expect(octokit.request("GET /repos/{owner}/{repo}", { owner: "acme", repo: "down" })).rejects.toThrow();
    expect(await sample(m, "vouch_github_requests_total", { method: "GET", status: "200" })).toBe(1);
    expect(await sample(m, "vouch_github_requests_total", { method: "GET", status: "404" })).toBe(1);
    expect(await sample(m, "vouch_github_requests_total", { method: "POST", status: "200" })).toBe(1);
    // No answer at all is "error", not the 500 Octokit reports for it.
    expect(await sample(m, "vouch_github_requests_total", { method: "GET", status: "error" })).toBe(1);
    expect(await sample(m, "vouch_github_requests_total", { method: "GET", status: "500" })).toBeUndefined();
    expect(await sample(m, "vouch_github_rate_limit_remaining", { resource: "core" })).toBe(4320);
    expect(await sample(m, "vouch_github_rate_limit_remaining", { resource: "graphql" })).toBe(4990);
    expect(nock.isDone()).toBe(true);
  });
});
