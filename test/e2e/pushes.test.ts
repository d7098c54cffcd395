/**
 * End to end for protected refs: a direct push to main without a pull request and a force-push
 * fail a check on the pushed commit and are recorded in the ledger as violations.
 */
import { afterAll, beforeAll, expect, test } from "@jest/globals";
import { join } from "node:path";
import { startHarness, OWNER, type Harness } from "./harness.js";
import { commitFiles, git, push } from "../helpers/git.js";
import { fromStandIn, webhookPayload } from "../helpers/webhooks.js";
import { openLedger } from "../../src/ledger/open.js";

const POLICY = `version: 1
namespaces:
  - name: main
    refs: [refs/heads/main]
    forbid: [direct-push, force-push, deletion]
secrets:
  enabled: false
`;

let h: Harness;
let dir: string;

beforeAll(async () => {
  h = await startHarness();
  dir = await h.repoWithPolicy("guarded", POLICY);
});
afterAll(async () => {
  await h?.close();
});

const gitDir = () => h.standIn.state.repo(OWNER, "guarded")!.gitDir;

async function deliverPush(before: string, after: string, forced: boolean) {
  await h.deliver(
    "push",
    webhookPayload("push", undefined, {
      ...fromStandIn(h.standIn.state, OWNER, "guarded"),
      origin: h.standIn.url,
      installationId: h.standIn.installationId,
      sender: { login: "octocat", id: 1 },
      push: { ref: "refs/heads/main", before, after, forced },
    }),
  );
  return h.completedRun("guarded", after);
}

async function violations(): Promise<{ revision: string; kind: string }[]> {
  const ledger = await openLedger(`sqlite:${join(h.dataDir, "ledger.sqlite")}`);
  try {
    const out: { revision: string; kind: string }[] = [];
    for await (const e of ledger.list({ repo: `${OWNER}/guarded` })) if (e.kind === "violation") out.push({ revision: e.revision, kind: e.kind });
    return out;
  } finally {
    await ledger.close();
  }
}

test("a direct push to main without a pull request fails a check on the pushed commit and is recorded as a violation", async () => {
  const before = await git(dir, ["rev-parse", "HEAD"]);
  const after = await commitFiles(dir, { "direct.txt": "d\n" }, "straight to main");
  await push(dir, gitDir(), ["main"]);
  const run = await deliverPush(before, after, false);
  expect(run.conclusion).toBe("failure");
  expect(`${run.output.summary}`).toMatch(/direct/i);
  expect((await violations()).map((v) => v.revision)).toContain(after);
});

test("a force-push to main is caught", async () => {
  const before = await git(dir, ["rev-parse", "HEAD"]);
  await git(dir, ["reset", "-q", "--hard", "HEAD~1"]);
  const after = await commitFiles(dir, { "rewritten.txt": "r\n" }, "rewritten history");
  await push(dir, gitDir(), ["main"], { force: true });
  const run = await deliverPush(before, after, true);
  expect(run.conclusion).toBe("failure");
  expect(`${run.output.summary}\n${run.output.text}`).toMatch(/force/i);
  expect((await violations()).map((v) => v.revision)).toContain(after);
});
