/**
 * Every event the app subscribes to, end to end against the stand-in: what each one evaluates,
 * on which commit, with the policy of which branch, and which events are ignored.
 */
import { afterAll, beforeAll, describe, expect, test } from "@jest/globals";
import { startHarness, OWNER, type Harness } from "./harness.js";
import { fromStandIn, webhookPayload } from "../helpers/webhooks.js";
import { branch, checkout, commitFiles, git, push } from "../helpers/git.js";

const POLICY = `version: 1
namespaces:
  - name: main
    refs: [refs/heads/main]
  - name: releases
    refs: [refs/heads/release/*]
    forbid: [deletion]
secrets:
  enabled: false
`;

let h: Harness;
let dir: string;

beforeAll(async () => {
  h = await startHarness();
  dir = await h.repoWithPolicy("events", POLICY);
});
afterAll(async () => {
  await h?.close();
});

const gitDir = () => h.standIn.state.repo(OWNER, "events")!.gitDir;
const base = () => ({ ...fromStandIn(h.standIn.state, OWNER, "events"), origin: h.standIn.url, installationId: h.standIn.installationId });
const checkWrites = () => h.standIn.requests({ pathPrefix: "/api/v3/repos/acme/events/check-runs" }).filter((r) => r.method !== "GET").length;

/** Sends `payload`, then a pull request that must complete: once it has, the first delivery has been handled. */
async function deliverAndDrain(name: string, payload: unknown): Promise<Response> {
  const res = await h.deliver(name, payload);
  const pr = await h.openPullRequest("events", dir, `drain-${Math.random().toString(36).slice(2)}`, { "drain.txt": "x\n" });
  await h.deliver("pull_request", h.pullRequestPayload("events", pr));
  await h.completedRun("events", pr.head.sha);
  return res;
}

describe("push", () => {
  test("a push to a protected branch is evaluated on the pushed commit with the default branch's policy", async () => {
    const before = (await git(dir, ["rev-parse", "main"])).trim();
    const after = await commitFiles(dir, { "pushed.txt": "p\n" }, "direct push");
    await push(dir, gitDir(), ["main"]);
    const res = await h.deliver("push", webhookPayload("push", undefined, { ...base(), sender: { login: "octocat", id: 1 }, push: { ref: "refs/heads/main", before, after } }));
    expect(res.status).toBe(202);
    const run = await h.completedRun("events", after);
    expect(run.conclusion).toBe("success");
    expect(run.output.summary).toContain("main");
  });

  test("deleting an unprotected branch reports nothing: its last commit may carry another change's check", async () => {
    await branch(dir, "topic-gone", "main");
    const last = await commitFiles(dir, { "gone.txt": "g\n" }, "topic work");
    await push(dir, gitDir(), ["topic-gone"]);
    await checkout(dir, "main");
    const writes = checkWrites();
    const res = await deliverAndDrain(
      "push",
      webhookPayload("push", undefined, { ...base(), sender: { login: "octocat", id: 1 }, push: { ref: "refs/heads/topic-gone", before: last, after: "0".repeat(40), deleted: true } }),
    );
    expect(res.status).toBe(202);
    // Only the drain pull request's writes (start + complete) happened.
    expect(checkWrites() - writes).toBe(2);
    expect(h.standIn.checkRuns(OWNER, "events").filter((r) => r.headSha === last)).toHaveLength(0);
  });

  test("deleting a protected branch fails a check on the commit it pointed at", async () => {
    await branch(dir, "release/1.0", "main");
    const last = await commitFiles(dir, { "rel.txt": "r\n" }, "release 1.0");
    await push(dir, gitDir(), ["release/1.0"]);
    await checkout(dir, "main");
    await h.deliver(
      "push",
      webhookPayload("push", undefined, { ...base(), sender: { login: "octocat", id: 1 }, push: { ref: "refs/heads/release/1.0", before: last, after: "0".repeat(40), deleted: true } }),
    );
    const run = await h.completedRun("events", last);
    expect(run.conclusion).toBe("failure");
    expect(run.output.summary).toContain("releases");
  });
});

describe("merge_group", () => {
  test("checks_requested is answered with a completed check on the group's head, judged by the target branch's policy", async () => {
    // A pull request Vouch passed, queued alone: GitHub merges its head onto main in a queue branch.
    const pr = await h.openPullRequest("events", dir, "queued-9", { "queued.txt": "q\n" });
    await h.deliver("pull_request", h.pullRequestPayload("events", pr));
    expect((await h.completedRun("events", pr.head.sha)).conclusion).toBe("success");
    const baseSha = (await git(dir, ["rev-parse", "main"])).trim();
    const queueBranch = `gh-readonly-queue/main/pr-${pr.number}-${baseSha}`;
    await branch(dir, queueBranch, "main");
    await git(dir, ["merge", "-q", "--no-ff", "-m", `Merge pull request #${pr.number} from acme/queued-9`, pr.head.sha]);
    const headSha = (await git(dir, ["rev-parse", "HEAD"])).trim();
    await push(dir, gitDir(), [queueBranch]);
    await checkout(dir, "main");
    const res = await h.deliver(
      "merge_group",
      webhookPayload("merge_group", "checks_requested", {
        ...base(),
        mergeGroup: { headSha, headRef: `refs/heads/${queueBranch}`, baseSha, baseRef: "refs/heads/main" },
      }),
    );
    expect(res.status).toBe(202);
    const run = await h.completedRun("events", headSha);
    expect(run.conclusion).toBe("success");
    const reads = h.standIn.requests({ method: "GET", pathPrefix: "/api/v3/repos/acme/events/contents/" });
    expect(reads.at(-1)?.query.ref).toBe("main");
  });
});

