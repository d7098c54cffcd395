/**
 * Builds the `Change` part of the evidence from GitHub: which ref a change lands on, its head and
 * base, and the files it touches. Pull requests use GraphQL (100 files a request); pushes and merge
 * groups use the compare API. When GitHub truncates a list, the change is marked incomplete so that
 * path namespaces count as touched (fail closed).
 */
import type { Change, ChangedFile, FileStatus, Person, PushInfo } from "../evidence/types.js";
import { type GitHubClient, GitHubEvidenceError, httpStatus } from "./client.js";
import { PULL_REQUEST_FILES } from "./queries.js";

/** GitHub lists at most 3,000 files of a pull request; past that the list is partial. */
export const PULL_REQUEST_FILE_CAP = 3000;
/** The compare API returns at most 300 files. */
export const COMPARE_FILE_CAP = 300;

const CHANGE_TYPE: Record<string, FileStatus> = {
  ADDED: "added",
  DELETED: "removed",
  MODIFIED: "modified",
  RENAMED: "renamed",
  COPIED: "copied",
  CHANGED: "changed",
};

interface FilesPage {
  repository: {
    pullRequest: {
      number: number;
      headRefOid: string;
      headRefName: string;
      baseRefName: string;
      baseRefOid: string;
      isDraft: boolean;
      author: { login: string; databaseId?: number } | null;
      headRepository: { nameWithOwner: string } | null;
      files: {
        totalCount: number;
        pageInfo: { hasNextPage: boolean; endCursor: string | null };
        nodes: { path: string; changeType: string }[] | null;
      } | null;
    } | null;
  } | null;
}

export interface PullRequestChange {
  change: Change;
  /** GraphQL requests made, for the benchmark's request count. */
  requests: number;
}

export async function pullRequestChange(
  octokit: GitHubClient,
  target: { owner: string; repo: string; number: number },
): Promise<PullRequestChange> {
  const files: ChangedFile[] = [];
  let after: string | null = null;
  let requests = 0;
  let first: NonNullable<NonNullable<FilesPage["repository"]>["pullRequest"]> | null = null;
  let total = 0;
  for (;;) {
    let page: FilesPage;
    try {
      page = await octokit.graphql<FilesPage>(PULL_REQUEST_FILES, { ...target, after });
    } catch (error) {
      throw new GitHubEvidenceError(`the files of pull request #${target.number}`, httpStatus(error), error);
    }
    requests++;
    const pr = page.repository?.pullRequest;
    if (!pr || !pr.files) throw new GitHubEvidenceError(`pull request #${target.number}`, 404);
    first ??= pr;
    total = pr.files.totalCount;
    for (const node of pr.files.nodes ?? []) {
      files.push({ path: node.path, status: CHANGE_TYPE[node.changeType] ?? "changed" });
    }
    if (!pr.files.pageInfo.hasNextPage || !pr.files.pageInfo.endCursor) break;
    // A head that moved while paging would mix two revisions' files: start again from the new head.
    if (pr.headRefOid !== first.headRefOid) {
      files.length = 0;
      first = pr;
      after = null;
      continue;
    }
    after = pr.files.pageInfo.endCursor;
  }
  const pr = first;
  const author: Person = { login: pr.author?.login ?? null, id: pr.author?.databaseId ?? null };
  return {
    requests,
    change: {
      kind: "pull_request",
      ref: `refs/heads/${pr.baseRefName}`,
      baseSha: pr.baseRefOid,
      headSha: pr.headRefOid,
      files,
      filesComplete: files.length >= total,
      pullRequest: {
        number: pr.number,
        author,
        headRef: pr.headRefName,
        headRepository: pr.headRepository?.nameWithOwner ?? null,
        draft: pr.isDraft,
      },
    },
  };
}

const ZERO_SHA = /^0+$/;

/** Files between two commits through the compare API. */
export async function compareFiles(
  octokit: GitHubClient,
  target: { owner: string; repo: string; base: string; head: string },
): Promise<{ files: ChangedFile[]; complete: boolean }> {
  let data: { files?: { filename: string; status: string; previous_filename?: string }[] };
  try {
    const res = await octokit.rest.repos.compareCommitsWithBasehead({
      owner: target.owner,
      repo: target.repo,
      basehead: `${target.base}...${target.head}`,
      per_page: 100,
    });
    data = res.data;
  } catch (error) {
    throw new GitHubEvidenceError(`the comparison ${target.base}...${target.head}`, httpStatus(error), error);
  }
  const files = (data.files ?? []).map((f): ChangedFile => ({
    path: f.filename,
    status: (f.status as FileStatus) ?? "changed",
    ...(f.previous_filename ? { previousPath: f.previous_filename } : {}),
  }));
  return { files, complete: files.length < COMPARE_FILE_CAP };
}

export interface PushTarget {
  owner: string;
  repo: string;
  ref: string;
  before: string;
  after: string;
  created: boolean;
  deleted: boolean;
  forced: boolean;
  pusher: Person;
  /** Where a new branch is compared from: the repository's default branch. */
  defaultBranch: string;
}

export async function pushChange(octokit: GitHubClient, t: PushTarget): Promise<Change> {
  const push: PushInfo = {
    before: t.before,
    after: t.after,
    created: t.created,
    deleted: t.deleted,
    forced: t.forced,
    pusher: t.pusher,
  };
  if (t.deleted || ZERO_SHA.test(t.after)) {
    return { kind: "push", ref: t.ref, baseSha: t.before, headSha: t.before, files: [], filesComplete: true, push };
  }
  const isNew = t.created || ZERO_SHA.test(t.before);
  if (isNew && t.ref === `refs/heads/${t.defaultBranch}`) {
    // The repository's first push: there is nothing to compare with, so every path may be touched.
    return { kind: "push", ref: t.ref, baseSha: null, headSha: t.after, files: [], filesComplete: false, push: { ...push, initial: true } };
  }
  // A new ref has no "before": compare it with the default branch, which is what it adds to the repository.
  const base = isNew ? t.defaultBranch : t.before;
  const { files, complete } = await compareFiles(octokit, { owner: t.owner, repo: t.repo, base, head: t.after });
  return { kind: "push", ref: t.ref, baseSha: ZERO_SHA.test(t.before) ? null : t.before, headSha: t.after, files, filesComplete: complete, push };
}

export async function mergeGroupChange(
  octokit: GitHubClient,
  t: { owner: string; repo: string; baseRef: string; baseSha: string; headSha: string },
): Promise<Change> {
  const { files, complete } = await compareFiles(octokit, { owner: t.owner, repo: t.repo, base: t.baseSha, head: t.headSha });
  return { kind: "merge_group", ref: t.baseRef, baseSha: t.baseSha, headSha: t.headSha, files, filesComplete: complete };
}
