/**
 * End to end: the real app on loopback (the `npm start` code path) against the GitHub stand-in.
 * See harness.ts.
 */
import { afterAll, beforeAll, describe, expect, test } from "@jest/globals";
import { randomUUID } from "node:crypto";
import { startHarness, type Harness } from "./harness.js";

/** Base policy: main is protected; docs/ needs one approval (the review control has not landed, so it fails closed). */
const BASE_POLICY = `version: 1
namespaces:
  - name: main
    refs: [refs/heads/main]
  - name: docs
    paths: ["docs/**"]
    review: { approvals: 1 }
secrets:
  enabled: false
`;

/** Invalid on line 5: approvals must be a number. */
const BROKEN_POLICY = `version: 1
namespaces:
  - name: main
    refs: [refs/heads/main]
    review: { approvals: many }
`;

let h: Harness;
let appDir: string;

beforeAll(async () => {
  h = await startHarness();
  appDir = await h.repoWithPolicy("app", BASE_POLICY);
});

afterAll(async () => {
  await h?.close();
});

describe("a pull request evaluated end to end", () => {
  test("the check run is created in_progress on the head SHA, then completed with the verdict", async () => {
    const pr = await h.openPullRequest("app", appDir, "feature", { "src/index.ts": "export {};\n" });
    const res = await h.deliver("pull_request", h.pullRequestPayload("app", pr));
    expect(res.status).toBe(202);

    const run = await h.completedRun("app", pr.head.sha);
    expect(run).toMatchObject({ name: "vouch", conclusion: "success", appId: h.standIn.appId });
    expect(run.output.summary).toContain("main");

    const writes = h.standIn.requests({ pathPrefix: "/api/v3/repos/acme/app/check-runs" }).filter((r) => r.method !== "GET");
    expect(writes[0]).toMatchObject({ method: "POST", body: { name: "vouch", head_sha: pr.head.sha, status: "in_progress" } });
    expect(writes.at(-1)).toMatchObject({ method: "PATCH", body: { status: "completed", conclusion: "success" } });
  });

  test("an invalid policy on the base branch fails the check with an annotation on the offending line", async () => {
    const dir = await h.repoWithPolicy("broken", BROKEN_POLICY);
    const pr = await h.openPullRequest("broken", dir, "feature", { "a.txt": "a\n" });
    expect((await h.deliver("pull_request", h.pullRequestPayload("broken", pr))).status).toBe(202);

    const run = await h.completedRun("broken", pr.head.sha);
    expect(run.conclusion).toBe("failure");
    expect(run.annotations).toEqual([
      expect.objectContaining({ path: ".github/vouch.yml", start_line: 5, annotation_level: "failure" }),
    ]);
  });

  test("a redelivery changes nothing: one check run, no further writes", async () => {
    const dir = await h.repoWithPolicy("redeliver", BASE_POLICY);
    const pr = await h.openPullRequest("redeliver", dir, "feature", { "b.txt": "b\n" });
    const id = randomUUID();
    const payload = h.pullRequestPayload("redeliver", pr);
    expect((await h.deliver("pull_request", payload, { id })).status).toBe(202);
    await h.completedRun("redeliver", pr.head.sha);
    const before = h.standIn.requests({ pathPrefix: "/api/v3/repos/acme/redeliver" }).length;

    expect((await h.deliver("pull_request", payload, { id })).status).toBe(202);
    // Drain the queue behind the duplicate: a later delivery completing proves the duplicate was not run.
    const other = await h.openPullRequest("app", appDir, "later", { "c.txt": "c\n" });
    await h.deliver("pull_request", h.pullRequestPayload("app", other));
    await h.completedRun("app", other.head.sha);

    expect(h.standIn.requests({ pathPrefix: "/api/v3/repos/acme/redeliver" }).length).toBe(before);
    expect(h.standIn.checkRuns("acme", "redeliver")).toHaveLength(1);
  });

  test("a new delivery for the same head updates the one check run in place", async () => {
    const dir = await h.repoWithPolicy("inplace", BASE_POLICY);
    const pr = await h.openPullRequest("inplace", dir, "feature", { "d.txt": "d\n" });
    await h.deliver("pull_request", h.pullRequestPayload("inplace", pr));
    await h.completedRun("inplace", pr.head.sha);
    const firstWrites = h.standIn.requests({ method: "PATCH", pathPrefix: "/api/v3/repos/acme/inplace/check-runs" }).length;
    await h.deliver("pull_request", h.pullRequestPayload("inplace", pr, "reopened"));
    for (let i = 0; i < 400 && h.standIn.requests({ method: "PATCH", pathPrefix: "/api/v3/repos/acme/inplace/check-runs" }).length < firstWrites + 2; i++) {
      await new Promise((r) => setTimeout(r, 25));
    }
    const runs = h.standIn.checkRuns("acme", "inplace");
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({ status: "completed", conclusion: "success" });
  });

  test("a forged signature is rejected with 401, never queued, and its payload never logged", async () => {
    const dir = await h.repoWithPolicy("forged", BASE_POLICY);
    const pr = await h.openPullRequest("forged", dir, "feature", { "e.txt": "e\n" });
    const payload = h.pullRequestPayload("forged", pr);
    (payload as { canary?: string }).canary = "FORGED-PAYLOAD-CANARY-7f3a";
    const res = await h.deliver("pull_request", payload, { secret: "not-the-secret" });
    expect(res.status).toBe(401);
    // Let a genuine delivery pass through the queue, then check the forged one left no trace.
    const other = await h.openPullRequest("app", appDir, "after-forgery", { "f.txt": "f\n" });
    await h.deliver("pull_request", h.pullRequestPayload("app", other));
    await h.completedRun("app", other.head.sha);
    expect(h.standIn.checkRuns("acme", "forged")).toHaveLength(0);
    expect(h.logLines.join("")).not.toContain("FORGED-PAYLOAD-CANARY-7f3a");
  });

  test("a policy change proposed in a pull request is not used to judge that pull request", async () => {
    const dir = await h.repoWithPolicy("selfpolicy", BASE_POLICY);
    // The head drops the docs namespace and would pass if its own policy were used.
    const lax = "version: 1\nnamespaces:\n  - name: main\n    refs: [refs/heads/main]\nsecrets:\n  enabled: false\n";
    const pr = await h.openPullRequest("selfpolicy", dir, "weaken", { ".github/vouch.yml": lax, "docs/guide.md": "new\n" });
    await h.deliver("pull_request", h.pullRequestPayload("selfpolicy", pr));

    const run = await h.completedRun("selfpolicy", pr.head.sha);
    expect(run.conclusion).toBe("failure");
    expect(run.output.summary).toContain("docs");
    const policyReads = h.standIn.requests({ method: "GET", pathPrefix: "/api/v3/repos/acme/selfpolicy/contents/" });
    expect(policyReads.length).toBeGreaterThan(0);
    for (const read of policyReads) expect(read.query.ref).toBe("main");
  });

  test("the summary warns when no ruleset requires the vouch check, and says nothing once one does", async () => {
    const dir = await h.repoWithPolicy("drift", BASE_POLICY);
    const first = await h.openPullRequest("drift", dir, "one", { "x.txt": "x\n" });
    await h.deliver("pull_request", h.pullRequestPayload("drift", first));
    expect((await h.completedRun("drift", first.head.sha)).output.summary).toMatch(/check is not required on/);

    const required = [
      {
        type: "required_status_checks",
        ruleset_source_type: "Repository",
        ruleset_source: "acme/required",
        ruleset_id: 12,
        parameters: { strict_required_status_checks_policy: false, required_status_checks: [{ context: "vouch", integration_id: h.standIn.appId }] },
      },
    ];
    // A fresh repository: the app keeps protection results per repository for a few minutes.
    const other = await h.repoWithPolicy("required", BASE_POLICY);
    h.standIn.state.setBranchRules("acme", "required", "main", required);
    const pr = await h.openPullRequest("required", other, "one", { "x.txt": "x\n" });
    await h.deliver("pull_request", h.pullRequestPayload("required", pr));
    expect((await h.completedRun("required", pr.head.sha)).output.summary).not.toMatch(/not required|could not tell/);
  });
});
