/**
 * End to end scaled out, in-process: an ingress server and a worker server (the `vouch serve
 * --role` code paths) meet only through Redis (BullMQ) and PostgreSQL, against the GitHub
 * stand-in. Unreachable Redis or PostgreSQL: skipped with a message, except under CI=true.
 */
import { afterAll, beforeAll, expect, test } from "@jest/globals";
import { randomUUID } from "node:crypto";
import { Writable } from "node:stream";
import { startFromEnv, type RunningServer } from "../../src/server/main.js";
import { ConfigError } from "../../src/config.js";
import { OWNER, startHarness, type Harness } from "./harness.js";
import { deleteQueueKeys, redisProblem, SHARED_REDIS_URL, uniqueQueueName } from "../helpers/redis.js";
import { dropSchema, expectExactlyOnce, postgresProblem, provenanceEntries, SHARED_PG_URL, uniqueSchema } from "./scale-helpers.js";
import { describeWithServices } from "../helpers/services.js";

const problem = (await redisProblem()) ?? (await postgresProblem());
const d = describeWithServices(problem, "the scaled-out role tests");

const POLICY = "version: 1\nsecrets:\n  enabled: false\n";

d("separate ingress and worker processes", () => {
  const queueName = uniqueQueueName("roles");
  const schema = uniqueSchema("roles");
  let h: Harness;
  let worker: RunningServer;
  const workerLog: string[] = [];
  let dir: string;

  beforeAll(async () => {
    h = await startHarness({
      env: { REDIS_URL: SHARED_REDIS_URL, VOUCH_QUEUE_NAME: queueName, DATABASE_URL: SHARED_PG_URL, VOUCH_LEDGER_SCHEMA: schema },
      overrides: { role: "ingress" },
    });
    worker = await startFromEnv(h.env, {
      role: "worker",
      logDestination: new Writable({ write: (c, _e, done) => void (workerLog.push(String(c)), done()) }),
    });
    dir = await h.repoWithPolicy("scaled", POLICY);
  });
  afterAll(async () => {
    await worker?.close();
    await h?.close();
    await deleteQueueKeys(queueName);
    await dropSchema(schema);
  });

  test("the ingress only enqueues; the worker evaluates; each delivery gives one check run and one ledger evaluation", async () => {
    expect(h.server.role).toBe("ingress");
    expect(worker.role).toBe("worker");
    const expected = [];
    for (const head of ["f1", "f2"]) {
      const pr = await h.openPullRequest("scaled", dir, head, { [`${head}.txt`]: "x\n" });
      const id = randomUUID();
      expect((await h.deliver("pull_request", h.pullRequestPayload("scaled", pr), { id })).status).toBe(202);
      // A redelivery of the same event is accepted but collapsed into the same job.
      const again = await h.deliver("pull_request", h.pullRequestPayload("scaled", pr), { id });
      expect(await again.json()).toEqual({ status: "duplicate" });
      expect((await h.completedRun("scaled", pr.head.sha)).conclusion).toBe("success");
      expected.push({ repo: "scaled", headSha: pr.head.sha, deliveryId: id });
    }
    await worker.queue!.onIdle();
    expectExactlyOnce(h.standIn, OWNER, expected, await provenanceEntries(SHARED_PG_URL, schema));
    // The evaluation ran in the worker, not in the ingress.
    expect(workerLog.join("")).toContain('"role":"worker"');
    expect(h.logLines.join("")).not.toContain("evaluation failed");
  });

  test("a worker takes no webhooks; it still answers its health probe", async () => {
    const post = await fetch(`${worker.url}/api/github/webhooks`, { method: "POST", body: "{}", headers: { "content-type": "application/json" } });
    expect(post.status).toBe(404);
    expect((await fetch(`${worker.url}/healthz`)).status).toBe(200);
  });
});

test("roles ingress and worker need REDIS_URL: alone they could never meet", async () => {
  const h = await startHarness();
  try {
    for (const role of ["ingress", "worker"] as const) {
      const started = startFromEnv({ ...h.env, PORT: "0" }, { role });
      await expect(started).rejects.toThrow(ConfigError);
      await expect(started).rejects.toThrow(/REDIS_URL/);
    }
  } finally {
    await h.close();
  }
});
