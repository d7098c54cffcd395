/**
 * Writes the `vouch` check run: one per head SHA, `in_progress` at once, then completed with the rendered output.
 * A redelivered or re-requested webhook finds the run it made before and updates it in place.
 */
import type { ProbotOctokit } from "probot";
import type { Annotation } from "../report/annotations.js";
import { MAX_ANNOTATIONS } from "../report/render.js";
import { OUTPUT_LIMIT, truncate } from "../report/truncate.js";

export const CHECK_NAME = "vouch";
/** The Checks API takes at most 50 annotations per request; more are appended by further updates. */
export const ANNOTATIONS_PER_REQUEST = 50;

/** The installation-authenticated client Probot hands to handlers (`context.octokit`). */
export type CheckRunClient = InstanceType<typeof ProbotOctokit>;

export type CheckConclusion = "success" | "failure" | "neutral" | "cancelled" | "timed_out" | "action_required" | "skipped";

export type CheckRunCall = "find" | "create" | "start" | "complete" | "annotate" | "list-annotations";

const CALL_WHAT: Record<CheckRunCall, string> = {
  find: "list the check runs of the commit",
  create: "create the check run",
  start: "restart the existing check run",
  complete: "complete the check run",
  annotate: "add annotations to the check run",
  "list-annotations": "list the check run's existing annotations",
};

/** A Checks API failure. The message names the call and the HTTP status, never a token or a request body. */
export class CheckRunError extends Error {
  readonly code = "github.check_run";
  constructor(
    readonly call: CheckRunCall,
    readonly status: number | null,
    readonly repository: string,
    cause?: unknown,
  ) {
    super(`GitHub API: could not ${CALL_WHAT[call]} on ${repository}${status ? ` (HTTP ${status})` : ""}`, { cause });
    this.name = "CheckRunError";
  }
}

function statusOf(error: unknown): number | null {
  const status = (error as { status?: unknown } | null)?.status;
  return typeof status === "number" ? status : null;
}

async function call<T>(what: CheckRunCall, repository: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    throw new CheckRunError(what, statusOf(error), repository, error);
  }
}

export interface StartCheckRunInput {
  owner: string;
  repo: string;
  headSha: string;
  /** Our reference for this evaluation (the delivery id); lets a later event tell which evaluation wrote the run. */
  externalId: string;
  detailsUrl?: string;
  /** This app's id. When known, only runs this app made are reused (another app may also name a check `vouch`). */
  appId?: number;
  /** Defaults to now. */
  startedAt?: Date;
}

const IN_PROGRESS_OUTPUT = {
  title: "Vouch is checking this change",
  summary: "Verification is in progress. The result, and what to do about any problem, will appear here.",
};

/**
 * Marks the head SHA's `vouch` check run `in_progress`: updates the latest run this app made for the SHA
 * (replacing its old title and summary) or, when there is none, creates one. `created` says which happened.
 */
export async function startCheckRun(
  octokit: CheckRunClient,
  input: StartCheckRunInput,
): Promise<{ id: number; created: boolean }> {
  const { owner, repo, headSha } = input;
  const repository = `${owner}/${repo}`;
  const startedAt = (input.startedAt ?? new Date()).toISOString();
  const { data } = await call("find", repository, () =>
    octokit.rest.checks.listForRef({
      owner,
      repo,
      ref: headSha,
      check_name: CHECK_NAME,
      filter: "latest",
      per_page: 100,
      ...(input.appId !== undefined ? { app_id: input.appId } : {}),
    }),
  );
  const mine = data.check_runs
    .filter(
      (r) =>
        r.name === CHECK_NAME &&
        r.head_sha === headSha &&
        (input.appId === undefined || r.app?.id === input.appId),
    )
    .sort((a, b) => b.id - a.id);
  const existing = mine[0];
  const fields = {
    owner,
    repo,
    status: "in_progress" as const,
    started_at: startedAt,
    external_id: input.externalId,
    ...(input.detailsUrl !== undefined ? { details_url: input.detailsUrl } : {}),
    output: IN_PROGRESS_OUTPUT,
  };
  if (existing) {
    await call("start", repository, () => octokit.rest.checks.update({ ...fields, check_run_id: existing.id }));
    return { id: existing.id, created: false };
  }
  const created = await call("create", repository, () =>
    octokit.rest.checks.create({ ...fields, name: CHECK_NAME, head_sha: headSha }),
  );
  return { id: created.data.id, created: true };
}

