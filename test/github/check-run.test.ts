import { afterEach, beforeEach, describe, expect, test } from "@jest/globals";
import nock from "nock";
import { ProbotOctokit } from "probot";
import {
  CHECK_NAME,
  CheckRunError,
  completeCheckRun,
  startCheckRun,
  type CheckRunClient,
} from "../../src/github/check-run.js";
import type { Annotation } from "../../src/report/annotations.js";
import { renderCheckOutput } from "../../src/report/render.js";
import { evaluate } from "../../src/engine/evaluate.js";
import { EVIDENCE_SCHEMA, type LoadedPolicy } from "../../src/evidence/types.js";
import { assertRequestMatchesOpenApi } from "../helpers/openapi.js";

const API = "https://api.github.com";
const TOKEN = "ghs_checkRunTestSecret0123456789";
const OWNER = "acme";
const REPO = "app";
const SHA = "b".repeat(40);
const APP_ID = 123;
const RUNS = `/repos/${OWNER}/${REPO}/check-runs`;
const LIST = `/repos/${OWNER}/${REPO}/commits/${SHA}/check-runs`;
const STARTED = new Date("2026-11-25T12:00:00Z");
const COMPLETED = new Date("2026-11-25T12:00:05Z");

function octokit(): CheckRunClient {
  // Function form of defaults: the object form leaves throttling on (probot#2039).
  const Octokit = ProbotOctokit.defaults((o: Record<string, unknown>) => ({
    ...o,
    retry: { enabled: false },
    throttle: { enabled: false },
  }));
  return new Octokit({ auth: { token: TOKEN } }) as CheckRunClient;
}

interface Seen {
  method: string;
  template: string;
  body: Record<string, unknown>;
}

let seen: Seen[];

/** A nock body matcher that records the body with the OpenAPI operation it is for. */
function record(method: string, template: string) {
  return (body: Record<string, unknown>) => {
    seen.push({ method, template, body });
    return true;
  };
}

function expectAllBodiesMatchOpenApi(): void {
  expect(seen.length).toBeGreaterThan(0);
  for (const s of seen) expect(() => assertRequestMatchesOpenApi(s.method, s.template, s.body)).not.toThrow();
}

function annotations(n: number): Annotation[] {
  return Array.from({ length: n }, (_, i) => ({
    path: `src/f${i}.ts`,
    start_line: i + 1,
    end_line: i + 1,
    annotation_level: "failure",
    title: "secrets.generic",
    message: `finding ${i}`,
  }));
}

function outputOf(body: Record<string, unknown>): { title: string; summary: string; text?: string; annotations?: Annotation[] } {
  return body.output as { title: string; summary: string; text?: string; annotations?: Annotation[] };
}

beforeEach(() => {
  nock.disableNetConnect();
  seen = [];
});

afterEach(() => {
  nock.cleanAll();
  nock.enableNetConnect();
});

