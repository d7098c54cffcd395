/**
 * End to end for protected refs: a direct push to main without a pull request, a force-push, the
 * deletion of a protected branch and a moved tag each fail a check on the pushed commit, are
 * recorded in the ledger as violations, and replay with `vouch evaluate` from the saved evidence.
 * Under `alerts: issue` a violation also opens (then comments on) an issue titled with the ref.
 */
import { afterAll, beforeAll, describe, expect, test } from "@jest/globals";
import { join } from "node:path";
import { startHarness, OWNER, type Harness } from "./harness.js";
import { branch, checkout, commitFiles, git, push } from "../helpers/git.js";
import { fromStandIn, webhookPayload } from "../helpers/webhooks.js";
import { openLedger } from "../../src/ledger/open.js";

const POLICY = `version: 1
namespaces:
  - name: main
    refs: [refs/heads/main]
    forbid: [direct-push, force-push, deletion]
  - name: releases
    refs: [refs/heads/release/*, refs/tags/v*]
    forbid: [deletion, move]
secrets:
  enabled: false
`;

const ZERO = "0".repeat(40);
let h: Harness;
let dir: string;

beforeAll(async () => {
  h = await startHarness();
  dir = await h.repoWithPolicy("guarded", POLICY);
});
afterAll(async () => {
  await h?.close();
});

const gitDir = (repo = "guarded") => h.standIn.state.repo(OWNER, repo)!.gitDir;

interface PushEvent {
  ref: string;
  before: string;
  after: string;
  forced?: boolean;
  deleted?: boolean;
}

/**
 * Delivers a push, waits for the check on the commit the verdict goes on (a deleted ref's last
 * commit), and checks that `vouch evaluate` reproduces the verdict from the saved evidence.
 */
async function deliverPush(event: PushEvent, repo = "guarded", id?: string) {
  await h.deliver(
    "push",
    webhookPayload("push", undefined, {
      ...fromStandIn(h.standIn.state, OWNER, repo),
      origin: h.standIn.url,
      installationId: h.standIn.installationId,
      sender: { login: "octocat", id: 1 },
      push: { ref: event.ref, before: event.before, after: event.after, forced: event.forced ?? false, deleted: event.deleted ?? false },
    }),
    id ? { id } : {},
  );
  const judged = event.deleted ? event.before : event.after;
  const run = await h.completedRun(repo, judged);
  const { saved, replayed, code } = await h.replay(repo, judged);
  expect(replayed).toEqual(saved);
  expect(replayed.conclusion).toBe(run.conclusion);
  expect(code).toBe(run.conclusion === "success" ? 0 : 1);
  return { run, codes: saved.findings.filter((f) => f.severity === "error").map((f) => f.code) };
}

async function violations(repo = "guarded"): Promise<string[]> {
  const ledger = await openLedger(`sqlite:${join(h.dataDir, "ledger.sqlite")}`);
  try {
    const out: string[] = [];
    for await (const e of ledger.list({ repo: `${OWNER}/${repo}` })) if (e.kind === "violation") out.push(e.revision);
    return out;
  } finally {
    await ledger.close();
  }
}

test("a direct push to main without a pull request fails a check on the pushed commit and is recorded as a violation", async () => {
  const before = await git(dir, ["rev-parse", "HEAD"]);
  const after = await commitFiles(dir, { "direct.txt": "d\n" }, "straight to main");
  await push(dir, gitDir(), ["main"]);
  const { run, codes } = await deliverPush({ ref: "refs/heads/main", before, after });
  expect(run.conclusion).toBe("failure");
  expect(codes).toEqual(["namespaces.direct_push"]);
  expect(await violations()).toContain(after);
});

test("a force-push to main is caught", async () => {
  const before = await git(dir, ["rev-parse", "HEAD"]);
  await git(dir, ["reset", "-q", "--hard", "HEAD~1"]);
  const after = await commitFiles(dir, { "rewritten.txt": "r\n" }, "rewritten history");
  await push(dir, gitDir(), ["main"], { force: true });
  const { run, codes } = await deliverPush({ ref: "refs/heads/main", before, after, forced: true });
  expect(run.conclusion).toBe("failure");
  expect(codes).toContain("namespaces.force_push");
  expect(await violations()).toContain(after);
});

