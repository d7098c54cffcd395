/**
 * With REDIS_URL, Probot's Octokit throttling keeps its Bottleneck limiters in Redis, so workers in
 * different processes share GitHub's pacing, and the lanes stay per installation (the throttle id
 * set in src/github/octokit.ts), not one "no-id" lane for everything. Checked on a real worker
 * process with throttling on. Unreachable Redis: skipped with a message, except under CI=true.
 */
import { afterAll, beforeAll, expect } from "@jest/globals";
import { randomUUID } from "node:crypto";
import { Redis } from "ioredis";
import { startHarness, type Harness } from "./harness.js";
import { deleteQueueKeys, redisProblem, SHARED_REDIS_URL, uniqueQueueName } from "../helpers/redis.js";
import { spawnWorker, stopWorker, type WorkerProcess } from "./worker-process.js";
import { testWithServices } from "../helpers/services.js";

const problem = await redisProblem();
const t = testWithServices(problem, "the shared-throttling test");

const queueName = uniqueQueueName("throttle");
let h: Harness;
let worker: WorkerProcess | undefined;

beforeAll(async () => {
  if (problem !== null) return;
  h = await startHarness({ env: { REDIS_URL: SHARED_REDIS_URL, VOUCH_QUEUE_NAME: queueName }, overrides: { role: "ingress" } });
}, 60_000);
afterAll(async () => {
  await stopWorker(worker, "SIGTERM");
  await h?.close();
  await deleteQueueKeys(queueName);
});

t("a throttled worker keeps its per-installation limiters in Redis and still completes the check", async () => {
  const installation = h.standIn.installationId;
  worker = spawnWorker({ ...h.env, VOUCH_GITHUB_THROTTLE: "true" });
  await worker.ready;
  const dir = await h.repoWithPolicy("paced", "version: 1\nsecrets:\n  enabled: false\n");
  const pr = await h.openPullRequest("paced", dir, "p1", { "p.txt": "p\n" });
  expect((await h.deliver("pull_request", h.pullRequestPayload("paced", pr), { id: randomUUID() })).status).toBe(202);
  expect((await h.completedRun("paced", pr.head.sha, 45_000)).conclusion).toBe("success");

  const redis = new Redis(SHARED_REDIS_URL);
  try {
    const keys = await redis.keys(`b_octokit-*installation-${installation}*`);
    expect(keys.some((k) => k.startsWith(`b_octokit-global-installation-${installation}_`))).toBe(true);
    expect(keys.some((k) => k.startsWith(`b_octokit-write-installation-${installation}_`))).toBe(true);
  } finally {
    redis.disconnect();
  }
  expect(worker.lines.join("\n")).not.toMatch(/"source":"bottleneck"/);
}, 90_000);
