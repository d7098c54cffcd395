/**
 * Scaled out, a pull-request job whose pull request has since moved to a newer head is dropped:
 * the newer head's own delivery gives the verdict. Deliveries may arrive out of order; what counts
 * is the payload's `pull_request.updated_at`. Unreachable Redis: skipped, except under CI=true.
 */
import { afterAll, beforeAll, expect } from "@jest/globals";
import { randomUUID } from "node:crypto";
import { Writable } from "node:stream";
import { startFromEnv, type RunningServer } from "../../src/server/main.js";
import { OWNER, startHarness, type Harness } from "./harness.js";
import { checkout, commitFiles, push } from "../helpers/git.js";
import { deleteQueueKeys, redisProblem, SHARED_REDIS_URL, uniqueQueueName } from "../helpers/redis.js";
import { testWithServices } from "../helpers/services.js";

const problem = await redisProblem();
const t = testWithServices(problem, "the superseded-head test");

const queueName = uniqueQueueName("superseded");
let h: Harness;
let worker: RunningServer | undefined;
const workerLog: string[] = [];

beforeAll(async () => {
  if (problem !== null) return;
  // Only an ingress at first: the jobs wait in Redis until a worker starts.
  h = await startHarness({ env: { REDIS_URL: SHARED_REDIS_URL, VOUCH_QUEUE_NAME: queueName }, overrides: { role: "ingress" } });
}, 60_000);
afterAll(async () => {
  await worker?.close();
  await h?.close();
  await deleteQueueKeys(queueName);
});

t("an older head's job is dropped once a newer head was announced, even when the newer delivery arrived first", async () => {
  const dir = await h.repoWithPolicy("moving", "version: 1\nsecrets:\n  enabled: false\n");
  const pr = await h.openPullRequest("moving", dir, "feature", { "a.txt": "a\n" });
  // The stand-in updates its pull request record in place when the head moves: keep the old head.
  const oldHead = pr.head.sha;
  const opened = { ...h.pullRequestPayload("moving", pr, "opened") } as { pull_request: Record<string, unknown> };
  opened.pull_request = { ...opened.pull_request, updated_at: "2026-01-01T10:00:00Z" };

  await checkout(dir, "feature");
  await commitFiles(dir, { "b.txt": "b\n" }, "more");
  await push(dir, h.standIn.state.repo(OWNER, "moving")!.gitDir, ["feature"]);
  await checkout(dir, "main");
  const moved = await h.standIn.refreshPullRequest(OWNER, "moving", pr.number);
  const synchronize = { ...h.pullRequestPayload("moving", moved, "synchronize") } as { pull_request: Record<string, unknown> };
  synchronize.pull_request = { ...synchronize.pull_request, updated_at: "2026-01-01T10:00:07Z" };

  // The newer head's delivery arrives first, the older one after it.
  expect((await h.deliver("pull_request", synchronize, { id: randomUUID() })).status).toBe(202);
  expect((await h.deliver("pull_request", opened, { id: randomUUID() })).status).toBe(202);

  worker = await startFromEnv(h.env, { role: "worker", logDestination: new Writable({ write: (c, _e, done) => void (workerLog.push(String(c)), done()) }) });
  expect((await h.completedRun("moving", moved.head.sha)).conclusion).toBe("success");
  await worker.queue!.onIdle();
  expect(moved.head.sha).not.toBe(oldHead);
  expect(h.standIn.checkRuns(OWNER, "moving").filter((r) => r.headSha === oldHead)).toEqual([]);
  expect(workerLog.join("")).toContain("delivery dropped: its pull request has a newer head");
}, 60_000);
