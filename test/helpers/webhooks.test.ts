import { afterAll, beforeAll, describe, expect, test } from "@jest/globals";
import { verify } from "@octokit/webhooks-methods";
import { createHmac } from "node:crypto";
import { startStandIn, type StandIn } from "../standin/index.js";
import { seedRepository, type Seeded } from "../standin/testing.js";
import { exampleFor, fromStandIn, signWebhook, webhookDelivery, webhookPayload } from "./webhooks.js";

let standIn: StandIn;
let seeded: Seeded;

beforeAll(async () => {
  standIn = await startStandIn();
  seeded = await seedRepository(standIn);
});

afterAll(async () => {
  await seeded.cleanup();
  await standIn.close();
});

describe("webhookPayload", () => {
  test("adapts GitHub's pull_request.opened example to the stand-in's repository and pull request", () => {
    const overrides = fromStandIn(standIn.state, "acme", "widgets", 1);
    const payload = webhookPayload("pull_request", "opened", { ...overrides, origin: standIn.url });
    const repo = standIn.state.requireRepo("acme", "widgets");
    expect(payload.action).toBe("opened");
    expect(payload.installation).toMatchObject({ id: 1 });
    expect(payload.repository).toMatchObject({ id: repo.id, name: "widgets", full_name: "acme/widgets", owner: { login: "acme" }, default_branch: "main" });
    expect(payload.number).toBe(1);
    expect(payload.pull_request).toMatchObject({
      number: 1,
      head: { ref: "feature", sha: seeded.headSha, repo: { id: repo.id } },
      base: { ref: "main", sha: seeded.baseSha },
      user: { login: "alice", id: standIn.state.user("alice").id },
    });
    expect(payload.sender).toMatchObject({ login: "alice" });
    // Untouched example fields survive, so handlers see a realistic payload.
    expect(Object.keys(payload.pull_request as object).length).toBeGreaterThan(30);
  });

  test("push payloads derive created/deleted from zero SHAs; patch deep-merges", () => {
    const { repository } = fromStandIn(standIn.state, "acme", "widgets");
    const zero = "0".repeat(40);
    const deleted = webhookPayload("push", undefined, { repository, push: { ref: "refs/heads/main", before: seeded.baseSha, after: zero }, sender: { login: "mallory", id: 66 } });
    expect(deleted).toMatchObject({ ref: "refs/heads/main", deleted: true, created: false, forced: false, sender: { login: "mallory" }, pusher: { name: "mallory" } });
    const forced = webhookPayload("push", undefined, {
      repository,
      push: { ref: "refs/heads/main", before: seeded.baseSha, after: seeded.headSha, forced: true },
      patch: { repository: { archived: true } },
    });
    expect(forced).toMatchObject({ forced: true, created: false, repository: { archived: true, full_name: "acme/widgets" } });
  });

  test("reviews, check runs and merge groups are rewritten too", () => {
    const base = fromStandIn(standIn.state, "acme", "widgets", 1);
    const review = webhookPayload("pull_request_review", "submitted", {
      ...base,
      review: { id: 5, state: "APPROVED", user: { login: "bob", id: 77 }, commitId: seeded.headSha },
    });
    expect(review.review).toMatchObject({ id: 5, state: "approved", commit_id: seeded.headSha, user: { login: "bob", id: 77 } });
    const run = webhookPayload("check_run", "rerequested", { ...base, checkRun: { id: 9, name: "vouch", headSha: seeded.headSha } });
    expect(run.check_run).toMatchObject({ id: 9, name: "vouch", head_sha: seeded.headSha });
    const group = webhookPayload("merge_group", "checks_requested", {
      ...base,
      mergeGroup: { headSha: seeded.headSha, headRef: "refs/heads/gh-readonly-queue/main/pr-1", baseSha: seeded.baseSha, baseRef: "refs/heads/main" },
    });
    expect(group.merge_group).toMatchObject({ head_sha: seeded.headSha, base_sha: seeded.baseSha, head_commit: { id: seeded.headSha } });
  });

  test("unknown events and actions are reported, and examples are copies", () => {
    expect(() => exampleFor("no_such_event")).toThrow(/no webhook examples/);
    expect(() => exampleFor("pull_request", "teleported")).toThrow(/no webhook example/);
    const a = exampleFor("pull_request", "opened");
    a.action = "changed";
    expect(exampleFor("pull_request", "opened").action).toBe("opened");
  });
});

describe("signing", () => {
  test("signWebhook produces GitHub's sha256 HMAC, verifiable with the secret and not without it", async () => {
    const body = JSON.stringify({ hello: "world" });
    const signature = await signWebhook(body, "s3cret");
    expect(signature).toBe(`sha256=${createHmac("sha256", "s3cret").update(body).digest("hex")}`);
    expect(await verify("s3cret", body, signature)).toBe(true);
    expect(await verify("other", body, signature)).toBe(false);
  });

  test("webhookDelivery carries event, delivery id and a signature over the exact body", async () => {
    const payload = webhookPayload("pull_request", "synchronize", fromStandIn(standIn.state, "acme", "widgets", 1));
    const delivery = await webhookDelivery("pull_request", payload, "s3cret", "d-1");
    expect(delivery.headers).toMatchObject({ "x-github-event": "pull_request", "x-github-delivery": "d-1" });
    expect(await verify("s3cret", delivery.body, delivery.headers["x-hub-signature-256"] as string)).toBe(true);
    expect(JSON.parse(delivery.body)).toEqual(payload);
  });
});
