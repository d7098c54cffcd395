/**
 * Faults on GitHub's side, scaled out (BullMQ on the shared Redis, ledger in PostgreSQL): the
 * stand-in answers 500, 502, secondary rate limits (403 with retry-after) and not at all
 * (timeouts) for a stretch, on the API and on git, and deliveries arrive as bursts of redeliveries. Every accepted
 * delivery must still end in exactly one completed check run and one ledger evaluation.
 * Unreachable Redis or PostgreSQL: skipped with a message, except under CI=true.
 */
import { afterAll, beforeAll, expect, test } from "@jest/globals";
import { randomUUID } from "node:crypto";
import { OWNER, startHarness, type Harness } from "./harness.js";
import { deleteQueueKeys, redisProblem, SHARED_REDIS_URL, uniqueQueueName } from "../helpers/redis.js";
import { dropSchema, expectExactlyOnce, postgresProblem, provenanceEntries, SHARED_PG_URL, uniqueSchema } from "./scale-helpers.js";
import { describeWithServices } from "../helpers/services.js";
import type { FailureRule } from "../standin/index.js";

const problem = (await redisProblem()) ?? (await postgresProblem());
const d = describeWithServices(problem, "the GitHub fault tests");

const POLICY = "version: 1\nsecrets:\n  enabled: false\n";