describe("startCheckRun", () => {
  test("creates an in_progress run when the head SHA has none", async () => {
    const scope = nock(API)
      .get(LIST)
      .query({ check_name: CHECK_NAME, filter: "latest", per_page: "100", app_id: String(APP_ID) })
      .matchHeader("authorization", `token ${TOKEN}`)
      .reply(200, { total_count: 0, check_runs: [] })
      .post(RUNS, record("POST", "/repos/{owner}/{repo}/check-runs"))
      .reply(201, { id: 4242 });
    const run = await startCheckRun(octokit(), {
      owner: OWNER,
      repo: REPO,
      headSha: SHA,
      externalId: "delivery-1",
      detailsUrl: "https://vouch.example/runs/1",
      appId: APP_ID,
      startedAt: STARTED,
    });
    expect(run).toEqual({ id: 4242, created: true });
    expect(scope.isDone()).toBe(true);
    expect(seen).toHaveLength(1);
    expect(seen[0]!.body).toMatchObject({
      name: "vouch",
      head_sha: SHA,
      status: "in_progress",
      started_at: "2026-11-25T12:00:00.000Z",
      external_id: "delivery-1",
      details_url: "https://vouch.example/runs/1",
    });
    expect(seen[0]!.body).not.toHaveProperty("conclusion");
    expectAllBodiesMatchOpenApi();
  });

  test("a redelivery updates the existing run in place and creates none", async () => {
    const scope = nock(API)
      .get(LIST)
      .query(true)
      .reply(200, {
        total_count: 2,
        check_runs: [
          { id: 70, name: "vouch", head_sha: SHA, status: "completed", conclusion: "failure", app: { id: APP_ID } },
          { id: 71, name: "vouch", head_sha: SHA, status: "completed", conclusion: "success", app: { id: APP_ID } },
        ],
      })
      .patch(`${RUNS}/71`, record("PATCH", "/repos/{owner}/{repo}/check-runs/{check_run_id}"))
      .reply(200, { id: 71 });
    const run = await startCheckRun(octokit(), {
      owner: OWNER,
      repo: REPO,
      headSha: SHA,
      externalId: "delivery-1",
      appId: APP_ID,
      startedAt: STARTED,
    });
    expect(run).toEqual({ id: 71, created: false });
    expect(scope.isDone()).toBe(true);
    expect(seen.map((s) => s.method)).toEqual(["PATCH"]);
    const body = seen[0]!.body;
    expect(body).toMatchObject({ status: "in_progress", external_id: "delivery-1", started_at: "2026-11-25T12:00:00.000Z" });
    // The old verdict's output is replaced, so nobody reads a stale result while the new one is computed.
    expect(outputOf(body).title).toMatch(/checking/i);
    expect(outputOf(body)).not.toHaveProperty("annotations");
    expectAllBodiesMatchOpenApi();
  });

  test("a run named vouch made by another app is left alone", async () => {
    const scope = nock(API)
      .get(LIST)
      .query(true)
      .reply(200, { total_count: 1, check_runs: [{ id: 9, name: "vouch", head_sha: SHA, app: { id: 999 } }] })
      .post(RUNS, record("POST", "/repos/{owner}/{repo}/check-runs"))
      .reply(201, { id: 10 });
    const run = await startCheckRun(octokit(), { owner: OWNER, repo: REPO, headSha: SHA, externalId: "d", appId: APP_ID });
    expect(run).toEqual({ id: 10, created: true });
    expect(scope.isDone()).toBe(true);
    expectAllBodiesMatchOpenApi();
  });

  test("without an app id the query does not filter by app, and the latest vouch run is reused", async () => {
    const scope = nock(API)
      .get(LIST)
      .query({ check_name: CHECK_NAME, filter: "latest", per_page: "100" })
      .reply(200, { total_count: 1, check_runs: [{ id: 5, name: "vouch", head_sha: SHA, app: { id: 1 } }] })
      .patch(`${RUNS}/5`, record("PATCH", "/repos/{owner}/{repo}/check-runs/{check_run_id}"))
      .reply(200, { id: 5 });
    const run = await startCheckRun(octokit(), { owner: OWNER, repo: REPO, headSha: SHA, externalId: "d" });
    expect(run).toEqual({ id: 5, created: false });
    expect(scope.isDone()).toBe(true);
  });

  test.each([
    [422, "create", "create the check run"],
    [500, "create", "create the check run"],
  ] as const)("HTTP %i on create fails with a CheckRunError naming the call", async (status, call, words) => {
    nock(API)
      .get(LIST)
      .query(true)
      .reply(200, { total_count: 0, check_runs: [] })
      .post(RUNS)
      .reply(status, { message: status === 422 ? "Validation Failed" : "Server Error" });
    const error = await startCheckRun(octokit(), { owner: OWNER, repo: REPO, headSha: SHA, externalId: "d" }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(CheckRunError);
    const e = error as CheckRunError;
    expect(e.call).toBe(call);
    expect(e.status).toBe(status);
    expect(e.message).toBe(`GitHub API: could not ${words} on acme/app (HTTP ${status})`);
    expect(`${e.message}${e.stack}${JSON.stringify(e)}`).not.toContain(TOKEN);
  });

  test("a failure to list runs is reported as the find call, and nothing is created", async () => {
    const scope = nock(API).get(LIST).query(true).reply(500, { message: "boom" });
    const error = await startCheckRun(octokit(), { owner: OWNER, repo: REPO, headSha: SHA, externalId: "d" }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(CheckRunError);
    expect((error as CheckRunError).call).toBe("find");
    expect((error as CheckRunError).message).toMatch(/list the check runs of the commit/);
    expect(scope.isDone()).toBe(true);
  });
});

describe("completeCheckRun", () => {
  const PATCH = "/repos/{owner}/{repo}/check-runs/{check_run_id}";

  function patches(n: number, status = 200) {
    let scope = nock(API);
    for (let i = 0; i < n; i++) scope = scope.patch(`${RUNS}/4242`, record("PATCH", PATCH)).reply(status, { id: 4242 });
    return scope;
  }

  test("120 annotations go out as 50, 50 and 20; only the first request completes the run", async () => {
    const scope = patches(3);
    const result = await completeCheckRun(octokit(), {
      owner: OWNER,
      repo: REPO,
      checkRunId: 4242,
      conclusion: "failure",
      completedAt: COMPLETED,
      output: { title: "3 problems", summary: "## summary", text: "details", annotations: annotations(120) },
    });
    expect(scope.isDone()).toBe(true);
    expect(result).toEqual({ annotations: 120, requests: 3 });
    expect(seen.map((s) => outputOf(s.body).annotations?.length)).toEqual([50, 50, 20]);
    expect(seen[0]!.body).toMatchObject({ status: "completed", conclusion: "failure", completed_at: "2026-11-25T12:00:05.000Z" });
    expect(seen[1]!.body).not.toHaveProperty("conclusion");
    expect(seen[2]!.body).not.toHaveProperty("status");
    const sent = seen.flatMap((s) => outputOf(s.body).annotations ?? []).map((a) => a.path);
    expect(sent).toEqual(annotations(120).map((a) => a.path));
    for (const s of seen) expect(outputOf(s.body)).toMatchObject({ title: "3 problems", summary: "## summary", text: "details" });
    expectAllBodiesMatchOpenApi();
  });

  test("no annotations: one request, without an annotations field", async () => {
    const scope = patches(1);
    await completeCheckRun(octokit(), {
      owner: OWNER,
      repo: REPO,
      checkRunId: 4242,
      conclusion: "success",
      completedAt: COMPLETED,
      output: { title: "ok", summary: "fine" },
    });
    expect(scope.isDone()).toBe(true);
    expect(outputOf(seen[0]!.body)).toEqual({ title: "ok", summary: "fine" });
    expectAllBodiesMatchOpenApi();
  });

  test("a summary and text over 65,535 characters are cut with a visible note", async () => {
    patches(1);
    await completeCheckRun(octokit(), {
      owner: OWNER,
      repo: REPO,
      checkRunId: 4242,
      conclusion: "failure",
      completedAt: COMPLETED,
      output: { title: "big", summary: "s\n".repeat(40_000), text: "t".repeat(70_000) },
    });
    const out = outputOf(seen[0]!.body);
    expect(out.summary.length).toBeLessThanOrEqual(65_535);
    expect(out.summary).toMatch(/output truncated:\*\* [\d,]+ more characters not shown; run `vouch verify` locally/);
    expect(out.text!.length).toBeLessThanOrEqual(65_535);
    expect(out.text).toMatch(/output truncated/);
    expectAllBodiesMatchOpenApi();
  });

  test("more than 1,000 annotations: 1,000 are sent in 20 requests and the summary says the rest are in the text", async () => {
    const scope = patches(20);
    const result = await completeCheckRun(octokit(), {
      owner: OWNER,
      repo: REPO,
      checkRunId: 4242,
      conclusion: "failure",
      completedAt: COMPLETED,
      output: { title: "many", summary: "x".repeat(65_535), annotations: annotations(1_234) },
    });
    expect(scope.isDone()).toBe(true);
    expect(result).toEqual({ annotations: 1_000, requests: 20 });
    const summary = outputOf(seen[0]!.body).summary;
    expect(summary.length).toBeLessThanOrEqual(65_535);
    expect(summary).toMatch(/only the first 1,000 of 1,234 annotations are shown; the rest are listed in the details/);
    expectAllBodiesMatchOpenApi();
  });

  test("a reused run does not get the annotations it already carries a second time", async () => {
    const all = annotations(3);
    const existing = all.slice(0, 2).map((a) => ({ ...a, start_column: null, end_column: null, raw_details: null, blob_href: "x" }));
    const scope = nock(API)
      .get(`${RUNS}/4242/annotations`)
      .query({ per_page: "100", page: "1" })
      .reply(200, existing)
      .patch(`${RUNS}/4242`, record("PATCH", PATCH))
      .reply(200, { id: 4242 });
    const result = await completeCheckRun(octokit(), {
      owner: OWNER,
      repo: REPO,
      checkRunId: 4242,
      conclusion: "failure",
      completedAt: COMPLETED,
      output: { title: "t", summary: "s", annotations: all },
      skipExistingAnnotations: true,
    });
    expect(scope.isDone()).toBe(true);
    expect(result.annotations).toBe(1);
    expect(outputOf(seen[0]!.body).annotations!.map((a) => a.path)).toEqual(["src/f2.ts"]);
  });

  test.each([422, 500])("HTTP %i on the completing update fails with a CheckRunError for the complete call", async (status) => {
    nock(API).patch(`${RUNS}/4242`).reply(status, { message: "nope" });
    const error = await completeCheckRun(octokit(), {
      owner: OWNER,
      repo: REPO,
      checkRunId: 4242,
      conclusion: "failure",
      completedAt: COMPLETED,
      output: { title: "t", summary: "s", annotations: annotations(60) },
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CheckRunError);
    expect((error as CheckRunError).call).toBe("complete");
    expect((error as CheckRunError).status).toBe(status);
    expect((error as CheckRunError).message).toBe(`GitHub API: could not complete the check run on acme/app (HTTP ${status})`);
    expect(String(error)).not.toContain(TOKEN);
  });

  test("a failure while appending annotations is reported as the annotate call and stops further requests", async () => {
    const scope = nock(API)
      .patch(`${RUNS}/4242`)
      .reply(200, { id: 4242 })
      .patch(`${RUNS}/4242`)
      .reply(500, { message: "nope" });
    const error = await completeCheckRun(octokit(), {
      owner: OWNER,
      repo: REPO,
      checkRunId: 4242,
      conclusion: "failure",
      completedAt: COMPLETED,
      output: { title: "t", summary: "s", annotations: annotations(150) },
    }).catch((e: unknown) => e);
    expect(scope.isDone()).toBe(true);
    expect((error as CheckRunError).call).toBe("annotate");
    expect((error as CheckRunError).message).toMatch(/could not add annotations to the check run/);
  });
});

describe("the rendered verdict through the writer", () => {
  test("an invalid policy completes as failure with an annotation on the offending line of .github/vouch.yml", async () => {
    const source = { repository: `${OWNER}/${REPO}`, path: ".github/vouch.yml", ref: "main" };
    const loaded: LoadedPolicy = {
      status: "invalid",
      digest: "sha256:" + "0f".repeat(32),
      sources: [source],
      errors: [{ path: ".github/vouch.yml", line: 6, column: 9, field: "namespaces.0.refs.0", message: "a ref pattern starts with refs/heads/ or refs/tags/" }],
    };
    const verdict = evaluate(loaded, {
      schema: EVIDENCE_SCHEMA,
      repository: { id: 1, fullName: `${OWNER}/${REPO}` },
      observedAt: "2026-11-25T12:00:00.000Z",
      change: { kind: "pull_request", ref: "refs/heads/main", baseSha: "a".repeat(40), headSha: SHA, files: [], filesComplete: true },
      gaps: [],
    });
    const output = renderCheckOutput(verdict, { repository: `${OWNER}/${REPO}`, policySources: loaded.sources });
    const scope = nock(API).patch(`${RUNS}/4242`, record("PATCH", "/repos/{owner}/{repo}/check-runs/{check_run_id}")).reply(200, { id: 4242 });
    await completeCheckRun(octokit(), {
      owner: OWNER,
      repo: REPO,
      checkRunId: 4242,
      conclusion: verdict.conclusion,
      completedAt: COMPLETED,
      output,
    });
    expect(scope.isDone()).toBe(true);
    expect(seen[0]!.body).toMatchObject({
      conclusion: "failure",
      output: {
        annotations: [
          expect.objectContaining({ path: ".github/vouch.yml", start_line: 6, end_line: 6, start_column: 9, annotation_level: "failure" }),
        ],
      },
    });
    expectAllBodiesMatchOpenApi();
  });
});
