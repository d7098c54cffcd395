/**
 * End to end for the merge queue: the app reads the group's commits over git, finds the queued
 * pull requests, checks Vouch passed each queued head, recomposes the group from those heads, and
 * answers on the group's head. Every verdict replays with `vouch evaluate`.
 */
import { afterAll, beforeAll, expect, test } from "@jest/globals";
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { startHarness, OWNER, type Harness } from "./harness.js";
import { branch, checkout, commitFiles, git, push } from "../helpers/git.js";
import { fromStandIn, webhookPayload } from "../helpers/webhooks.js";
import type { PullRecord } from "../standin/index.js";

const POLICY = `version: 1
namespaces:
  - name: main
    refs: [refs/heads/main]
    review: { approvals: 1 }
`;

let h: Harness;
let dir: string;
let n = 0;

beforeAll(async () => {
  h = await startHarness();
  h.standIn.addUser({ login: "alice", type: "User", emails: ["alice@example.com"] });
  dir = await h.repoWithPolicy("queued", POLICY);
});
afterAll(async () => {
  await h?.close();
});

const gitDir = () => h.standIn.state.repo(OWNER, "queued")!.gitDir;

/** Opens a pull request, optionally approves it, and waits for Vouch's verdict on its head. */
async function judgedPullRequest(approved: boolean): Promise<PullRecord> {
  const pr = await h.openPullRequest("queued", dir, `topic-${++n}`, { [`file-${n}.txt`]: `${n}\n` });
  if (approved) h.standIn.addReview({ owner: OWNER, repo: "queued", pullNumber: pr.number, user: "alice", state: "APPROVED", commitId: pr.head.sha });
  await h.deliver("pull_request", h.pullRequestPayload("queued", pr, "synchronize"));
  const run = await h.completedRun("queued", pr.head.sha);
  expect(run.conclusion).toBe(approved ? "success" : "failure");
  return pr;
}

/** Builds the group GitHub's merge queue would (merge method), plus `extra` files on top; returns its head. */
async function mergeGroup(prs: PullRecord[], extra?: Record<string, string>): Promise<{ headSha: string; headRef: string; baseSha: string }> {
  const baseSha = (await git(dir, ["rev-parse", "main"])).trim();
  const last = prs.at(-1)!;
  const name = `gh-readonly-queue/main/pr-${last.number}-${baseSha}`;
  await branch(dir, name, "main");
  for (const pr of prs) await git(dir, ["merge", "-q", "--no-ff", "-m", `Merge pull request #${pr.number} from ${OWNER}/${pr.head.ref}`, pr.head.sha]);
  // Content slipped in on top of the merges, under a subject that names the last pull request again.
  if (extra) await commitFiles(dir, extra, `Merge pull request #${last.number} from ${OWNER}/${last.head.ref}`);
  const headSha = (await git(dir, ["rev-parse", "HEAD"])).trim();
  await push(dir, gitDir(), [name]);
  await checkout(dir, "main");
  return { headSha, headRef: `refs/heads/${name}`, baseSha };
}

async function deliverGroup(group: { headSha: string; headRef: string; baseSha: string }) {
  const res = await h.deliver(
    "merge_group",
    webhookPayload("merge_group", "checks_requested", {
      ...fromStandIn(h.standIn.state, OWNER, "queued"),
      origin: h.standIn.url,
      installationId: h.standIn.installationId,
      mergeGroup: { ...group, baseRef: "refs/heads/main" },
    }),
  );
  expect(res.status).toBe(202);
  const run = await h.completedRun("queued", group.headSha);
  const { saved, replayed, code } = await h.replay("queued", group.headSha);
  expect(replayed).toEqual(saved);
  expect(replayed.conclusion).toBe(run.conclusion);
  expect(code).toBe(run.conclusion === "success" ? 0 : 1);
  return { run, findings: saved.findings.filter((f) => f.control === "merge_queue") };
}

test("a group of two approved pull requests merged in order passes", async () => {
  const a = await judgedPullRequest(true);
  const b = await judgedPullRequest(true);
  const { run, findings } = await deliverGroup(await mergeGroup([a, b]));
  expect(run.conclusion).toBe("success");
  expect(findings.map((f) => f.code)).toEqual(["merge_queue.composed"]);
  expect(findings[0]!.message).toContain(`#${a.number}, #${b.number} merged in order`);
});

