/**
 * The BullMQ queue against the real shared Redis, one unique queue name per test (its keys are
 * deleted afterwards). Unreachable Redis: skipped with a message, except under CI=true.
 */
import { afterEach, expect, test } from "@jest/globals";
import pino from "pino";
import { BullMqQueue, type BullMqOutcome, type BullMqQueueOptions } from "../../src/queue/bullmq.js";
import type { DeliveryJob, JobHandler } from "../../src/queue/types.js";
import { LogCapture } from "../server/log-capture.js";
import { deleteQueueKeys, redisProblem, SHARED_REDIS_URL, uniqueQueueName } from "../helpers/redis.js";
import { describeWithServices } from "../helpers/services.js";

const problem = await redisProblem();
const d = describeWithServices(problem, "the BullMQ queue tests");

const SECRET_MARK = "payload-secret-marker";

function job(id: string, extra: Record<string, unknown> = {}): DeliveryJob {
  return { id, name: "issues", payload: { mark: SECRET_MARK, ...extra } };
}

function prJob(id: string, sha: string, updatedAt: string, number = 7): DeliveryJob {
  return { id, name: "pull_request", payload: { action: "synchronize", repository: { id: 42 }, pull_request: { number, updated_at: updatedAt, head: { sha } } } };
}

function rateLimited(retryAfter: string): Error {
  return Object.assign(new Error("You have exceeded a secondary rate limit"), { status: 403, response: { headers: { "retry-after": retryAfter } } });
}

const opened: BullMqQueue[] = [];
const names: string[] = [];

async function open(handler: JobHandler | undefined, options: Partial<BullMqQueueOptions> & { queueName?: string } = {}) {
  const capture = new LogCapture();
  const outcomes: Array<[BullMqOutcome, string]> = [];
  const queueName = options.queueName ?? uniqueQueueName("unit");
  if (!names.includes(queueName)) names.push(queueName);
  const queue = await BullMqQueue.open({
    redisUrl: SHARED_REDIS_URL,
    queueName,
    log: pino({ level: "debug" }, capture),
    retryDelayMs: 10,
    lockMs: 2000,
    concurrency: 2,
    onOutcome: (o, j) => void outcomes.push([o, j.id]),
    ...(handler ? { handler } : {}),
    ...options,
  });
  opened.push(queue);
  return { queue, capture, outcomes, queueName };
}

afterEach(async () => {
  await Promise.all(opened.splice(0).map((q) => q.close()));
  await Promise.all(names.splice(0).map((n) => deleteQueueKeys(n)));
});

