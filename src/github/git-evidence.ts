/**
 * Evidence read from the raw git objects of a change: signature verdicts and the secrets its new
 * commits add. The objects are fetched once over smart HTTP with the installation token (GitHub's
 * own "Verified" badge and patches are not used) and judged at the time Vouch observed them.
 * Gathered only when a touched namespace needs it.
 */
import type { Change, EvidenceGap, SecretEvidence, SignatureEvidence } from "../evidence/types.js";
import type { Policy } from "../policy/schema.js";
import { touchedNamespaces } from "../engine/namespaces.js";
import { openHttpObjectSource, GitFetchError, isRetryableFetchError, type HttpObjectSource } from "../git/http-source.js";
import { newCommits, CommitLimitError } from "../git/commit-changes.js";
import { buildTrustStore } from "../controls/signatures/trust.js";
import { signatureEvidence, trustedKeyEvidence } from "../controls/signatures/evidence.js";
import { webFlowKeyring } from "../controls/signatures/web-flow.js";
import { repositoryKey, type FirstObservations } from "../ledger/first-observations.js";
import { accountsFor, explainMissingGithubKeys, fetchGithubKeys, type GithubKeys } from "./github-keys.js";
import type { ObjectSource } from "../git/objects.js";
import { splitSigned } from "../git/signed.js";
import { rangeSecretEvidence, secretsRequired, SecretScanInputError } from "../evidence/secret-scan.js";
import { GitHubEvidenceError, type GitHubClient } from "./client.js";
import { LedgerUnavailableError } from "../ledger/unavailable.js";

/** Where git is reached and where fetched objects are cached. */
export interface GitAccess {
  /** e.g. https://github.com (see githubEndpoints().gitBaseUrl). */
  baseUrl: string;
  dataDir: string;
  /** A git fetch that receives nothing for this long is abandoned and the delivery retried (default 60 s). */
  timeoutMs?: number;
  /**
   * When each object was first observed, kept across evaluations: signatures are judged at that
   * time. Without it, each evaluation judges at its own observation time.
   */
  observations?: FirstObservations;
}

/** Fetches `want` of owner/repo into this server's cache, with its access and time limit: what every evaluation reads git through. */
export function openRepositoryObjects(git: GitAccess, token: string, owner: string, repo: string, want: string[]): Promise<HttpObjectSource> {
  return openHttpObjectSource({
    url: `${git.baseUrl.replace(/\/+$/, "")}/${owner}/${repo}.git`,
    token,
    dir: git.dataDir,
    want,
    ...(git.timeoutMs !== undefined ? { idleTimeoutMs: git.timeoutMs } : {}),
  });
}

/** Commits verified per evaluation at most; a larger change is an evidence gap, never a partial pass. */
export const MAX_VERIFIED_COMMITS = 10_000;

export function signaturesRequired(policy: Policy, change: Change): boolean {
  const touched = touchedNamespaces(policy.namespaces, change);
  if (policy.signatures.required) return touched.length > 0;
  const names = new Set(touched.map((t) => t.name));
  return policy.namespaces.some((ns) => names.has(ns.name) && ns.signatures?.required === true);
}

export interface GitEvidenceTarget {
  owner: string;
  repo: string;
  /** Numeric repository id, the key first observations are recorded under (the name when unknown). */
  repositoryId: number | null;
  change: Change;
  /** Commits (or refs) whose history is not new: the base, the push's `before`, or the default branch. */
  exclude: string[];
  observedAt: Date;
  policy: Policy;
  /** The secrets baseline file as committed at the base, when the policy names one. */
  readBaseline: () => Promise<string | null>;
}

export interface GitEvidence {
  signatures?: SignatureEvidence;
  secrets?: SecretEvidence;
  gaps: EvidenceGap[];
}

