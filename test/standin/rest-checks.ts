// Check runs, with GitHub's semantics: conclusion implies completed, annotations accumulate.
import type { Annotation, CheckRunRecord, RepoRecord } from "./state.js";
import { json, notFound, paginate, paged, unprocessable, type HttpResult } from "./http.js";
import { bodyObject, type RestContext, type RestHandler } from "./rest-context.js";
import { resolveCommit } from "./git-queries.js";

function repoOf(ctx: RestContext): RepoRecord | undefined {
  const repo = ctx.state.repo(ctx.params.owner ?? "", ctx.params.repo ?? "");
  return repo && repo.installed ? repo : undefined;
}

function runOf(ctx: RestContext): CheckRunRecord | undefined {
  const repo = repoOf(ctx);
  const id = Number(ctx.params.check_run_id);
  return repo ? ctx.state.checkRuns(repo.owner, repo.name).find((c) => c.id === id) : undefined;
}

function str(value: unknown): string | undefined {
  return typeof value === "string" ? value : undefined;
}

/** Applies a create or update body to `run`; returns an error response when GitHub would refuse it. */
function apply(ctx: RestContext, run: CheckRunRecord, body: Record<string, unknown>): HttpResult | undefined {
  if (str(body.name) !== undefined) run.name = str(body.name) as string;
  if (str(body.details_url) !== undefined) run.detailsUrl = str(body.details_url) as string;
  if (str(body.external_id) !== undefined) run.externalId = str(body.external_id) as string;
  if (str(body.started_at) !== undefined) run.startedAt = str(body.started_at) as string;
  if (str(body.status) !== undefined) run.status = str(body.status) as CheckRunRecord["status"];
  if (str(body.conclusion) !== undefined) {
    run.conclusion = str(body.conclusion) as string;
    run.status = "completed";
  }
  if (str(body.completed_at) !== undefined) run.completedAt = str(body.completed_at) as string;
  if (run.status === "completed" && run.conclusion === null) {
    return unprocessable("Invalid request.\n\nWhen the status is 'completed', 'conclusion' is required.");
  }
  if (run.status === "completed" && run.completedAt === null) run.completedAt = ctx.state.now();
  if (run.status === "in_progress" && run.startedAt === null) run.startedAt = ctx.state.now();
  const output = body.output;
  if (typeof output === "object" && output !== null) {
    const o = output as Record<string, unknown>;
    run.output = {
      title: str(o.title) ?? null,
      summary: str(o.summary) ?? null,
      text: str(o.text) ?? null,
    };
    if (Array.isArray(o.annotations)) run.annotations.push(...(o.annotations as Annotation[]));
  }
  return undefined;
}

export const checkHandlers: Record<string, RestHandler> = {
  "POST /repos/{owner}/{repo}/check-runs": async (ctx) => {
    const repo = repoOf(ctx);
    if (!repo) return notFound();
    const body = bodyObject(ctx);
    const headSha = str(body.head_sha) ?? "";
    const resolved = /^[0-9a-f]{40}$/i.test(headSha) ? await resolveCommit(repo.gitDir, headSha) : undefined;
    if (!resolved) return unprocessable(`No commit found for SHA: ${headSha}`);
    const run: CheckRunRecord = {
      id: ctx.state.nextId("check"),
      owner: repo.owner,
      repo: repo.name,
      name: "",
      headSha: resolved,
      status: "queued",
      conclusion: null,
      startedAt: null,
      completedAt: null,
      externalId: null,
      detailsUrl: null,
      output: { title: null, summary: null, text: null },
      annotations: [],
      appId: ctx.build.appId,
    };
    const refused = apply(ctx, run, body);
    if (refused) return refused;
    run.startedAt ??= ctx.state.now();
    ctx.state.checkRunList.push(run);
    return json(201, ctx.build.checkRun(run));
  },

  "PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}": (ctx) => {
    const run = runOf(ctx);
    if (!run) return notFound();
    const draft: CheckRunRecord = { ...run, output: { ...run.output }, annotations: [...run.annotations] };
    const refused = apply(ctx, draft, bodyObject(ctx));
    if (refused) return refused;
    Object.assign(run, draft);
    return json(200, ctx.build.checkRun(run));
  },

  "GET /repos/{owner}/{repo}/check-runs/{check_run_id}": (ctx) => {
    const run = runOf(ctx);
    return run ? json(200, ctx.build.checkRun(run)) : notFound();
  },

  "GET /repos/{owner}/{repo}/check-runs/{check_run_id}/annotations": (ctx) => {
    const run = runOf(ctx);
    if (!run) return notFound();
    const page = paginate(
      run.annotations.map((_, i) => i),
      ctx.query,
      ctx.url,
    );
    return paged({ ...page, items: page.items.map((i) => ctx.build.annotation(run, i)) });
  },

  "GET /repos/{owner}/{repo}/commits/{ref}/check-runs": async (ctx) => {
    const repo = repoOf(ctx);
    if (!repo) return notFound();
    const sha = await resolveCommit(repo.gitDir, ctx.params.ref ?? "");
    if (!sha) return unprocessable(`No commit found for SHA: ${ctx.params.ref}`);
    const name = ctx.query.get("check_name");
    const status = ctx.query.get("status");
    let runs = ctx.state
      .checkRuns(repo.owner, repo.name)
      .filter((c) => c.headSha === sha)
      .filter((c) => !name || c.name === name)
      .filter((c) => !status || c.status === status)
      .sort((a, b) => b.id - a.id);
    if ((ctx.query.get("filter") ?? "latest") === "latest") {
      const seen = new Set<string>();
      runs = runs.filter((c) => !seen.has(c.name) && seen.add(c.name) !== undefined);
    }
    const page = paginate(runs, ctx.query, ctx.url);
    return json(200, { total_count: runs.length, check_runs: page.items.map((c) => ctx.build.checkRun(c)) }, page.link ? { link: page.link } : {});
  },
};
