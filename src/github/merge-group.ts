/**
 * Gathers a merge group's evidence: which pull requests it contains, Vouch's verdict on each
 * queued head, and whether merging exactly those heads onto the base reproduces the group's tree.
 *
 * The pull requests are found from the group's branch name (`gh-readonly-queue/<base>/pr-<N>-<sha>`
 * names the last one) and from the subjects of the group's first-parent commits, which GitHub
 * writes as "Merge pull request #N from …" (merge method) or "<title> (#N)" (squash). That list is
 * only a claim: a subject an author wrote can name a wrong number, and a rebase-method group names
 * none. The tree comparison is what decides, so a wrong list fails, never passes.
 */
import type { EvidenceGap } from "../evidence/types.js";
import { MAX_LISTED_PATHS, type MergeGroupEvidence, type QueuedPullRequest } from "../evidence/merge-group.js";
import { GitFetchError, isRetryableFetchError } from "../git/http-source.js";
import { ComposeError, composeMerges, differingPaths, firstParentChain, treeOf } from "../git/compose.js";
import { type GitHubClient, GitHubEvidenceError, httpStatus } from "./client.js";
import { openRepositoryObjects, type GitAccess } from "./git-evidence.js";
import { latestVouchCheck } from "./review-evidence.js";

export interface MergeGroupTarget {
  owner: string;
  repo: string;
  headRef: string;
  headSha: string;
  baseSha: string;
  /** The branch the group lands on, without refs/heads/. */
  baseBranch: string;
  appId?: number;
}

/** Pull requests looked at per group at most; GitHub's own limit on a group is 100 entries. */
export const MAX_GROUP_PULL_REQUESTS = 100;

