/**
 * End to end: what an operator sees of one delivery, through the real server against the stand-in:
 * every log line written while it is handled names it and no secret appears; /metrics counts it,
 * times it to its completed check, and counts the API calls and ledger entries it caused.
 */
import { afterAll, beforeAll, describe, expect, test } from "@jest/globals";
import { randomUUID } from "node:crypto";
import { startHarness, WEBHOOK_SECRET, type Harness } from "./harness.js";

const POLICY = `version: 1
namespaces:
  - name: main
    refs: [refs/heads/main]
secrets:
  enabled: false
`;
const CANARY = "OBSERVABILITY-PAYLOAD-CANARY-2c7d";

let h: Harness;
let dir: string;

beforeAll(async () => {
  h = await startHarness({ env: { LOG_LEVEL: "debug" } });
  dir = await h.repoWithPolicy("observed", POLICY);
});

afterAll(async () => {
  await h?.close();
});

async function metricsText(): Promise<string> {
  const res = await fetch(`${h.server.url}/metrics`);
  expect(res.status).toBe(200);
  return res.text();
}

function value(text: string, series: string): number | undefined {
  const line = text.split("\n").find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe("one delivery, observed", () => {
  test("every line logged while handling it carries its delivery id; no payload or secret is logged", async () => {
    const pr = await h.openPullRequest("observed", dir, "feature", { "src/a.ts": "export const a = 1;\n" });
    const payload = { ...h.pullRequestPayload("observed", pr), canary: CANARY };
    const id = randomUUID();
    const from = h.logLines.length;
    expect((await h.deliver("pull_request", payload, { id })).status).toBe(202);
    const run = await h.completedRun("observed", pr.head.sha);
    expect(run.conclusion).toBe("success");
    // Let the last lines (the queue's "processed") be written.
    await new Promise((r) => setTimeout(r, 200));

    const records = h.logLines.slice(from).map((l) => JSON.parse(l) as Record<string, unknown>);
    // Debug level: Probot's and Octokit's own lines are included, not just Vouch's.
    expect(records.length).toBeGreaterThan(5);
    expect(records.some((r) => r.name === "octokit" || r.name === "github" || String(r.msg).match(/^(GET|POST|PATCH) /))).toBe(true);
    const without = records.filter((r) => r.deliveryId !== id);
    expect(without).toEqual([]);

    const text = h.logLines.join("");
    expect(text).not.toContain(CANARY);
    expect(text).not.toContain(WEBHOOK_SECRET);
    expect(text).not.toMatch(/ghs_[A-Za-z0-9_-]{16,}/); // installation tokens
    expect(text).not.toMatch(/eyJhbGciOi/); // the app's JWT
    expect(text).not.toContain("PRIVATE KEY");
  });

  test("/metrics counts the delivery, times it to the completed check, and counts its API calls and ledger entries", async () => {
    const before = await metricsText();
    const pr = await h.openPullRequest("observed", dir, "second", { "src/b.ts": "export const b = 2;\n" });
    expect((await h.deliver("pull_request", h.pullRequestPayload("observed", pr))).status).toBe(202);
    await h.completedRun("observed", pr.head.sha);
    expect((await h.deliver("pull_request", { zen: "x" }, { secret: "forged-secret" })).status).toBe(401);
    await new Promise((r) => setTimeout(r, 100));
    const after = await metricsText();

    const delta = (series: string) => (value(after, series) ?? 0) - (value(before, series) ?? 0);
    expect(delta('vouch_webhook_deliveries_received_total{event="pull_request"}')).toBe(2);
    expect(delta('vouch_webhook_deliveries_accepted_total{event="pull_request",outcome="queued"}')).toBe(1);
    expect(delta('vouch_webhook_deliveries_rejected_total{event="pull_request",reason="bad_signature"}')).toBe(1);
    expect(delta('vouch_evaluation_latency_seconds_count{event="pull_request",conclusion="success"}')).toBe(1);
    expect(delta('vouch_jobs_total{event="pull_request",outcome="completed"}')).toBe(1);
    expect(delta('vouch_ledger_appends_total{kind="attestation",result="written"}')).toBe(2); // provenance and VSA
    expect(delta('vouch_github_requests_total{method="PATCH",status="200"}')).toBeGreaterThanOrEqual(1);
    expect(delta('vouch_github_requests_total{method="POST",status="201"}')).toBeGreaterThanOrEqual(1);
    expect(value(after, 'vouch_queue_jobs{state="waiting"}')).toBe(0);
    expect(value(after, 'vouch_queue_jobs{state="active"}')).toBe(0);
  });

  test("/readyz reports the ledger; /healthz answers", async () => {
    const ready = await fetch(`${h.server.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ ready: true, draining: false, checks: { ledger: "ok" } });
    expect((await fetch(`${h.server.url}/healthz`)).status).toBe(200);
  });
});