d("BullMqQueue", () => {
  test("runs each job once; a redelivery of the same id is a duplicate, before and after completion", async () => {
    const seen: string[] = [];
    const { queue, capture } = await open(async (j) => void seen.push(j.id));
    expect(await queue.enqueue(job("a"))).toBe("queued");
    expect(await queue.enqueue(job("a"))).toBe("duplicate");
    expect(await queue.enqueue(job("b"))).toBe("queued");
    await queue.onIdle();
    expect(await queue.enqueue(job("a"))).toBe("duplicate");
    await queue.onIdle();
    expect(seen.sort()).toEqual(["a", "b"]);
    expect(capture.text).not.toContain(SECRET_MARK);
  });

  test("a burst of concurrent redeliveries of one id makes exactly one job", async () => {
    let runs = 0;
    const { queue } = await open(async () => void runs++);
    const outcomes = await Promise.all(Array.from({ length: 20 }, () => queue.enqueue(job("burst"))));
    expect(outcomes.filter((o) => o === "queued")).toHaveLength(1);
    await queue.onIdle();
    expect(runs).toBe(1);
  });

  test("a failing job is retried with backoff until it succeeds", async () => {
    let calls = 0;
    const { queue, outcomes, capture } = await open(async () => {
      if (++calls < 3) throw Object.assign(new Error("Server Error"), { status: 502, payloadLeak: SECRET_MARK });
    });
    await queue.enqueue(job("flaky"));
    await queue.onIdle();
    expect(calls).toBe(3);
    expect(outcomes.map(([o]) => o)).toEqual(["retry", "retry", "completed"]);
    expect(capture.text).toContain("delivery failed; will retry");
    expect(capture.text).not.toContain(SECRET_MARK);
  });

  test("a job that gives up is forgotten, so a manual redelivery runs again", async () => {
    let calls = 0;
    const { queue, outcomes, capture } = await open(async () => {
      if (++calls <= 2) throw new Error("boom");
    }, { attempts: 2 });
    await queue.enqueue(job("doomed"));
    await queue.onIdle();
    await waitFor(() => outcomes.some(([o]) => o === "failed"));
    expect(capture.text).toContain("delivery failed; giving up");
    await waitFor(async () => (await queue.enqueue(job("doomed"))) === "queued");
    await queue.onIdle();
    expect(calls).toBe(3);
  });

  test("a GitHub rate limit delays the job without spending an attempt", async () => {
    let calls = 0;
    const { queue, outcomes, capture } = await open(async () => {
      calls++;
      // Wrapped as Probot does: handler errors reach the queue inside an AggregateError.
      if (calls <= 3) throw new AggregateError([new Error("wrapped", { cause: rateLimited("0") })], "handler failed");
    }, { attempts: 1 });
    await queue.enqueue(job("limited"));
    await queue.onIdle();
    expect(calls).toBe(4);
    expect(outcomes.map(([o]) => o)).toEqual(["rate_limited", "rate_limited", "rate_limited", "completed"]);
    expect(capture.text).toContain("GitHub is rate limiting; delivery delayed");
  });

  test("the delay honours retry-after", async () => {
    const times: number[] = [];
    const { queue } = await open(async () => {
      times.push(Date.now());
      if (times.length === 1) throw rateLimited("1");
    });
    await queue.enqueue(job("wait-a-second"));
    await queue.onIdle();
    expect(times).toHaveLength(2);
    expect(times[1]! - times[0]!).toBeGreaterThanOrEqual(900);
  });

  test("a pull-request job is dropped when a newer delivery announced another head, whatever the arrival order", async () => {
    const { queue: ingress, queueName } = await open(undefined);
    // Out of order: the newer head arrives first, then the older one.
    await ingress.enqueue(prJob("new", "b".repeat(40), "2026-01-01T10:00:05Z"));
    await ingress.enqueue(prJob("old", "a".repeat(40), "2026-01-01T10:00:00Z"));
    await ingress.enqueue(prJob("other-pr", "c".repeat(40), "2026-01-01T09:00:00Z", 8));
    const seen: string[] = [];
    const { queue: worker, outcomes, capture } = await open(async (j) => void seen.push(j.id), { queueName });
    await worker.onIdle();
    expect(seen.sort()).toEqual(["new", "other-pr"]);
    expect(outcomes).toContainEqual(["superseded", "old"]);
    expect(capture.text).toContain("delivery dropped: its pull request has a newer head");
  });

  test("close lets the running job finish and stops taking new ones", async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const done: string[] = [];
    const { queue } = await open(async (j) => {
      await gate;
      done.push(j.id);
    }, { concurrency: 1 });
    await queue.enqueue(job("first"));
    await queue.enqueue(job("second"));
    await waitFor(async () => {
      const depth = await queue.depth();
      return depth.active === 1 && depth.waiting === 1;
    });
    const closing = queue.close();
    setTimeout(release, 100);
    await closing;
    expect(done).toEqual(["first"]);
    await expect(queue.enqueue(job("third"))).rejects.toThrow("closed");
  });

  test("enqueue fails (for a 503) when Redis cannot be reached", async () => {
    await expect(BullMqQueue.open({ redisUrl: "redis://127.0.0.1:1", log: pino({ level: "silent" }), connectTimeoutMs: 500 })).rejects.toThrow("not reachable");
  });
});

async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 20));
  }
}