test("deleting a protected release branch fails a check on its last commit", async () => {
  await branch(dir, "release/1", "main");
  const last = await commitFiles(dir, { "release.txt": "1\n" }, "release 1");
  await push(dir, gitDir(), ["release/1"]);
  await checkout(dir, "main");
  await push(dir, gitDir(), [":release/1"]);
  const { run, codes } = await deliverPush({ ref: "refs/heads/release/1", before: last, after: ZERO, deleted: true });
  expect(run.conclusion).toBe("failure");
  expect(codes).toEqual(["namespaces.deletion"]);
  expect(await violations()).toContain(last);
});

test("moving a release tag fails a check on the commit it now points at", async () => {
  const first = await commitFiles(dir, { "tagged.txt": "1\n" }, "tagged once");
  await git(dir, ["tag", "v1.0"]);
  await push(dir, gitDir(), ["main", "refs/tags/v1.0"]);
  const moved = await commitFiles(dir, { "tagged.txt": "2\n" }, "tagged again");
  await git(dir, ["tag", "-f", "v1.0"]);
  await push(dir, gitDir(), ["main", "refs/tags/v1.0"], { force: true });
  const { run, codes } = await deliverPush({ ref: "refs/tags/v1.0", before: first, after: moved, forced: true });
  expect(run.conclusion).toBe("failure");
  expect(codes).toEqual(["namespaces.tag_moved"]);
  expect(await violations()).toContain(moved);
});

describe("alerts: issue", () => {
  let alerted: string;
  beforeAll(async () => {
    alerted = await h.repoWithPolicy("alerted", POLICY.replace("secrets:", "alerts: issue\nsecrets:"));
  });
  const issues = () => h.standIn.state.issues.filter((i) => i.repo === "alerted");

  async function directPush(file: string) {
    const before = await git(alerted, ["rev-parse", "HEAD"]);
    const after = await commitFiles(alerted, { [file]: "x\n" }, `direct ${file}`);
    await push(alerted, gitDir("alerted"), ["main"]);
    return { ref: "refs/heads/main", before, after };
  }

  test("a violation opens an issue titled with the ref, naming the pusher, the shas and the fix; the next one comments on it", async () => {
    const first = await directPush("one.txt");
    const { run } = await deliverPush(first, "alerted");
    expect(run.conclusion).toBe("failure");
    expect(issues()).toHaveLength(1);
    const issue = issues()[0]!;
    expect(issue.title).toContain("refs/heads/main");
    expect(issue.body).toContain("@octocat (GitHub id 1) pushed");
    expect(issue.body).toContain(first.before);
    expect(issue.body).toContain(first.after);
    expect(issue.body).toContain("namespaces.direct_push");
    expect(run.output.summary).toContain(`opened issue [#${issue.number}]`);

    const second = await directPush("two.txt");
    const again = await deliverPush(second, "alerted");
    expect(issues()).toHaveLength(1);
    expect(issue.comments).toHaveLength(1);
    expect(issue.comments[0]!.body).toContain(second.after);
    expect(again.run.output.summary).toContain(`commented on issue [#${issue.number}]`);
  });

  test("a delivery retried after the alert was sent does not alert twice", async () => {
    const event = await directPush("retried.txt");
    const comments = issues()[0]!.comments.length;
    const listed = () => h.standIn.requests({ method: "GET", pathPrefix: "/api/v3/repos/acme/alerted/issues" }).filter((r) => r.path === "/api/v3/repos/acme/alerted/issues").length;
    const listedBefore = listed();
    // Completing the check fails once with a 502 after the alert went out: the queue runs the delivery again.
    h.standIn.failNext({ method: "PATCH", pathPrefix: "/api/v3/repos/acme/alerted/check-runs", status: 502, count: 1 });
    const { run } = await deliverPush(event, "alerted");
    expect(run.conclusion).toBe("failure");
    expect(listed() - listedBefore).toBe(2);
    expect(issues()[0]!.comments).toHaveLength(comments + 1);
    expect(run.output.summary).toContain("already updated (this delivery)");
  });

  test("an alert GitHub refuses loses neither the failing check nor the ledger record", async () => {
    const event = await directPush("three.txt");
    const before = issues()[0]!.comments.length;
    h.standIn.failNext({ method: "POST", pathPrefix: "/api/v3/repos/acme/alerted/issues", status: 403, body: { message: "Resource not accessible by integration" }, count: 5 });
    const { run, codes } = await deliverPush(event, "alerted");
    expect(run.conclusion).toBe("failure");
    expect(codes).toEqual(["namespaces.direct_push"]);
    expect(run.output.summary).toMatch(/alert issue could not be opened or updated/);
    expect(await violations("alerted")).toContain(event.after);
    expect(issues()[0]!.comments).toHaveLength(before);
  });
});
