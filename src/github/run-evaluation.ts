/**
 * The one use-case behind every event: open the `vouch` check run on the head SHA, read the
 * policy from the base, gather evidence, evaluate, and complete the check run. Any failure to
 * gather evidence completes the check as a failure that says what could not be read (fail
 * closed), except rate limits and server errors, which are rethrown so the queue retries.
 */
import type { Change, Evidence, LoadedPolicy } from "../evidence/types.js";
import { EVIDENCE_SCHEMA } from "../evidence/types.js";
import { evaluate, type Verdict } from "../engine/evaluate.js";
import { loadPolicy } from "../policy/load.js";
import { renderCheckOutput } from "../report/render.js";
import { completeCheckRun, startCheckRun } from "./check-run.js";
import { type GitHubClient, GitHubEvidenceError } from "./client.js";
import { readPolicyFiles } from "./policy-source.js";

export interface EvaluationTarget {
  owner: string;
  repo: string;
  repositoryId: number | null;
  ownerIsOrganization: boolean;
  headSha: string;
  /** The branch whose policy judges the change (base branch, or default branch for pushes). */
  policyRef: string;
  deliveryId: string;
  /** This app's id, so only its own `vouch` check run is reused. */
  appId?: number;
  /** Gathers the change; called after the check run is in progress. */
  gatherChange: () => Promise<Change>;
}

export interface EvaluationOutcome {
  verdict: Verdict;
  policy: LoadedPolicy;
  evidence: Evidence;
  checkRunId: number;
}

/** Errors worth a retry by the queue rather than a failing verdict: GitHub is overloaded or rate limiting. */
export function isTransient(error: unknown): boolean {
  const status = (error as { status?: number }).status;
  return status === 429 || status === 500 || status === 502 || status === 503 || status === 504 || (status === 403 && isRateLimit(error));
}

function isRateLimit(error: unknown): boolean {
  const headers = (error as { response?: { headers?: Record<string, string> } }).response?.headers ?? {};
  return headers["retry-after"] !== undefined || headers["x-ratelimit-remaining"] === "0";
}

export interface EvaluationDeps {
  now: () => Date;
  log: { warn(obj: object, msg: string): void };
}

/**
 * Returns the outcome, or null when the evaluation could not be completed and the check run
 * was closed as a failure that says why. Transient GitHub errors are rethrown for a retry.
 */
export async function runEvaluation(
  octokit: GitHubClient,
  target: EvaluationTarget,
  { now, log }: EvaluationDeps,
): Promise<EvaluationOutcome | null> {
  const { owner, repo } = target;
  const started = now();
  const run = await startCheckRun(octokit, {
    owner,
    repo,
    headSha: target.headSha,
    externalId: target.deliveryId,
    startedAt: started,
    ...(target.appId !== undefined ? { appId: target.appId } : {}),
  });
  const observedAt = started.toISOString();
  try {
    const files = await readPolicyFiles(octokit, { owner, repo, ref: target.policyRef, ownerIsOrganization: target.ownerIsOrganization });
    const policy = loadPolicy({ repository: files.repository, baseline: files.baseline });
    const change = await target.gatherChange();
    const evidence: Evidence = {
      schema: EVIDENCE_SCHEMA,
      repository: { id: target.repositoryId, fullName: `${owner}/${repo}` },
      observedAt,
      change,
      gaps:
        change.headSha === target.headSha
          ? []
          : [{ what: `the files of commit ${target.headSha}`, reason: `the pull request moved on to ${change.headSha} while Vouch was reading it; the newer head is evaluated separately` }],
    };
    const verdict = evaluate(policy, evidence);
    const sources = policy.sources;
    const output = renderCheckOutput(verdict, { repository: `${owner}/${repo}`, policySources: sources });
    await completeCheckRun(octokit, {
      owner,
      repo,
      checkRunId: run.id,
      conclusion: verdict.conclusion,
      output,
      completedAt: now(),
      skipExistingAnnotations: !run.created,
    });
    return { verdict, policy, evidence, checkRunId: run.id };
  } catch (error) {
    if (isTransient(error)) throw error;
    const what = error instanceof GitHubEvidenceError ? error.message : "an unexpected error stopped the evaluation";
    await completeCheckRun(octokit, {
      owner,
      repo,
      checkRunId: run.id,
      conclusion: "failure",
      output: {
        title: "Vouch could not evaluate this change",
        summary:
          `**${what}.**\n\nVouch never passes a change it could not fully inspect. ` +
          "Re-run the check from the Checks tab once the cause is fixed; if it persists, check that the app is installed with read access to contents and pull requests.",
        text: "",
        annotations: [],
      },
      completedAt: now(),
    });
    log.warn({ err: describeError(error), headSha: target.headSha }, "evaluation failed closed");
    return null;
  }
}

/** Error details safe to log: the message and code, never request headers (which carry tokens). */
function describeError(error: unknown): { message: string; code?: string; status?: number } {
  if (!(error instanceof Error)) return { message: String(error) };
  const { status } = error as { status?: number };
  const { code } = error as { code?: string };
  return { message: error.message, ...(typeof code === "string" ? { code } : {}), ...(typeof status === "number" ? { status } : {}) };
}