export interface CheckRunOutput {
  title: string;
  summary: string;
  text?: string;
  annotations?: Annotation[];
}

export interface CompleteCheckRunInput {
  owner: string;
  repo: string;
  checkRunId: number;
  conclusion: CheckConclusion;
  output: CheckRunOutput;
  completedAt: Date;
  /**
   * Set when the run was reused (`created: false`): GitHub appends annotations and cannot delete them, so the
   * ones the run already carries from an earlier evaluation are not sent again.
   */
  skipExistingAnnotations?: boolean;
}

export interface CompleteCheckRunResult {
  /** Annotations sent across all requests. */
  annotations: number;
  /** PATCH requests made. */
  requests: number;
}

function annotationKey(a: {
  path: string;
  start_line: number;
  end_line: number;
  annotation_level?: string | null;
  message?: string | null;
  title?: string | null;
}): string {
  return JSON.stringify([a.path, a.start_line, a.end_line, a.annotation_level ?? "", a.message ?? "", a.title ?? ""]);
}

async function existingAnnotationKeys(
  octokit: CheckRunClient,
  owner: string,
  repo: string,
  checkRunId: number,
): Promise<Set<string>> {
  const keys = new Set<string>();
  const repository = `${owner}/${repo}`;
  // A run never holds more than we send (MAX_ANNOTATIONS), so the page bound only guards against a runaway API.
  for (let page = 1; page <= Math.ceil(MAX_ANNOTATIONS / 100) + 1; page++) {
    const { data } = await call("list-annotations", repository, () =>
      octokit.rest.checks.listAnnotations({ owner, repo, check_run_id: checkRunId, per_page: 100, page }),
    );
    for (const a of data) keys.add(annotationKey(a));
    if (data.length < 100) break;
  }
  return keys;
}

/**
 * Completes the run: the first update sets the conclusion, the output and up to 50 annotations; further updates
 * append the rest 50 at a time (GitHub appends annotations on update). At most MAX_ANNOTATIONS are sent; when
 * more are given the summary says so. Summary and text are cut to GitHub's 65,535-character limit with a note.
 */
export async function completeCheckRun(
  octokit: CheckRunClient,
  input: CompleteCheckRunInput,
): Promise<CompleteCheckRunResult> {
  const { owner, repo, checkRunId } = input;
  const repository = `${owner}/${repo}`;
  let annotations = input.output.annotations ?? [];
  let summary = input.output.summary;
  if (annotations.length > MAX_ANNOTATIONS) {
    const note =
      `\n\n> **Note:** only the first ${MAX_ANNOTATIONS.toLocaleString("en-US")} of ` +
      `${annotations.length.toLocaleString("en-US")} annotations are shown; the rest are listed in the details.\n`;
    summary = truncate(summary, OUTPUT_LIMIT - note.length) + note;
    annotations = annotations.slice(0, MAX_ANNOTATIONS);
  }
  if (input.skipExistingAnnotations && annotations.length > 0) {
    const seen = await existingAnnotationKeys(octokit, owner, repo, checkRunId);
    annotations = annotations.filter((a) => !seen.has(annotationKey(a)));
  }
  const base = {
    title: input.output.title.trim() || "Vouch",
    summary: truncate(summary),
    ...(input.output.text !== undefined ? { text: truncate(input.output.text) } : {}),
  };
  const batches: Annotation[][] = [];
  for (let i = 0; i < annotations.length; i += ANNOTATIONS_PER_REQUEST) {
    batches.push(annotations.slice(i, i + ANNOTATIONS_PER_REQUEST));
  }
  const [first, ...rest] = batches;
  await call("complete", repository, () =>
    octokit.rest.checks.update({
      owner,
      repo,
      check_run_id: checkRunId,
      status: "completed",
      conclusion: input.conclusion,
      completed_at: input.completedAt.toISOString(),
      output: { ...base, ...(first ? { annotations: first } : {}) },
    }),
  );
  let requests = 1;
  for (const batch of rest) {
    // The output is resent whole with each batch so no update can leave the run with a partial output.
    await call("annotate", repository, () =>
      octokit.rest.checks.update({ owner, repo, check_run_id: checkRunId, output: { ...base, annotations: batch } }),
    );
    requests += 1;
  }
  return { annotations: annotations.length, requests };
}
