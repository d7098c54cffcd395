/**
 * The one use-case behind every event: open the `vouch` check run on the head SHA, read the
 * policy from the base, gather evidence, evaluate, and complete the check run. Any failure to
 * gather evidence completes the check as a failure that says what could not be read (fail
 * closed), except rate limits and server errors, which are rethrown so the queue retries.
 */
import type { Change, Evidence, EvidenceGap, LoadedPolicy, SecretEvidence, SignatureEvidence } from "../evidence/types.js";
import type { ReviewEvidence, TeamSnapshot } from "../evidence/review.js";
import type { MergeGroupEvidence } from "../evidence/merge-group.js";
import type { CodeownersEvidence } from "../evidence/codeowners.js";
import type { Policy } from "../policy/schema.js";
import { EVIDENCE_SCHEMA } from "../evidence/types.js";
import { evaluate, type Verdict } from "../engine/evaluate.js";
import { loadPolicy } from "../policy/load.js";
import { renderCheckOutput } from "../report/render.js";
import { completeCheckRun, startCheckRun } from "./check-run.js";
import { type GitHubClient, GitHubEvidenceError } from "./client.js";
import { readPolicyFiles } from "./policy-source.js";
import { saveEvaluation } from "./evaluation-store.js";
import { checkRequired, protectedBranches, protectionNotice, type ProtectionResult } from "./protection.js";
import type { KeyObject } from "node:crypto";
import type { Ledger } from "../ledger/types.js";
import type { Signer } from "../attest/dsse.js";
import { recordAttestations, type RecordResult } from "../attest/record.js";
import { checkRunAttestationSection } from "../attest/check-run.js";
import { OUTPUT_LIMIT, truncate } from "../report/truncate.js";
import type { VouchMetrics } from "../observability/metrics.js";
import { rateLimitDelayMs } from "./rate-limit.js";
import type { KeyedLock } from "../queue/keyed-lock.js";
import { LedgerUnavailableError } from "../ledger/unavailable.js";

export interface EvaluationTarget {
  owner: string;
  repo: string;
  repositoryId: number | null;
  ownerIsOrganization: boolean;
  /** The repository's default branch, when the event says (protection drift is checked for it). */
  defaultBranch?: string;
  headSha: string;
  /** The branch whose policy judges the change (base branch, or default branch for pushes). */
  policyRef: string;
  deliveryId: string;
  /** This app's id, so only its own `vouch` check run is reused. */
  appId?: number;
  /**
   * Gathers the evidence, after the check run is in progress. It gets the effective policy (null
   * when there is none or it is invalid) so that it reads only what the policy needs.
   */
  gather: (policy: Policy | null, context: { observedAt: Date }) => Promise<Gathered>;
  /**
   * Report only when the change touches a protected namespace (or fails): used for ref deletions,
   * whose commit may carry another change's check run that an unrelated verdict must not replace.
   */
  onlyWhenProtected?: boolean;
  /**
   * Runs once the verdict is recorded and saved, before the check completes (e.g. a push alert);
   * the Markdown it returns joins the check summary. If it throws, the check still completes and
   * says so: a side effect failing must never lose the verdict.
   */
  afterJudged?: (judged: Omit<EvaluationOutcome, "checkRunId" | "attestation">) => Promise<string | null>;
}

/** What an event's gatherer found: the change, and what the controls it needs read. */
export interface Gathered {
  change: Change;
  review?: ReviewEvidence;
  teams?: TeamSnapshot[];
  mergeGroup?: MergeGroupEvidence;
  codeowners?: CodeownersEvidence;
  signatures?: SignatureEvidence;
  secrets?: SecretEvidence;
  gaps?: EvidenceGap[];
}

export interface EvaluationOutcome {
  /** The policy file as read, when it alone is the policy (no organization baseline). */
  policyText: string | null;
  /** The attestations recorded for the verdict, when attestation is configured. */
  attestation?: RecordResult | null;
  verdict: Verdict;
  policy: LoadedPolicy;
  evidence: Evidence;
  checkRunId: number;
}

/**
 * Errors worth a retry by the queue rather than a failing verdict: GitHub is overloaded or rate
 * limiting. The rate limit may sit in a wrapped error's cause (the check-run writer wraps Octokit's).
 */
export function isTransient(error: unknown): boolean {
  if (error instanceof GitHubEvidenceError && error.transient) return true;
  const status = (error as { status?: number }).status;
  return status === 429 || status === 500 || status === 502 || status === 503 || status === 504 || rateLimitDelayMs(error) !== undefined;
}

export interface EvaluationDeps {
  now: () => Date;
  log: { warn(obj: object, msg: string): void };
  attest?: AttestDeps;
  /** Where each evaluation's evidence, verdict and policy are saved for `vouch evaluate`; not saved when absent. */
  evaluationsDir?: string;
  /** Times each completed check from its delivery's acceptance; counts evaluations that failed closed. */
  metrics?: Pick<VouchMetrics, "checkCompleted" | "failure">;
  /** One evaluation per repository and head at a time, so concurrent deliveries share one check run. */
  headLock?: KeyedLock;
}

