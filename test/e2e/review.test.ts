/**
 * End to end for independent review: reviews recorded on the stand-in, read back by the app
 * through GraphQL, judged by the review control.
 */
import { afterAll, beforeAll, describe, expect, test } from "@jest/globals";
import { startHarness, OWNER, type Harness } from "./harness.js";
import { checkout, commitFiles, push } from "../helpers/git.js";
import type { PullRecord } from "../standin/index.js";

const POLICY = `version: 1
namespaces:
  - name: main
    refs: [refs/heads/main]
    review: { approvals: 2 }
  - name: payments
    paths: ["services/payments/**"]
    review: { approvals: 1, from: ["@acme/payments"] }
  - name: policy
    paths: [".github/vouch.yml"]
    review: { approvals: 1, from: ["@acme/security"] }
secrets:
  enabled: false
`;

let h: Harness;
let dir: string;
let n = 0;

beforeAll(async () => {
  h = await startHarness();
  for (const login of ["alice", "bob", "carol", "dave", "erin"]) h.standIn.addUser({ login, type: "User", emails: [`${login}@example.com`] });
  h.standIn.addTeam({ org: OWNER, slug: "payments", members: ["erin"] });
  h.standIn.addTeam({ org: OWNER, slug: "security", members: ["dave"] });
  dir = await h.repoWithPolicy("reviewed", POLICY);
});
afterAll(async () => {
  await h?.close();
});

async function pullRequest(files: Record<string, string>, coAuthor?: string): Promise<PullRecord> {
  const head = `topic-${++n}`;
  const pr = await h.openPullRequest("reviewed", dir, head, files);
  if (!coAuthor) return pr;
  // A second commit on the branch carries the co-author trailer.
  await checkout(dir, head);
  await commitFiles(dir, { "coauthored.txt": `${n}\n` }, `change\n\nCo-authored-by: ${coAuthor} <${coAuthor}@example.com>`);
  await push(dir, h.standIn.state.repo(OWNER, "reviewed")!.gitDir, [head]);
  await checkout(dir, "main");
  return h.standIn.refreshPullRequest(OWNER, "reviewed", pr.number);
}

const approve = (pr: PullRecord, user: string, commitId = pr.head.sha) =>
  h.standIn.addReview({ owner: OWNER, repo: "reviewed", pullNumber: pr.number, user, state: "APPROVED", commitId });

/** Delivers a synchronize, waits for the verdict, and checks `vouch evaluate` reproduces it from the saved evidence. */
async function evaluate(pr: PullRecord) {
  const payload = h.pullRequestPayload("reviewed", pr, "synchronize");
  await h.deliver("pull_request", payload);
  const run = await h.completedRun("reviewed", pr.head.sha);
  const { saved, replayed, code } = await h.replay("reviewed", pr.head.sha);
  expect(replayed.conclusion).toBe(run.conclusion);
  expect(code).toBe(run.conclusion === "success" ? 0 : 1);
  expect(replayed).toEqual(saved);
  return run;
}

describe("two-party review", () => {
  test("two eligible approvals on the head pass", async () => {
    const pr = await pullRequest({ "src/a.ts": "a\n" });
    approve(pr, "alice");
    approve(pr, "bob");
    expect((await evaluate(pr)).conclusion).toBe("success");
  });

  test("one approval is not enough, and the check says how many are missing", async () => {
    const pr = await pullRequest({ "src/b.ts": "b\n" });
    approve(pr, "alice");
    const run = await evaluate(pr);
    expect(run.conclusion).toBe("failure");
    expect(run.output.summary).toMatch(/main/);
  });

  test("an approval by a commit co-author does not count", async () => {
    const pr = await pullRequest({ "src/c.ts": "c\n" }, "bob");
    approve(pr, "alice");
    approve(pr, "bob");
    const run = await evaluate(pr);
    expect(run.conclusion).toBe("failure");
    expect(`${run.output.summary}\n${run.output.text}`).toMatch(/bob/);
  });

  test("an approval given on an earlier head does not count after a new push", async () => {
    const pr = await pullRequest({ "src/d.ts": "d\n" });
    approve(pr, "alice");
    approve(pr, "bob");
    const before = pr.head.sha;
    await checkout(dir, pr.head.ref);
    await commitFiles(dir, { "src/d.ts": "d2\n" }, "more");
    await push(dir, h.standIn.state.repo(OWNER, "reviewed")!.gitDir, [pr.head.ref]);
    await checkout(dir, "main");
    const moved = await h.standIn.refreshPullRequest(OWNER, "reviewed", pr.number);
    expect(moved.head.sha).not.toBe(before);
    expect((await evaluate(moved)).conclusion).toBe("failure");
  });

  test("a dismissed review stops counting", async () => {
    const pr = await pullRequest({ "src/e.ts": "e\n" });
    approve(pr, "alice");
    h.standIn.addReview({ owner: OWNER, repo: "reviewed", pullNumber: pr.number, user: "bob", state: "DISMISSED", commitId: pr.head.sha });
    expect((await evaluate(pr)).conclusion).toBe("failure");
  });

  test("a reviewer outside the owning team does not count for that path", async () => {
    const pr = await pullRequest({ "services/payments/pay.ts": "p\n" });
    approve(pr, "alice");
    approve(pr, "bob");
    const failed = await evaluate(pr);
    expect(failed.conclusion).toBe("failure");
    expect(`${failed.output.summary}`).toMatch(/payments/);
    approve(pr, "erin");
    await h.deliver("pull_request", h.pullRequestPayload("reviewed", pr, "reopened"));
    for (let i = 0; i < 500; i++) {
      const run = h.standIn.checkRuns(OWNER, "reviewed").find((r) => r.headSha === pr.head.sha);
      if (run?.status === "completed" && run.conclusion === "success") break;
      await new Promise((r) => setTimeout(r, 10));
    }
    expect(h.standIn.checkRuns(OWNER, "reviewed").find((r) => r.headSha === pr.head.sha)?.conclusion).toBe("success");
  });

  test("a pull request editing the policy file needs the policy owners", async () => {
    const pr = await pullRequest({ ".github/vouch.yml": POLICY.replace("approvals: 2", "approvals: 1") });
    approve(pr, "alice");
    approve(pr, "bob");
    const failed = await evaluate(pr);
    expect(failed.conclusion).toBe("failure");
    expect(failed.output.summary).toMatch(/policy/);
  });
});