test("a group holding a pull request Vouch did not pass fails and names it", async () => {
  const a = await judgedPullRequest(true);
  const b = await judgedPullRequest(false);
  const { run, findings } = await deliverGroup(await mergeGroup([a, b]));
  expect(run.conclusion).toBe("failure");
  expect(findings.map((f) => f.code)).toEqual(["merge_queue.pull_request_not_passed"]);
  expect(findings[0]!.message).toContain(`#${b.number} has a vouch check that concluded failure`);
});

test("the group's new lines are scanned for secrets like a pull request's (the default policy scans)", async () => {
  const a = await judgedPullRequest(true);
  const { run, findings } = await deliverGroup(await mergeGroup([a]));
  expect(run.conclusion).toBe("success");
  expect(findings.map((f) => f.code)).toEqual(["merge_queue.composed"]);
  const saved = await h.replay("queued", run.headSha);
  expect(saved.saved.controls.find((c) => c.control === "secrets")?.status).toBe("pass");
});

test("content that no queued pull request contains fails the group, naming the path", async () => {
  const a = await judgedPullRequest(true);
  const { run, findings } = await deliverGroup(await mergeGroup([a], { "sneaked-in.txt": "x\n" }));
  expect(run.conclusion).toBe("failure");
  expect(findings.map((f) => [f.code, f.location?.path])).toEqual([["merge_queue.unapproved_content", "sneaked-in.txt"]]);
  expect(findings[0]!.message).toContain("no queued pull request changes it");
});

test("re-running the check on a failed group judges the group again, not a push to its queue branch", async () => {
  const a = await judgedPullRequest(true);
  const group = await mergeGroup([a], { "sneaked-again.txt": "x\n" });
  const { run } = await deliverGroup(group);
  expect(run.conclusion).toBe("failure");
  const saved = () => readdir(join(h.dataDir, "evaluations", OWNER, "queued", group.headSha));
  const before = (await saved()).length;
  await h.deliver(
    "check_run",
    webhookPayload("check_run", "rerequested", {
      ...fromStandIn(h.standIn.state, OWNER, "queued"),
      origin: h.standIn.url,
      installationId: h.standIn.installationId,
      checkRun: { id: run.id, name: "vouch", headSha: group.headSha },
      patch: { check_run: { app: { id: h.standIn.appId }, pull_requests: [], check_suite: { head_branch: group.headRef.replace("refs/heads/", "") } } },
    }),
  );
  // The re-run saves a second evaluation of the same head; wait until it is written in full.
  let replay: Awaited<ReturnType<Harness["replay"]>> | null = null;
  for (let i = 0; i < 1000 && !replay; i++) {
    await new Promise((r) => setTimeout(r, 20));
    if ((await saved()).length > before) replay = await h.replay("queued", group.headSha).catch(() => null);
  }
  const verdict = replay!.saved;
  const again = await h.completedRun("queued", group.headSha);
  expect(verdict.conclusion).toBe("failure");
  expect(verdict.findings.map((f) => [f.code, f.location?.path])).toContainEqual(["merge_queue.unapproved_content", "sneaked-again.txt"]);
  expect(again.conclusion).toBe("failure");
});

test("a group naming a pull request that does not exist is still answered, as a failure", async () => {
  const baseSha = (await git(dir, ["rev-parse", "main"])).trim();
  const name = `gh-readonly-queue/main/pr-999-${baseSha}`;
  await branch(dir, name, "main");
  const headSha = await commitFiles(dir, { "ghost.txt": "g\n" }, "Merge pull request #999 from acme/ghost");
  await push(dir, gitDir(), [name]);
  await checkout(dir, "main");
  await h.deliver(
    "merge_group",
    webhookPayload("merge_group", "checks_requested", {
      ...fromStandIn(h.standIn.state, OWNER, "queued"),
      origin: h.standIn.url,
      installationId: h.standIn.installationId,
      mergeGroup: { headSha, headRef: `refs/heads/${name}`, baseSha, baseRef: "refs/heads/main" },
    }),
  );
  const run = await h.completedRun("queued", headSha);
  expect(run.conclusion).toBe("failure");
  expect(run.output.summary).toMatch(/#999/);
});