const QUEUE_REF = /^(?:refs\/heads\/)?gh-readonly-queue\/(.+)\/pr-(\d+)-[0-9a-f]{40}$/;
const MERGE_SUBJECT = /^Merge pull request #(\d+) from /;
const SQUASH_SUBJECT = /\(#(\d+)\)$/;

/** The pull request a queue branch name ends with, or null when the name is not GitHub's queue form. */
export function queueRefPullRequest(headRef: string): number | null {
  const m = QUEUE_REF.exec(headRef);
  return m ? Number(m[2]) : null;
}

/** The base branch a merge-queue branch name targets, or null when the name is not GitHub's queue form. */
export function queueRefBase(headRef: string): string | null {
  return QUEUE_REF.exec(headRef)?.[1] ?? null;
}

/**
 * Where a merge group's commit meets its base branch, for a re-run (whose event names only the
 * commit). If the branch has since advanced to an earlier group's head, this is that head, and
 * the remaining pull requests are judged on top of it.
 */
export async function mergeBase(octokit: GitHubClient, repo: { owner: string; repo: string }, baseBranch: string, headSha: string): Promise<string> {
  try {
    const res = await octokit.rest.repos.compareCommitsWithBasehead({ owner: repo.owner, repo: repo.repo, basehead: `${baseBranch}...${headSha}`, per_page: 1 });
    return res.data.merge_base_commit.sha;
  } catch (error) {
    throw new GitHubEvidenceError(`where ${headSha} meets ${baseBranch}`, httpStatus(error), error);
  }
}

/** The pull request GitHub named in a merge-queue commit subject, or null. */
export function subjectPullRequest(subject: string): number | null {
  const m = MERGE_SUBJECT.exec(subject) ?? SQUASH_SUBJECT.exec(subject.trimEnd());
  return m ? Number(m[1]) : null;
}

export async function gatherMergeGroupEvidence(
  octokit: GitHubClient,
  git: GitAccess | undefined,
  target: MergeGroupTarget,
): Promise<{ mergeGroup?: MergeGroupEvidence; gaps: EvidenceGap[] }> {
  const what = `the merge group ${target.headRef} at ${target.headSha}`;
  if (!git) return { gaps: [{ what, reason: "this server has no git access configured, so the group's tree cannot be recomposed" }] };
  const { token } = (await octokit.auth({ type: "installation" })) as { token: string };
  const open = (want: string[]) => openRepositoryObjects(git, token, target.owner, target.repo, want);
  try {
    // 1. The group's own commits: which pull requests they name, and the heads merge commits took in.
    const first = await open([target.headSha, target.baseSha]);
    let chain: Awaited<ReturnType<typeof firstParentChain>>;
    try {
      chain = await firstParentChain(first.gitdir, target.baseSha, target.headSha);
    } finally {
      await first.close();
    }
    const discoveredFrom: string[] = [];
    const order: number[] = [];
    const mergedHead = new Map<number, string>();
    for (const c of chain) {
      const n = subjectPullRequest(c.subject);
      if (n === null) continue;
      discoveredFrom.push(`commit ${c.oid.slice(0, 7)} "${c.subject.slice(0, 80)}"`);
      if (!order.includes(n)) order.push(n);
      // A merge commit's second parent is exactly the head that was queued.
      if (c.parents.length === 2 && MERGE_SUBJECT.test(c.subject)) mergedHead.set(n, c.parents[1]!);
    }
    const last = queueRefPullRequest(target.headRef);
    if (last !== null) {
      discoveredFrom.push(`branch ${target.headRef}`);
      if (!order.includes(last)) order.push(last);
    }
    if (order.length > MAX_GROUP_PULL_REQUESTS) {
      return { gaps: [{ what, reason: `it names ${order.length} pull requests, more than the ${MAX_GROUP_PULL_REQUESTS} Vouch checks in one group` }] };
    }

    // 2. Each pull request, and this app's verdict on the head that was queued.
    const pulls: QueuedPullRequest[] = [];
    for (const number of order) {
      let pr: { head: { sha: string }; base: { ref: string } };
      try {
        pr = (await octokit.rest.pulls.get({ owner: target.owner, repo: target.repo, pull_number: number })).data;
      } catch (error) {
        throw new GitHubEvidenceError(`pull request #${number}, named by the merge group`, httpStatus(error), error);
      }
      const headSha = mergedHead.get(number) ?? pr.head.sha;
      const check = await latestVouchCheck(
        octokit,
        { owner: target.owner, repo: target.repo, sha: headSha, ...(target.appId !== undefined ? { appId: target.appId } : {}) },
        `the checks of pull request #${number}`,
      );
      pulls.push({ number, headSha, baseRef: pr.base.ref, vouchConclusion: check?.conclusion ?? null, checkRunId: check?.id ?? null, changedPaths: [] });
    }

    // 3. The base with exactly those heads merged in, compared with the group's tree.
    const source = await open([target.headSha, target.baseSha, ...pulls.map((p) => p.headSha)]);
    try {
      const headTree = await treeOf(source.gitdir, target.headSha);
      const composed = await composeMerges(source.gitdir, target.baseSha, pulls.map((p) => ({ number: p.number, head: p.headSha })));
      for (const p of pulls) p.changedPaths = composed.changedPaths.get(p.number) ?? [];
      const differing = composed.tree && composed.tree !== headTree ? await differingPaths(source.gitdir, composed.tree, headTree) : [];
      return {
        mergeGroup: {
          headRef: target.headRef,
          headTree,
          pullRequests: pulls,
          discoveredFrom,
          composedTree: composed.tree,
          conflict: composed.conflict,
          differingPaths: differing.slice(0, MAX_LISTED_PATHS),
          differingPathsComplete: differing.length <= MAX_LISTED_PATHS,
        },
        gaps: [],
      };
    } finally {
      await source.close();
    }
  } catch (error) {
    // As for any change: an overloaded, limiting or silent server is retried, not judged.
    if (isRetryableFetchError(error)) throw new GitHubEvidenceError(`the git objects of ${what}`, error.status ?? null, error, true);
    if (error instanceof GitFetchError) return { gaps: [{ what, reason: `fetching its git objects failed (${error.code}): ${error.message}` }] };
    if (error instanceof ComposeError) return { gaps: [{ what, reason: error.message }] };
    throw error;
  }
}
