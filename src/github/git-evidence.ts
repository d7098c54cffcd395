/**
 * Signature evidence for the app: the change's new commits (or the pushed tag) are fetched as raw
 * objects over smart HTTP with the installation token, verified against the keys the policy pins,
 * at the time Vouch observed them. Only gathered when a touched namespace requires signatures.
 */
import type { Change, EvidenceGap, SignatureEvidence } from "../evidence/types.js";
import type { Policy } from "../policy/schema.js";
import { touchedNamespaces } from "../engine/namespaces.js";
import { openHttpObjectSource, GitFetchError } from "../git/http-source.js";
import { newCommits, CommitLimitError } from "../git/commit-changes.js";
import { buildTrustStore } from "../controls/signatures/trust.js";
import { signatureEvidence, trustedKeyEvidence } from "../controls/signatures/evidence.js";
import { webFlowKeyring } from "../controls/signatures/web-flow.js";
import type { GitHubClient } from "./client.js";

/** Where git is reached and where fetched objects are cached. */
export interface GitAccess {
  /** e.g. https://github.com or http://ghes.example/ (see githubEndpoints().gitBaseUrl). */
  baseUrl: string;
  dataDir: string;
}

/** Commits verified per evaluation at most; a larger change is an evidence gap, never a partial pass. */
export const MAX_VERIFIED_COMMITS = 10_000;

export function signaturesRequired(policy: Policy, change: Change): boolean {
  if (policy.signatures.required) return touchedNamespaces(policy.namespaces, change).length > 0;
  const touched = new Set(touchedNamespaces(policy.namespaces, change).map((t) => t.name));
  return policy.namespaces.some((ns) => touched.has(ns.name) && ns.signatures?.required === true);
}

export async function gatherSignatureEvidence(
  octokit: GitHubClient,
  git: GitAccess,
  target: { owner: string; repo: string; change: Change; exclude: string[]; observedAt: Date; policy: Policy },
): Promise<{ signatures?: SignatureEvidence; gaps: EvidenceGap[] }> {
  const { change } = target;
  const isTag = change.ref.startsWith("refs/tags/");
  const what = `the signatures of ${isTag ? "tag" : "the commits of"} ${change.ref}`;
  const { token } = (await octokit.auth({ type: "installation" })) as { token: string };
  let source;
  try {
    source = await openHttpObjectSource({
      url: `${git.baseUrl.replace(/\/+$/, "")}/${target.owner}/${target.repo}.git`,
      token,
      dir: git.dataDir,
      want: [change.headSha, ...target.exclude],
    });
  } catch (error) {
    if (error instanceof GitFetchError) return { gaps: [{ what, reason: `fetching the objects failed (${error.code}): ${error.message}` }] };
    throw error;
  }
  try {
    const exclude = target.exclude.map((e) => source.resolved.get(e) ?? e);
    const ids = isTag ? [change.headSha] : await newCommits(source, { head: change.headSha, exclude, limit: MAX_VERIFIED_COMMITS });
    // Keys pinned in the policy count only when the policy lists them as a source; GitHub's web-flow
    // keys are pinned in Vouch and always offered, the control decides by `allow_github_web_flow`.
    const usePolicyKeys = target.policy.signatures.keys.includes("policy");
    const trust = await buildTrustStore({
      openpgpKeyrings: [webFlowKeyring()],
      ...(usePolicyKeys ? { policy: target.policy } : {}),
      bindIdentity: target.policy.signatures.identity === "committer",
    });
    const signatures = await signatureEvidence(source, ids, trust, target.observedAt, trustedKeyEvidence(trust, target.observedAt));
    return { signatures, gaps: [] };
  } catch (error) {
    if (error instanceof CommitLimitError) return { gaps: [{ what, reason: `more than ${MAX_VERIFIED_COMMITS} new commits` }] };
    throw error;
  } finally {
    await source.close();
  }
}