/** What recording an attestation needs: the ledger, the signing key, and where attestations are served. */
export interface AttestDeps {
  ledger: Ledger;
  signer: Signer;
  /** Keys that may have signed earlier entries of a chain (rotation). */
  trusted: ReadonlyMap<string, KeyObject>;
  verifier: { id: string; version: string };
  /** The forge's web address, e.g. https://github.com. */
  serverUrl: string;
  /** Where Vouch serves attestations by digest; a function because the server's address is known only once it listens. */
  attestationBaseUrl: () => string;
}

/**
 * Returns the outcome, or null when nothing was reported (see `onlyWhenProtected`) or the
 * evaluation could not be completed and the check run was closed as a failure that says why.
 * Transient GitHub errors are rethrown for a retry.
 */
export async function runEvaluation(octokit: GitHubClient, target: EvaluationTarget, deps: EvaluationDeps): Promise<EvaluationOutcome | null> {
  if (!deps.headLock) return evaluateHead(octokit, target, deps);
  return deps.headLock.run(`${target.owner}/${target.repo}@${target.headSha}`, () => evaluateHead(octokit, target, deps));
}

async function evaluateHead(
  octokit: GitHubClient,
  target: EvaluationTarget,
  { now, log, attest, evaluationsDir, metrics }: EvaluationDeps,
): Promise<EvaluationOutcome | null> {
  const { owner, repo } = target;
  const started = now();
  const start = () =>
    startCheckRun(octokit, {
      owner,
      repo,
      headSha: target.headSha,
      externalId: target.deliveryId,
      startedAt: started,
      ...(target.appId !== undefined ? { appId: target.appId } : {}),
    });
  // Normally the run shows in_progress at once; a run that may not be reported is opened only once judged.
  let run = target.onlyWhenProtected ? null : await start();
  try {
    const judged = await judge(octokit, target, started);
    if (!run) {
      if (judged.verdict.conclusion === "success" && judged.verdict.namespaces.length === 0) return null;
      run = await start();
    }
    const recorded = attest ? await recordOrRetry(attest, judged, target.deliveryId) : null;
    // Saved before the check completes, so whatever reads a completed check can replay it.
    if (evaluationsDir) await saveEvaluation(evaluationsDir, { ...judged, deliveryId: target.deliveryId });
    const output = renderCheckOutput(judged.verdict, {
      repository: `${owner}/${repo}`,
      policySources: judged.policy.sources,
      ...(recorded && attest ? { attestation: { digest: `sha256:${recorded.provenance.sha256}`, url: `${attest.attestationBaseUrl()}/${recorded.provenance.sha256}` } } : {}),
    });
    const notice = await protectionDrift(octokit, target, judged.policy);
    if (notice) output.summary = truncate(`${output.summary}\n\n${notice}`, OUTPUT_LIMIT);
    const after = target.afterJudged ? await afterJudged(target.afterJudged, judged, log, target.headSha) : null;
    if (after) output.summary = truncate(`${output.summary}\n\n${after}`, OUTPUT_LIMIT);
    if (recorded && attest) {
      // The VSA result, levels and digests lead the summary; the envelopes go in the text when they fit.
      const base = attest.attestationBaseUrl();
      output.summary = truncate(`${output.summary}\n\n${checkRunAttestationSection(recorded, { attestationBaseUrl: base, maxChars: 4_000 })}`, OUTPUT_LIMIT);
      output.text = truncate(`${checkRunAttestationSection(recorded, { attestationBaseUrl: base, maxChars: 40_000 })}\n\n${output.text}`, OUTPUT_LIMIT);
    }
    await completeCheckRun(octokit, {
      owner,
      repo,
      checkRunId: run.id,
      conclusion: judged.verdict.conclusion,
      output,
      completedAt: now(),
      skipExistingAnnotations: !run.created,
    });
    metrics?.checkCompleted(judged.verdict.conclusion);
    return { ...judged, checkRunId: run.id, attestation: recorded };
  } catch (error) {
    if (isTransient(error) || error instanceof LedgerUnavailableError) throw error;
    run ??= await start();
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
    metrics?.checkCompleted("failure");
    metrics?.failure("evaluation_failed_closed");
    log.warn({ err: describeError(error), headSha: target.headSha }, "evaluation failed closed");
    return null;
  }
}

async function afterJudged(
  hook: NonNullable<EvaluationTarget["afterJudged"]>,
  judged: Omit<EvaluationOutcome, "checkRunId" | "attestation">,
  log: EvaluationDeps["log"],
  headSha: string,
): Promise<string | null> {
  try {
    return await hook(judged);
  } catch (error) {
    log.warn({ err: describeError(error), headSha }, "post-verdict step failed");
    return `**A follow-up step failed** (${error instanceof GitHubEvidenceError ? error.message : "unexpected error"}). The verdict above and its ledger record stand.`;
  }
}