describe("pull_request", () => {
  test("edited without a base change is ignored; edited with a new base is re-evaluated", async () => {
    const pr = await h.openPullRequest("events", dir, "retitle", { "t.txt": "t\n" });
    // The examples package has no `edited` payload: an `opened` one with the action and changes set is the same shape.
    const edited = (changes: Record<string, unknown>) =>
      webhookPayload("pull_request", "opened", {
        ...fromStandIn(h.standIn.state, OWNER, "events", pr.number),
        origin: h.standIn.url,
        installationId: h.standIn.installationId,
        patch: { action: "edited", changes },
      });
    await deliverAndDrain("pull_request", edited({ title: { from: "old" } }));
    expect(h.standIn.checkRuns(OWNER, "events").filter((r) => r.headSha === pr.head.sha)).toHaveLength(0);

    await h.deliver("pull_request", edited({ base: { ref: { from: "develop" }, sha: { from: "1".repeat(40) } } }));
    expect((await h.completedRun("events", pr.head.sha)).conclusion).toBe("success");
  });
});

describe("events Vouch caused itself", () => {
  test("are not evaluated again, while the same event from another bot is", async () => {
    const pr = await h.openPullRequest("events", dir, "by-bot", { "bot.txt": "b\n" });
    const payload = (login: string) =>
      webhookPayload("pull_request", "synchronize", {
        ...fromStandIn(h.standIn.state, OWNER, "events", pr.number),
        origin: h.standIn.url,
        installationId: h.standIn.installationId,
        sender: { login, id: 99, type: "Bot" },
      });
    await deliverAndDrain("pull_request", payload("vouch[bot]"));
    expect(h.standIn.checkRuns(OWNER, "events").filter((r) => r.headSha === pr.head.sha)).toHaveLength(0);

    await h.deliver("pull_request", payload("dependabot[bot]"));
    expect((await h.completedRun("events", pr.head.sha)).conclusion).toBe("success");
  });
});

describe("check_run and check_suite", () => {
  test("a re-run of Vouch's check re-evaluates the pull request it belongs to, updating the same run", async () => {
    const pr = await h.openPullRequest("events", dir, "rerun", { "r.txt": "r\n" });
    await h.deliver("pull_request", h.pullRequestPayload("events", pr));
    const run = await h.completedRun("events", pr.head.sha);
    const writes = checkWrites();
    await h.deliver(
      "check_run",
      webhookPayload("check_run", "rerequested", {
        ...base(),
        checkRun: { id: run.id, name: "vouch", headSha: pr.head.sha },
        patch: { check_run: { app: { id: h.standIn.appId }, pull_requests: [{ number: pr.number, head: { sha: pr.head.sha, ref: pr.head.ref }, base: { ref: "main", sha: pr.base.sha } }] } },
      }),
    );
    for (let i = 0; i < 800 && checkWrites() < writes + 2; i++) await new Promise((r) => setTimeout(r, 10));
    expect(checkWrites()).toBe(writes + 2);
    expect(h.standIn.checkRuns(OWNER, "events").filter((r) => r.headSha === pr.head.sha)).toHaveLength(1);
  });

  test("events about another app's check runs are ignored", async () => {
    const writes = checkWrites();
    await deliverAndDrain(
      "check_run",
      webhookPayload("check_run", "rerequested", {
        ...base(),
        checkRun: { id: 1, name: "vouch", headSha: "2".repeat(40) },
        patch: { check_run: { app: { id: 4242 } } },
      }),
    );
    expect(checkWrites() - writes).toBe(2);
    expect(h.standIn.checkRuns(OWNER, "events").filter((r) => r.headSha === "2".repeat(40))).toHaveLength(0);
  });

  test("check_suite.requested evaluates the pull requests the suite's commit heads", async () => {
    const pr = await h.openPullRequest("events", dir, "suite", { "s.txt": "s\n" });
    await h.deliver(
      "check_suite",
      webhookPayload("check_suite", "requested", {
        ...base(),
        patch: {
          check_suite: {
            head_sha: pr.head.sha,
            head_branch: pr.head.ref,
            app: { id: h.standIn.appId },
            pull_requests: [{ number: pr.number, head: { sha: pr.head.sha, ref: pr.head.ref }, base: { ref: "main", sha: pr.base.sha } }],
          },
        },
      }),
    );
    expect((await h.completedRun("events", pr.head.sha)).conclusion).toBe("success");
  });
});

describe("installation", () => {
  test("repositories added to the installation get their open pull requests evaluated", async () => {
    const other = await h.repoWithPolicy("added", POLICY);
    const a = await h.openPullRequest("added", other, "one", { "1.txt": "1\n" });
    const b = await h.openPullRequest("added", other, "two", { "2.txt": "2\n" });
    const repo = h.standIn.state.repo(OWNER, "added")!;
    const payload = webhookPayload("installation_repositories", "added", {
      ...base(),
      patch: {
        installation: { account: { login: OWNER, type: "Organization" } },
        repositories_added: [{ id: repo.id, node_id: "R", name: "added", full_name: `${OWNER}/added`, private: false }],
      },
    });
    expect((await h.deliver("installation_repositories", payload)).status).toBe(202);
    expect((await h.completedRun("added", a.head.sha)).conclusion).toBe("success");
    expect((await h.completedRun("added", b.head.sha)).conclusion).toBe("success");
  });
});
