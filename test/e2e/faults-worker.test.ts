/**
 * Worker processes die or are told to stop: a real `vouch serve --role worker` is killed with
 * SIGKILL in the middle of its jobs, another takes them over; and SIGTERM lets running jobs
 * finish before the process exits. Every accepted delivery ends in exactly one completed check
 * run and one ledger evaluation. Unreachable Redis or PostgreSQL: skipped, except under CI=true.
 */
import { afterAll, beforeAll, expect, test } from "@jest/globals";
import { randomUUID } from "node:crypto";
import { OWNER, startHarness, type Harness } from "./harness.js";
import { deleteQueueKeys, redisProblem, SHARED_REDIS_URL, uniqueQueueName } from "../helpers/redis.js";
import { dropSchema, expectExactlyOnce, postgresProblem, provenanceEntries, SHARED_PG_URL, uniqueSchema } from "./scale-helpers.js";
import { spawnWorker, stopWorker, waitFor, type WorkerProcess } from "./worker-process.js";
import { describeWithServices } from "../helpers/services.js";

const problem = (await redisProblem()) ?? (await postgresProblem());
const d = describeWithServices(problem, "the worker fault tests");

const POLICY = "version: 1\nsecrets:\n  enabled: false\n";

d("worker processes killed or stopped", () => {
  const queueName = uniqueQueueName("faults-worker");
  const schema = uniqueSchema("faults_worker");
  let h: Harness;
  let dir: string;
  const workers: WorkerProcess[] = [];

  beforeAll(async () => {
    h = await startHarness({
      env: {
        REDIS_URL: SHARED_REDIS_URL,
        VOUCH_QUEUE_NAME: queueName,
        DATABASE_URL: SHARED_PG_URL,
        VOUCH_LEDGER_SCHEMA: schema,
        VOUCH_RETRY_DELAY_MS: "20",
        // A dead worker's jobs are taken over after about this long.
        VOUCH_JOB_LOCK_MS: "1500",
        VOUCH_GITHUB_TIMEOUT_MS: "30000",
        LOG_LEVEL: "debug",
      },
      overrides: { role: "ingress" },
    });
    dir = await h.repoWithPolicy("killed", POLICY);
  }, 60_000);
  afterAll(async () => {
    for (const w of workers) await stopWorker(w);
    await h?.close();
    await deleteQueueKeys(queueName);
    await dropSchema(schema);
  });

  function startWorker(): WorkerProcess {
    const w = spawnWorker({ ...h.env, LOG_LEVEL: "info" });
    workers.push(w);
    return w;
  }

  /** Opens pull requests and delivers them; returns what must each end exactly once. */
  async function deliverPullRequests(heads: string[]) {
    const expected = [];
    for (const head of heads) {
      const pr = await h.openPullRequest("killed", dir, head, { [`${head}.txt`]: "z\n" });
      const id = randomUUID();
      expect((await h.deliver("pull_request", h.pullRequestPayload("killed", pr), { id })).status).toBe(202);
      expected.push({ repo: "killed", headSha: pr.head.sha, deliveryId: id });
    }
    return expected;
  }

  const inProgress = (shas: string[]) => () =>
    shas.every((sha) => h.standIn.checkRuns(OWNER, "killed").some((r) => r.headSha === sha && r.status === "in_progress"));

  test("a worker killed with SIGKILL mid-job: another worker takes its jobs over, each ends exactly once", async () => {
    // The policy reads hang, so the jobs are surely in flight (check run in progress) when the worker dies.
    h.standIn.failNext({ pathPrefix: "/api/v3/repos/acme/killed/contents/", status: 0, hangMs: 60_000, count: 3 });
    const first = startWorker();
    await first.ready;
    const expected = await deliverPullRequests(["k1", "k2", "k3"]);
    await waitFor(inProgress(expected.map((e) => e.headSha)), "three check runs in progress");
    await waitFor(() => h.standIn.requests({ pathPrefix: "/api/v3/repos/acme/killed/contents/" }).filter((r) => r.status === 0).length === 3, "three jobs waiting on GitHub");
    await stopWorker(first, "SIGKILL");
    expect(first.child.signalCode).toBe("SIGKILL");
    expect(h.standIn.checkRuns(OWNER, "killed").filter((r) => r.status === "completed")).toHaveLength(0);

    const second = startWorker();
    await second.ready;
    for (const e of expected) expect((await h.completedRun("killed", e.headSha, 30_000)).conclusion).toBe("success");
    await h.server.queue!.onIdle();
    expectExactlyOnce(h.standIn, OWNER, expected, await provenanceEntries(SHARED_PG_URL, schema));
    await stopWorker(second, "SIGKILL");
  }, 90_000);

  test("SIGTERM: the worker stops taking jobs, finishes the running one, then exits 0", async () => {
    h.standIn.failNext({ pathPrefix: "/api/v3/repos/acme/killed/contents/", delayMs: 1500, count: 1 });
    const worker = startWorker();
    await worker.ready;
    // The policy read is answered only after 1.5 s: the signal arrives while the job waits for it.
    const [running] = await deliverPullRequests(["t1"]);
    await waitFor(inProgress([running!.headSha]), "the job in flight");
    worker.child.kill("SIGTERM");
    const code = await worker.exited;
    expect(code).toBe(0);
    // Finished before the process exited: nothing was left for another worker.
    const run = h.standIn.checkRuns(OWNER, "killed").find((r) => r.headSha === running!.headSha);
    expect(run?.status).toBe("completed");
    expect(worker.lines.join("\n")).toContain("Vouch stopped");
    expectExactlyOnce(h.standIn, OWNER, [running!], await provenanceEntries(SHARED_PG_URL, schema));
  }, 60_000);
});
