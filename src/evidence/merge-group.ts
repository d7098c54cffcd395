/**
 * Evidence the merge-queue control judges: which pull requests a merge group claims to contain,
 * Vouch's own verdict on each one's head, and whether merging exactly those heads onto the base
 * reproduces the group's tree. Plain JSON, so `vouch evaluate` can replay it.
 */

/** One pull request the group contains, in queue order. */
export interface QueuedPullRequest {
  number: number;
  /** The head commit GitHub queued (and merged into the group). */
  headSha: string;
  /** The branch the pull request targets. */
  baseRef: string;
  /** Conclusion of this app's latest `vouch` check run on `headSha`; null when there is none. */
  vouchConclusion: string | null;
  /** That check run's id, so the verdict it refers to can be found. */
  checkRunId: number | null;
  /** Paths the pull request changes relative to where it meets the queue (its own change). */
  changedPaths: string[];
}

export interface MergeGroupEvidence {
  /** `gh-readonly-queue/<base>/pr-<N>-<sha>`, as GitHub named the group's branch. */
  headRef: string;
  /** The tree of the group's head commit: what will land. */
  headTree: string;
  /** The pull requests found in the group, oldest first. */
  pullRequests: QueuedPullRequest[];
  /** How the pull requests were found (head ref, commit subjects), for the explanation. */
  discoveredFrom: string[];
  /** The tree of the base with every queued head merged in queue order; null when a merge conflicted. */
  composedTree: string | null;
  /** The queued pull request whose merge conflicted while composing, with the conflicting paths. */
  conflict: { number: number; paths: string[] } | null;
  /** Paths whose content differs between the composed tree and the group's tree (at most MAX_LISTED_PATHS). */
  differingPaths: string[];
  /** True when `differingPaths` lists every differing path. */
  differingPathsComplete: boolean;
}

/** Differing paths listed in the evidence at most: the verdict fails on the first; the rest only explain. */
export const MAX_LISTED_PATHS = 1000;