d("GitHub faults and redelivery bursts", () => {
  const queueName = uniqueQueueName("faults-gh");
  const schema = uniqueSchema("faults_gh");
  let h: Harness;
  let dir: string;

  beforeAll(async () => {
    h = await startHarness({
      env: {
        REDIS_URL: SHARED_REDIS_URL,
        VOUCH_QUEUE_NAME: queueName,
        DATABASE_URL: SHARED_PG_URL,
        VOUCH_LEDGER_SCHEMA: schema,
        VOUCH_GITHUB_TIMEOUT_MS: "300",
        VOUCH_RETRY_DELAY_MS: "20",
        VOUCH_JOB_ATTEMPTS: "10",
        VOUCH_CONCURRENCY: "3",
      },
    });
    dir = await h.repoWithPolicy("faulty", POLICY);
  });
  afterAll(async () => {
    await h?.close();
    await deleteQueueKeys(queueName);
    await dropSchema(schema);
  });

  test("500s, 502s, secondary rate limits and timeouts for a stretch: each delivery still gives one check run and one ledger evaluation", async () => {
    const prs = [];
    for (const head of ["g1", "g2", "g3"]) prs.push(await h.openPullRequest("faulty", dir, head, { [`${head}.txt`]: "x\n" }));
    // Taken in this order by the next matching API requests, whichever delivery makes them.
    h.standIn.failNext({ pathPrefix: "/api/v3/repos/", status: 500, count: 3 });
    h.standIn.failNext({ pathPrefix: "/api/v3/repos/", status: 502, count: 3 });
    h.standIn.failNext({ pathPrefix: "/api/v3/repos/", status: 403, count: 2, headers: { "retry-after": "1" }, body: { message: "You have exceeded a secondary rate limit." } });
    // Held far longer than VOUCH_GITHUB_TIMEOUT_MS: the client must give up, not wait.
    h.standIn.failNext({ pathPrefix: "/api/v3/repos/", status: 0, hangMs: 20_000, count: 2 });
    h.standIn.failNext({ pathPrefix: "/api/graphql", status: 502, count: 2 });

    const expected = await Promise.all(
      prs.map(async (pr) => {
        const id = randomUUID();
        expect((await h.deliver("pull_request", h.pullRequestPayload("faulty", pr), { id })).status).toBe(202);
        return { repo: "faulty", headSha: pr.head.sha, deliveryId: id };
      }),
    );
    for (const e of expected) expect((await h.completedRun("faulty", e.headSha, 60_000)).conclusion).toBe("success");
    await h.server.queue!.onIdle();

    // Every fault was served.
    const statuses = h.standIn.requests().map((r) => r.status);
    for (const status of [500, 502, 403, 0]) expect(statuses).toContain(status);
    const log = h.logLines.join("");
    expect(log).toContain("GitHub is rate limiting; delivery delayed");
    expect(log).toContain("delivery failed; will retry");
    expect(log).toContain("The operation was aborted due to timeout");
    expectExactlyOnce(h.standIn, OWNER, expected, await provenanceEntries(SHARED_PG_URL, schema));
  }, 90_000);

  test("a burst of duplicate redeliveries: each event is one job, one check run and one ledger evaluation", async () => {
    const prs = [];
    for (const head of ["d1", "d2", "d3"]) prs.push(await h.openPullRequest("faulty", dir, head, { [`${head}.txt`]: "y\n" }));
    const ids = prs.map(() => randomUUID());
    const answers = await Promise.all(
      prs.flatMap((pr, i) => Array.from({ length: 10 }, () => h.deliver("pull_request", h.pullRequestPayload("faulty", pr), { id: ids[i]! }))),
    );
    expect(answers.every((a) => a.status === 202)).toBe(true);
    const outcomes = (await Promise.all(answers.map((a) => a.json()))) as Array<{ status: string }>;
    expect(outcomes.filter((o) => o.status === "queued")).toHaveLength(3);
    expect(outcomes.filter((o) => o.status === "duplicate")).toHaveLength(27);
    for (const pr of prs) await h.completedRun("faulty", pr.head.sha, 30_000);
    await h.server.queue!.onIdle();
    // Redelivered again after completion, still inside the window: still one.
    const late = await h.deliver("pull_request", h.pullRequestPayload("faulty", prs[0]!), { id: ids[0]! });
    expect(await late.json()).toEqual({ status: "duplicate" });
    await h.server.queue!.onIdle();
    expectExactlyOnce(
      h.standIn,
      OWNER,
      prs.map((pr, i) => ({ repo: "faulty", headSha: pr.head.sha, deliveryId: ids[i]! })),
      await provenanceEntries(SHARED_PG_URL, schema),
    );
  }, 60_000);

  test("different deliveries for one head at once (opened, a review, a re-run) share one check run", async () => {
    const pr = await h.openPullRequest("faulty", dir, "same-head", { "same.txt": "s\n" });
    const ids = [randomUUID(), randomUUID(), randomUUID()];
    const answers = await Promise.all([
      h.deliver("pull_request", h.pullRequestPayload("faulty", pr, "opened"), { id: ids[0]! }),
      h.deliver("pull_request", h.pullRequestPayload("faulty", pr, "reopened"), { id: ids[1]! }),
      h.deliver("pull_request", h.pullRequestPayload("faulty", pr, "ready_for_review"), { id: ids[2]! }),
    ]);
    expect(answers.map((a) => a.status)).toEqual([202, 202, 202]);
    await h.completedRun("faulty", pr.head.sha, 30_000);
    await h.server.queue!.onIdle();
    const runs = h.standIn.checkRuns(OWNER, "faulty").filter((r) => r.headSha === pr.head.sha);
    expect(runs.map((r) => r.status)).toEqual(["completed"]);
    // Each delivery is its own evaluation in the ledger.
    const entries = (await provenanceEntries(SHARED_PG_URL, schema)).filter((e) => e.revision === pr.head.sha);
    expect(entries.map((e) => e.evaluationKey.split(":").pop()).sort()).toEqual([...ids].sort());
  }, 60_000);

  /**
   * A pull request whose evaluation reads its git objects over smart HTTP (secret scanning is on),
   * with `fault` on the first two git requests: the delivery must end in one successful check run
   * and one ledger evaluation, with the fault seen and no missing-evidence verdict.
   */
  async function expectGitFaultRetried(repo: string, fault: Omit<FailureRule, "pathPrefix" | "count">, faulted: (status: number | undefined) => boolean): Promise<void> {
    const gitDir = await h.repoWithPolicy(repo, "version: 1\nnamespaces:\n  - name: main\n    refs: [refs/heads/main]\n");
    const pr = await h.openPullRequest(repo, gitDir, `${repo}-head`, { "notes.txt": "nothing secret here\n" });
    h.standIn.failNext({ ...fault, pathPrefix: `/acme/${repo}.git/`, count: 2 });
    const id = randomUUID();
    expect((await h.deliver("pull_request", h.pullRequestPayload(repo, pr), { id })).status).toBe(202);
    const run = await h.completedRun(repo, pr.head.sha, 30_000);
    expect(h.standIn.requests({ pathPrefix: `/acme/${repo}.git/` }).filter((r) => faulted(r.status))).toHaveLength(2);
    expect(run.output.summary).not.toContain("fetching them failed");
    expect(run.conclusion).toBe("success");
    await h.server.queue!.onIdle();
    expectExactlyOnce(h.standIn, OWNER, [{ repo, headSha: pr.head.sha, deliveryId: id }], await provenanceEntries(SHARED_PG_URL, schema));
  }

  test("git fetches answered with 502 for a stretch are retried, not reported as missing evidence", async () => {
    await expectGitFaultRetried("git-faulty", { status: 502 }, (status) => status === 502);
  }, 60_000);

  test("git fetches that get no answer for a stretch are abandoned and retried, not left hanging or reported as missing evidence", async () => {
    // No answer at all, twice; VOUCH_GITHUB_TIMEOUT_MS (300 ms here) bounds each wait.
    await expectGitFaultRetried("git-silent", { hangMs: 20_000 }, (status) => status === 0);
  }, 60_000);
});