/** Branch-protection results per repository and branch set, kept briefly: settings rarely change, and every evaluation would otherwise pay 1-2 requests per branch. */
const driftCache = new Map<string, { at: number; results: ProtectionResult[] }>();
const DRIFT_TTL_MS = 10 * 60 * 1000;

/** A notice for the summary when a protected branch does not actually require the `vouch` check ("" when all do). */
async function protectionDrift(octokit: GitHubClient, target: EvaluationTarget, policy: LoadedPolicy): Promise<string> {
  if (policy.status !== "valid") return "";
  const branches = protectedBranches(policy.policy, target.defaultBranch ?? target.policyRef);
  const key = `${target.owner}/${target.repo}:${branches.join(",")}`;
  const cached = driftCache.get(key);
  let results = cached && Date.now() - cached.at < DRIFT_TTL_MS ? cached.results : null;
  if (!results) {
    results = await checkRequired(octokit, { owner: target.owner, repo: target.repo, branches, ...(target.appId !== undefined ? { appId: target.appId } : {}) });
    driftCache.set(key, { at: Date.now(), results });
  }
  return protectionNotice(results);
}

async function recordOrRetry(attest: AttestDeps, judged: Omit<EvaluationOutcome, "checkRunId">, deliveryId: string): Promise<RecordResult> {
  try {
    return await record(attest, judged, deliveryId);
  } catch (error) {
    throw new LedgerUnavailableError("record the attestation in the ledger", error);
  }
}

/**
 * Signs the verdict's provenance and VSA and appends them to the ledger. The evaluation key is
 * the delivery id: a redelivery or retry records nothing new, a new event (a review, a re-run)
 * records a new evaluation. Violations found on pushes are recorded as such.
 */
async function record(attest: AttestDeps, judged: Omit<EvaluationOutcome, "checkRunId">, deliveryId: string): Promise<RecordResult> {
  const { verdict, evidence, policy } = judged;
  const violation = evidence.change.kind === "push" && verdict.findings.some((f) => f.control === "namespaces" && f.severity === "error");
  return recordAttestations({
    ledger: attest.ledger,
    trusted: attest.trusted,
    evaluationKey: `${evidence.change.kind}:${evidence.change.ref}:${verdict.headSha}:${deliveryId}`,
    kind: violation ? "violation" : "attestation",
    verdict,
    evidence,
    policy,
    signer: attest.signer,
    verifier: attest.verifier,
    serverUrl: attest.serverUrl,
    attestationBaseUrl: attest.attestationBaseUrl(),
  });
}

/** Reads the base policy, gathers what it needs, and evaluates: everything but the reporting. */
async function judge(
  octokit: GitHubClient,
  target: EvaluationTarget,
  observed: Date,
): Promise<Omit<EvaluationOutcome, "checkRunId">> {
  const observedAt = observed.toISOString();
  const { owner, repo } = target;
  const files = await readPolicyFiles(octokit, { owner, repo, ref: target.policyRef, ownerIsOrganization: target.ownerIsOrganization });
  const policy = loadPolicy({ repository: files.repository, baseline: files.baseline });
  // What `vouch evaluate` needs to replay this verdict: the file itself when it alone is the policy.
  const policyText = files.baseline ? null : (files.repository?.text ?? null);
  const gathered = await target.gather(policy.status === "valid" ? policy.policy : null, { observedAt: observed });
  const { change } = gathered;
  const evidence: Evidence = {
    schema: EVIDENCE_SCHEMA,
    repository: { id: target.repositoryId, fullName: `${owner}/${repo}` },
    observedAt,
    change,
    ...(gathered.review ? { review: gathered.review } : {}),
    ...(gathered.teams ? { teams: gathered.teams } : {}),
    ...(gathered.mergeGroup ? { mergeGroup: gathered.mergeGroup } : {}),
    ...(gathered.codeowners ? { codeowners: gathered.codeowners } : {}),
    ...(gathered.signatures ? { signatures: gathered.signatures } : {}),
    ...(gathered.secrets ? { secrets: gathered.secrets } : {}),
    gaps: [
      ...(gathered.gaps ?? []),
      ...(change.headSha === target.headSha
        ? []
        : [{ what: `the files of commit ${target.headSha}`, reason: `the pull request moved on to ${change.headSha} while Vouch was reading it; the newer head is evaluated separately` }]),
    ],
  };
  return { verdict: evaluate(policy, evidence), policy, evidence, policyText };
}

/** Error details safe to log: the message and code, never request headers (which carry tokens). */
function describeError(error: unknown): { message: string; code?: string; status?: number } {
  if (!(error instanceof Error)) return { message: String(error) };
  const { status } = error as { status?: number };
  const { code } = error as { code?: string };
  return { message: error.message, ...(typeof code === "string" ? { code } : {}), ...(typeof status === "number" ? { status } : {}) };
}
