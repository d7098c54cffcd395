/**
 * Redis and PostgreSQL restarted under load, each a PRIVATE instance in a temp dir (the shared
 * services are never stopped): Redis with appendonly + appendfsync always, so an accepted job
 * survives a crash; PostgreSQL stopped in immediate mode, like a crash. Every accepted delivery
 * ends in exactly one completed check run and one ledger evaluation; a delivery refused while
 * Redis was away is redelivered (as GitHub or the sweeper would) and then counts too.
 * Missing redis-server or PostgreSQL server binaries: skipped with a message, except under CI=true.
 */
import { afterAll, beforeAll, describe, expect, test } from "@jest/globals";
import { randomUUID } from "node:crypto";
import { spawnSync } from "node:child_process";
import { Writable } from "node:stream";
import { startFromEnv, type RunningServer } from "../../src/server/main.js";
import { OWNER, startHarness, type Harness } from "./harness.js";
import { PrivateRedis, deleteQueueKeys, redisProblem, SHARED_REDIS_URL, uniqueQueueName } from "../helpers/redis.js";
import { PrivatePostgres, postgresBinDir } from "../helpers/postgres.js";
import { dropSchema, expectExactlyOnce, postgresProblem, provenanceEntries, SHARED_PG_URL, uniqueSchema } from "./scale-helpers.js";
import { waitFor } from "./worker-process.js";

const CI = process.env.CI === "true";
const redisServer = spawnSync("redis-server", ["--version"]).status === 0;
const pgBin = postgresBinDir();
const sharedProblem = (await redisProblem()) ?? (await postgresProblem());
const skipWhy = [
  redisServer ? null : "redis-server is not installed",
  pgBin ? null : "PostgreSQL server binaries (/usr/lib/postgresql/*/bin/initdb) are not installed",
  sharedProblem ? `a shared service is unreachable (${sharedProblem})` : null,
].filter((w): w is string => w !== null);
if (skipWhy.length > 0 && !CI) console.warn(`skipping the Redis and PostgreSQL restart tests: ${skipWhy.join("; ")}`);
if (skipWhy.length > 0 && CI) {
  test("redis-server, PostgreSQL binaries and the shared services are available under CI", () => {
    throw new Error(`CI=true but: ${skipWhy.join("; ")}`);
  });
}
const d = skipWhy.length === 0 ? describe : describe.skip;

const POLICY = "version: 1\nsecrets:\n  enabled: false\n";
const SIGNED_POLICY = "version: 1\nnamespaces:\n  - name: main\n    refs: [refs/heads/main]\n    signatures: { required: true }\nsecrets:\n  enabled: false\n";

function logSink(lines: string[]): Writable {
  return new Writable({ write: (c, _e, done) => void (lines.push(String(c)), done()) });
}

async function deliverPullRequests(h: Harness, repo: string, dir: string, heads: string[]) {
  const out = [];
  for (const head of heads) {
    const pr = await h.openPullRequest(repo, dir, head, { [`${head}.txt`]: "r\n" });
    out.push({ pr, id: randomUUID() });
  }
  return out;
}

d("Redis restarted", () => {
  const schema = uniqueSchema("faults_redis");
  let redis: PrivateRedis;
  let h: Harness;
  let worker: RunningServer;
  const workerLog: string[] = [];
  let dir: string;

  beforeAll(async () => {
    redis = await PrivateRedis.start();
    h = await startHarness({
      env: {
        REDIS_URL: redis.url,
        VOUCH_QUEUE_NAME: uniqueQueueName("faults-redis"),
        DATABASE_URL: SHARED_PG_URL,
        VOUCH_LEDGER_SCHEMA: schema,
        VOUCH_RETRY_DELAY_MS: "50",
        VOUCH_JOB_LOCK_MS: "1500",
        // One job at a time: while the first is in flight, the second waits in Redis.
        VOUCH_CONCURRENCY: "1",
      },
      overrides: { role: "ingress" },
    });
    worker = await startFromEnv(h.env, { role: "worker", logDestination: logSink(workerLog) });
    dir = await h.repoWithPolicy("redis-restart", POLICY);
  }, 60_000);
  afterAll(async () => {
    await worker?.close();
    await h?.close();
    await redis?.stop();
    await dropSchema(schema);
  });

  test("jobs accepted before a Redis crash survive it; a delivery refused meanwhile is redelivered; each ends exactly once", async () => {
    const [a, b, c] = await deliverPullRequests(h, "redis-restart", dir, ["r1", "r2", "r3"]);
    // A slow policy read keeps the first job in flight while Redis goes down; the second is only in Redis.
    h.standIn.failNext({ pathPrefix: "/api/v3/repos/acme/redis-restart/contents/", delayMs: 2000, count: 1 });
    for (const { pr, id } of [a!, b!]) {
      expect((await h.deliver("pull_request", h.pullRequestPayload("redis-restart", pr), { id })).status).toBe(202);
    }
    await waitFor(() => h.standIn.checkRuns(OWNER, "redis-restart").some((r) => r.headSha === a!.pr.head.sha && r.status === "in_progress"), "the first job in flight");
    expect(h.standIn.checkRuns(OWNER, "redis-restart").some((r) => r.headSha === b!.pr.head.sha)).toBe(false);

    await redis.kill();
    // Not accepted while Redis is away: 503, which GitHub records as a failed delivery.
    const refused = await h.deliver("pull_request", h.pullRequestPayload("redis-restart", c!.pr), { id: c!.id });
    expect(refused.status).toBe(503);
    await redis.up();

    // The redelivery keeps the delivery id; it is accepted once the ingress has reconnected.
    await waitFor(async () => (await h.deliver("pull_request", h.pullRequestPayload("redis-restart", c!.pr), { id: c!.id })).status === 202, "the redelivery to be accepted", 20_000);
    for (const { pr } of [a!, b!, c!]) expect((await h.completedRun("redis-restart", pr.head.sha, 45_000)).conclusion).toBe("success");
    await worker.queue!.onIdle();
    expectExactlyOnce(
      h.standIn,
      OWNER,
      [a!, b!, c!].map(({ pr, id }) => ({ repo: "redis-restart", headSha: pr.head.sha, deliveryId: id })),
      await provenanceEntries(SHARED_PG_URL, schema),
    );
  }, 120_000);
});

