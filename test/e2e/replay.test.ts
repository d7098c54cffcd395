/**
 * End to end: a validly signed delivery replayed under a new GUID. The ingress cannot tell it from
 * a new event (the HMAC has no timestamp), so the defence is in the evaluation: it re-reads the
 * pull request from GitHub, so an old payload can neither pass a head it no longer describes nor
 * touch the verdict of the current head.
 */
import { afterAll, beforeAll, expect, test } from "@jest/globals";
import { randomUUID } from "node:crypto";
import { startHarness, OWNER, type Harness } from "./harness.js";
import { checkout, commitFiles, push } from "../helpers/git.js";

const POLICY = `version: 1
namespaces:
  - name: main
    refs: [refs/heads/main]
secrets:
  enabled: false
`;

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.close();
});

test("an old delivery replayed under a new GUID fails its stale head closed and leaves the current head's verdict alone", async () => {
  const dir = await h.repoWithPolicy("replayed", POLICY);
  const pr = await h.openPullRequest("replayed", dir, "feature", { "src/a.ts": "a\n" });
  // The stand-in updates its pull request record in place when the head moves: keep the old head.
  const oldHead = pr.head.sha;
  const captured = h.pullRequestPayload("replayed", pr);
  expect((await h.deliver("pull_request", captured)).status).toBe(202);
  expect((await h.completedRun("replayed", oldHead)).conclusion).toBe("success");

  await checkout(dir, "feature");
  await commitFiles(dir, { "src/b.ts": "b\n" }, "more");
  await push(dir, h.standIn.state.repo(OWNER, "replayed")!.gitDir, ["feature"]);
  await checkout(dir, "main");
  const moved = await h.standIn.refreshPullRequest(OWNER, "replayed", pr.number);
  expect(moved.head.sha).not.toBe(oldHead);
  expect((await h.deliver("pull_request", h.pullRequestPayload("replayed", moved, "synchronize"))).status).toBe(202);
  const current = await h.completedRun("replayed", moved.head.sha);
  expect(current.conclusion).toBe("success");
  const currentWrites = h.standIn.requests({ pathPrefix: `/api/v3/repos/${OWNER}/replayed/check-runs/${current.id}` }).length;

  // The same body, signed as GitHub signed it, under a GUID the ingress has not seen.
  const replayId = randomUUID();
  const res = await h.deliver("pull_request", captured, { id: replayId });
  expect(res.status).toBe(202);
  expect(await res.json()).toEqual({ status: "queued" });
  let stale = h.standIn.checkRuns(OWNER, "replayed").find((r) => r.headSha === oldHead)!;
  for (let i = 0; i < 800 && !(stale.externalId === replayId && stale.status === "completed"); i++) {
    await new Promise((r) => setTimeout(r, 25));
    stale = h.standIn.checkRuns(OWNER, "replayed").find((r) => r.headSha === oldHead)!;
  }
  expect(stale).toMatchObject({ externalId: replayId, status: "completed", conclusion: "failure" });
  expect(stale.output.summary).toContain(`moved on to ${moved.head.sha}`);

  // The current head's one check run was neither written again nor joined by another.
  const runs = h.standIn.checkRuns(OWNER, "replayed");
  expect(runs.filter((r) => r.headSha === moved.head.sha)).toEqual([expect.objectContaining({ id: current.id, conclusion: "success" })]);
  expect(h.standIn.requests({ pathPrefix: `/api/v3/repos/${OWNER}/replayed/check-runs/${current.id}` }).length).toBe(currentWrites);
});
