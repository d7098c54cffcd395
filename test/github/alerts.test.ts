/** Push-violation alerts: one open issue per ref, commented on afterwards, never twice for one delivery. */
import { afterEach, beforeEach, describe, expect, test } from "@jest/globals";
import nock from "nock";
import { alertBody, alertTitle, deliveryMarker, issueAlertFindings, sendIssueAlert } from "../../src/github/alerts.js";
import { GitHubEvidenceError } from "../../src/github/client.js";
import { evaluate } from "../../src/engine/evaluate.js";
import type { Evidence, PushInfo } from "../../src/evidence/types.js";
import type { Finding } from "../../src/engine/findings.js";
import { loadedPolicy, pullRequestEvidence } from "../helpers/evidence.js";
import { API, testOctokit } from "./octokit.js";

beforeEach(() => nock.disableNetConnect());
afterEach(() => {
  nock.cleanAll();
  nock.enableNetConnect();
});

const BEFORE = "1".repeat(40);
const AFTER = "2".repeat(40);
const push: PushInfo = { before: BEFORE, after: AFTER, created: false, deleted: false, forced: true, pusher: { login: "mallory", id: 66 } };
const finding: Finding = {
  code: "namespaces.force_push",
  control: "namespaces",
  severity: "error",
  namespace: "main",
  message: "refs/heads/main was force-pushed.",
  remedy: "Restore the previous history.",
};
const target = { owner: "acme", repo: "app", ref: "refs/heads/main", headSha: AFTER, push, findings: [finding], deliveryId: "d-1", creator: "vouch[bot]" };
const TITLE = alertTitle("refs/heads/main");
const issuesQuery = { state: "open", per_page: "100", creator: "vouch[bot]" };
const issue = (extra: Record<string, unknown> = {}) => ({ number: 7, title: TITLE, body: "first", html_url: "https://github.com/acme/app/issues/7", comments: 0, user: { type: "Bot" }, ...extra });

function pushEvidence(): Evidence {
  const e = pullRequestEvidence([]);
  e.change = { ...e.change, kind: "push", headSha: AFTER, baseSha: BEFORE, push };
  return e;
}

describe("alert text", () => {
  test("names the ref, the pusher, both shas, what was violated and how to fix it, with the delivery marker", () => {
    const body = alertBody(target);
    expect(TITLE).toContain("refs/heads/main");
    expect(body).toContain("@mallory (GitHub id 66) force-pushed");
    expect(body).toContain(BEFORE);
    expect(body).toContain(AFTER);
    expect(body).toContain("**namespaces.force_push** (namespace \"main\"): refs/heads/main was force-pushed.");
    expect(body).toContain("- Restore the previous history.");
    expect(body).toContain(deliveryMarker("d-1"));
  });
});

describe("issueAlertFindings", () => {
  const policy = (alerts: "check" | "issue") => loadedPolicy({ alerts, namespaces: [{ name: "main", refs: ["refs/heads/main"], forbid: ["force-push"] }], secrets: { enabled: false } });
  test("a push violation under `alerts: issue` is alerted", () => {
    const e = pushEvidence();
    expect(issueAlertFindings(policy("issue"), evaluate(policy("issue"), e), e)?.map((f) => f.code)).toEqual(["namespaces.force_push"]);
  });
  test("`alerts: check` (the default) only fails the check", () => {
    const e = pushEvidence();
    expect(issueAlertFindings(policy("check"), evaluate(policy("check"), e), e)).toBeNull();
  });
  test("a pull request is never alerted", () => {
    const e = pullRequestEvidence(["a.txt"]);
    expect(issueAlertFindings(policy("issue"), evaluate(policy("issue"), e), e)).toBeNull();
  });
});

describe("sendIssueAlert", () => {
  test("opens an issue titled with the ref when none is open", async () => {
    const scope = nock(API)
      .get("/repos/acme/app/issues")
      .query(issuesQuery)
      .reply(200, [])
      .post("/repos/acme/app/issues", (b: { title: string; body: string }) => b.title === TITLE && b.body.includes(deliveryMarker("d-1")))
      .reply(201, issue({ number: 8, html_url: "https://github.com/acme/app/issues/8" }));
    expect(await sendIssueAlert(testOctokit(), target)).toEqual({ action: "opened", issue: 8, url: "https://github.com/acme/app/issues/8" });
    expect(scope.isDone()).toBe(true);
  });

  test("comments on the ref's open issue instead of opening another", async () => {
    const scope = nock(API)
      .get("/repos/acme/app/issues")
      .query(issuesQuery)
      .reply(200, [issue({ number: 3, title: "Something else" }), issue({ comments: 1 })])
      .get("/repos/acme/app/issues/7/comments")
      .query({ per_page: "100" })
      .reply(200, [{ id: 1, body: deliveryMarker("an-earlier-delivery") }])
      .post("/repos/acme/app/issues/7/comments", (b: { body: string }) => b.body.includes(deliveryMarker("d-1")))
      .reply(201, { id: 2 });
    expect((await sendIssueAlert(testOctokit(), target)).action).toBe("commented");
    expect(scope.isDone()).toBe(true);
  });

  test("a redelivery finds its own marker and neither opens nor comments", async () => {
    nock(API).get("/repos/acme/app/issues").query(issuesQuery).reply(200, [issue({ body: `opened\n${deliveryMarker("d-1")}` })]);
    expect((await sendIssueAlert(testOctokit(), target)).action).toBe("already_alerted");
    nock(API)
      .get("/repos/acme/app/issues")
      .query(issuesQuery)
      .reply(200, [issue({ comments: 2 })])
      .get("/repos/acme/app/issues/7/comments")
      .query({ per_page: "100" })
      .reply(200, [{ id: 1, body: "x" }, { id: 2, body: `again\n${deliveryMarker("d-1")}` }]);
    expect((await sendIssueAlert(testOctokit(), target)).action).toBe("already_alerted");
    expect(nock.pendingMocks()).toEqual([]);
  });

  test("without a known bot login, only an issue a bot opened is reused", async () => {
    const { creator: _creator, ...anonymous } = target;
    nock(API)
      .get("/repos/acme/app/issues")
      .query({ state: "open", per_page: "100" })
      .reply(200, [issue({ number: 4, user: { type: "User" } })])
      .post("/repos/acme/app/issues")
      .reply(201, issue({ number: 9 }));
    expect(await sendIssueAlert(testOctokit(), anonymous)).toMatchObject({ action: "opened", issue: 9 });
  });

  test("GitHub refusing is a GitHubEvidenceError naming what failed", async () => {
    nock(API).get("/repos/acme/app/issues").query(issuesQuery).reply(200, []).post("/repos/acme/app/issues").reply(403, { message: "Resource not accessible by integration" });
    const error = await sendIssueAlert(testOctokit(), target).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GitHubEvidenceError);
    expect((error as Error).message).toMatch(/new issue in acme\/app \(HTTP 403\)/);
  });
});