d("PostgreSQL restarted", () => {
  const queueName = uniqueQueueName("faults-pg");
  let postgres: PrivatePostgres;
  let h: Harness;
  let dir: string;

  beforeAll(async () => {
    postgres = await PrivatePostgres.start(pgBin!);
    h = await startHarness({
      env: {
        REDIS_URL: SHARED_REDIS_URL,
        VOUCH_QUEUE_NAME: queueName,
        DATABASE_URL: postgres.url,
        VOUCH_RETRY_DELAY_MS: "100",
        VOUCH_JOB_ATTEMPTS: "12",
      },
    });
    dir = await h.repoWithPolicy("pg-restart", POLICY);
  }, 60_000);
  afterAll(async () => {
    await h?.close();
    await postgres?.stop();
    await deleteQueueKeys(queueName);
  });

  test("while PostgreSQL is down, evaluations wait and retry instead of failing; after the restart each ends exactly once", async () => {
    const [before, during1, during2] = await deliverPullRequests(h, "pg-restart", dir, ["p1", "p2", "p3"]);
    // Signatures required: the evaluation also records when it first observed each commit (in PostgreSQL).
    const signedDir = await h.repoWithPolicy("pg-signed", SIGNED_POLICY);
    const [unsigned] = await deliverPullRequests(h, "pg-signed", signedDir, ["u1"]);
    expect((await h.deliver("pull_request", h.pullRequestPayload("pg-restart", before!.pr), { id: before!.id })).status).toBe(202);
    await h.completedRun("pg-restart", before!.pr.head.sha);

    await postgres.down();
    for (const { pr, id } of [during1!, during2!]) {
      expect((await h.deliver("pull_request", h.pullRequestPayload("pg-restart", pr), { id })).status).toBe(202);
    }
    expect((await h.deliver("pull_request", h.pullRequestPayload("pg-signed", unsigned!.pr), { id: unsigned!.id })).status).toBe(202);
    await waitFor(() => h.logLines.join("").includes("could not record or read when the signed objects were first observed"), "a failed first-observation write");
    // The jobs reach the ledger and fail to record; the check runs stay in progress meanwhile.
    await waitFor(() => h.logLines.join("").includes("could not record the attestation in the ledger"), "a failed ledger append");
    expect(h.standIn.checkRuns(OWNER, "pg-restart").filter((r) => r.status === "completed")).toHaveLength(1);
    await postgres.up();

    for (const { pr } of [during1!, during2!]) expect((await h.completedRun("pg-restart", pr.head.sha, 60_000)).conclusion).toBe("success");
    // Judged on its merits once the store is back (an unsigned commit), not failed for the outage.
    const judged = await h.completedRun("pg-signed", unsigned!.pr.head.sha, 60_000);
    expect(judged.conclusion).toBe("failure");
    expect(`${judged.output.summary}\n${judged.output.text}`).toMatch(/unsigned/);
    expect(`${judged.output.summary}\n${judged.output.text}`).not.toMatch(/first observed/);
    await h.server.queue!.onIdle();
    expectExactlyOnce(
      h.standIn,
      OWNER,
      [
        ...[before!, during1!, during2!].map(({ pr, id }) => ({ repo: "pg-restart", headSha: pr.head.sha, deliveryId: id })),
        { repo: "pg-signed", headSha: unsigned!.pr.head.sha, deliveryId: unsigned!.id },
      ],
      await provenanceEntries(postgres.url),
    );
  }, 120_000);
});