/** The committers (taggers) of `ids`, then the GitHub keys of the accounts the policy maps them to. */
async function githubKeysFor(octokit: GitHubClient, source: ObjectSource, ids: readonly string[], policy: Policy): Promise<GithubKeys> {
  const emails = new Set<string>();
  for (const id of ids) {
    try {
      const signer = splitSigned(await source.read(id)).signer;
      if (signer) emails.add(signer.email.toLowerCase());
    } catch {
      // Unreadable or malformed: the verifier reports it; it has no signer to fetch keys for.
    }
  }
  const { accounts, unmapped } = accountsFor(policy, emails);
  return { ...(await fetchGithubKeys(octokit, accounts)), unmapped };
}

export async function gatherGitEvidence(octokit: GitHubClient, git: GitAccess | undefined, target: GitEvidenceTarget): Promise<GitEvidence> {
  const { change, policy } = target;
  const wantSignatures = signaturesRequired(policy, change);
  const wantSecrets = secretsRequired(policy, change) && !change.ref.startsWith("refs/tags/");
  if (!wantSignatures && !wantSecrets) return { gaps: [] };
  const what = `the git objects of ${change.ref} at ${change.headSha}`;
  if (!git) return { gaps: [{ what, reason: "this server has no git access configured" }] };
  const { token } = (await octokit.auth({ type: "installation" })) as { token: string };
  let source: HttpObjectSource;
  try {
    source = await openRepositoryObjects(git, token, target.owner, target.repo, [change.headSha, ...target.exclude]);
  } catch (error) {
    // The server is overloaded, limiting or silent: a reason to retry the delivery, not a verdict on the change.
    if (isRetryableFetchError(error)) throw new GitHubEvidenceError(what, error.status ?? null, error, true);
    if (error instanceof GitFetchError) return { gaps: [{ what, reason: `fetching them failed (${error.code}): ${error.message}` }] };
    throw error;
  }
  try {
    const exclude = target.exclude.map((e) => source.resolved.get(e) ?? e);
    const out: GitEvidence = { gaps: [] };
    if (wantSignatures) {
      const isTag = change.ref.startsWith("refs/tags/");
      const ids = isTag ? [change.headSha] : await newCommits(source, { head: change.headSha, exclude, limit: MAX_VERIFIED_COMMITS });
      // Keys pinned in the policy count only when the policy lists them as a source; GitHub's web-flow
      // keys are pinned in Vouch and always offered, the control decides by `allow_github_web_flow`.
      // Keys GitHub holds, for the accounts policy identities name for these objects' signers.
      const github = policy.signatures.keys.includes("github") ? await githubKeysFor(octokit, source, ids, policy) : undefined;
      const trust = await buildTrustStore({
        openpgpKeyrings: [webFlowKeyring()],
        ...(policy.signatures.keys.includes("policy") ? { policy } : {}),
        ...(github ? { github: github.keys } : {}),
        bindIdentity: policy.signatures.identity === "committer",
      });
      let firstObserved: Map<string, Date> | undefined;
      if (git.observations) {
        const repository = repositoryKey({ id: target.repositoryId, fullName: `${target.owner}/${target.repo}` });
        try {
          firstObserved = await git.observations.observe(repository, ids, target.observedAt);
        } catch (error) {
          // Without the recorded times the trusted time is unknown: never guess it. The store being
          // unreachable says nothing about the change, so the delivery is retried, not failed.
          throw new LedgerUnavailableError("record or read when the signed objects were first observed", error);
        }
      }
      if (!git.observations || firstObserved) {
        out.signatures = await signatureEvidence(source, ids, trust, target.observedAt, trustedKeyEvidence(trust, target.observedAt), firstObserved);
        if (github) explainMissingGithubKeys(out.signatures, github);
      }
    }
    if (wantSecrets) {
      out.secrets = await rangeSecretEvidence(source, {
        head: change.headSha,
        exclude,
        secrets: policy.secrets,
        repositoryFullName: `${target.owner}/${target.repo}`,
        baselineText: policy.secrets.baseline ? await target.readBaseline() : null,
      });
    }
    return out;
  } catch (error) {
    if (error instanceof CommitLimitError) return { gaps: [{ what, reason: `more than ${MAX_VERIFIED_COMMITS} new commits` }] };
    if (error instanceof SecretScanInputError) return { gaps: [{ what: "the secret scan", reason: error.message }] };
    throw error;
  } finally {
    await source.close();
  }
}
