/**
 * End to end for `from_codeowners`: the app reads CODEOWNERS from the base branch, resolves its
 * teams, holds each changed path to its last matching rule's owners, and every verdict replays
 * with `vouch evaluate` from the saved evidence.
 */
import { afterAll, beforeAll, expect, test } from "@jest/globals";
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { startHarness, OWNER, type Harness } from "./harness.js";
import { commitFiles, push } from "../helpers/git.js";
import type { PullRecord } from "../standin/index.js";

const POLICY = `version: 1
namespaces:
  - name: owners
    refs: [refs/heads/main]
    from_codeowners: true
    review: { approvals: 1 }
  - name: policy
    paths: [.github/vouch.yml, .github/CODEOWNERS, CODEOWNERS, docs/CODEOWNERS]
    review: { approvals: 1, from: ["@acme/security"] }
secrets:
  enabled: false
`;

const CODEOWNERS = `*                @acme/core
/services/pay/   @erin
`;

let h: Harness;
let dir: string;
let n = 0;

beforeAll(async () => {
  h = await startHarness();
  for (const login of ["alice", "erin", "dave"]) h.standIn.addUser({ login, type: "User", emails: [`${login}@example.com`] });
  h.standIn.addTeam({ org: OWNER, slug: "core", members: ["alice"] });
  h.standIn.addTeam({ org: OWNER, slug: "security", members: ["dave"] });
  dir = await h.repoWithPolicy("owned", POLICY);
  await commitFiles(dir, { ".github/CODEOWNERS": CODEOWNERS }, "code owners");
  await push(dir, h.standIn.state.repo(OWNER, "owned")!.gitDir, ["main"]);
});
afterAll(async () => {
  await h?.close();
});

const approve = (pr: PullRecord, user: string) =>
  h.standIn.addReview({ owner: OWNER, repo: "owned", pullNumber: pr.number, user, state: "APPROVED", commitId: pr.head.sha });

const savedCount = async (sha: string) => (await readdir(join(h.dataDir, "evaluations", OWNER, "owned", sha)).catch(() => [])).length;

/**
 * Delivers a synchronize and waits for a new saved evaluation of the head (a head can be judged
 * more than once) and for the check to show it; the check completes only after the evaluation is
 * saved, so a matching completed check means the saved files are whole.
 */
async function evaluate(pr: PullRecord) {
  const before = await savedCount(pr.head.sha);
  await h.deliver("pull_request", h.pullRequestPayload("owned", pr, "synchronize"));
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (Date.now() > deadline) throw new Error("no new verdict was saved and reported");
    await new Promise((r) => setTimeout(r, 20));
    if ((await savedCount(pr.head.sha)) === before) continue;
    const run = h.standIn.checkRuns(OWNER, "owned").find((r) => r.headSha === pr.head.sha && r.status === "completed");
    const replay = await h.replay("owned", pr.head.sha).catch(() => null);
    if (!run || !replay || run.output.title !== replay.saved.title) continue;
    const { saved, replayed, code } = replay;
    expect(replayed.conclusion).toBe(run.conclusion);
    expect(replayed).toEqual(saved);
    expect(code).toBe(run.conclusion === "success" ? 0 : 1);
    return saved;
  }
}

test("a path is held to its CODEOWNERS owners: the core team's approval does not cover services/pay, erin's does", async () => {
  const pr = await h.openPullRequest("owned", dir, `topic-${++n}`, { "services/pay/api.ts": "x\n", "src/app.ts": "y\n" });
  approve(pr, "alice");
  const first = await evaluate(pr);
  expect(first.conclusion).toBe("failure");
  expect(first.findings.filter((f) => f.severity === "error").map((f) => [f.code, f.namespace])).toEqual([["review.insufficient_approvals", "owners.L2"]]);
  approve(pr, "erin");
  const second = await evaluate(pr);
  expect(second.conclusion).toBe("success");
});

test("a pull request editing CODEOWNERS is judged by the base branch's file and needs the policy owners", async () => {
  const pr = await h.openPullRequest("owned", dir, `topic-${++n}`, { ".github/CODEOWNERS": "* @erin\n" });
  approve(pr, "alice");
  const v = await evaluate(pr);
  expect(v.conclusion).toBe("failure");
  expect(v.findings.some((f) => f.code === "review.insufficient_approvals" && f.namespace === "policy")).toBe(true);
  approve(pr, "dave");
  expect((await evaluate(pr)).conclusion).toBe("success");
});

test("a malformed CODEOWNERS line on the base branch fails with file and line", async () => {
  await commitFiles(dir, { ".github/CODEOWNERS": `${CODEOWNERS}!vendored/ @erin\n` }, "negation");
  await push(dir, h.standIn.state.repo(OWNER, "owned")!.gitDir, ["main"]);
  const pr = await h.openPullRequest("owned", dir, `topic-${++n}`, { "src/other.ts": "z\n" });
  approve(pr, "alice");
  const v = await evaluate(pr);
  expect(v.conclusion).toBe("failure");
  const f = v.findings.find((x) => x.code === "codeowners.malformed_line")!;
  expect(f.location).toEqual({ path: ".github/CODEOWNERS", line: 3 });
});
