/**
 * Reads the policy the way the design requires: the repository's `.github/vouch.yml` from the
 * base branch (never from the head a pull request proposes), plus the organization baseline from
 * the organization's `.github` repository. A file that is absent is `null`; any other API failure
 * throws, because judging without the policy would not be fail-closed.
 */
import { POLICY_PATH } from "../policy/schema.js";
import type { PolicySource } from "../evidence/types.js";
import { type GitHubClient, GitHubEvidenceError, httpStatus } from "./client.js";

export interface PolicyFile {
  text: string;
  source: PolicySource;
}

/** The organization baseline lives in `<org>/.github` at the same path, on that repository's default branch. */
export const BASELINE_REPOSITORY = ".github";

/** Files read through the contents API (policy, secrets baseline) are at most 1 MiB: GitHub's inline limit. */
const MAX_POLICY_BYTES = 1024 * 1024;

/**
 * A text file of the repository at `ref` (the default branch when absent), or null when it does
 * not exist. Any other failure throws: a file Vouch was told to read is evidence.
 */
export async function readRepositoryFile(
  octokit: GitHubClient,
  owner: string,
  repo: string,
  path: string,
  ref: string | undefined,
): Promise<PolicyFile | null> {
  const where = `${owner}/${repo}:${path}${ref ? `@${ref}` : ""}`;
  let data: unknown;
  try {
    const res = await octokit.rest.repos.getContent({ owner, repo, path, ...(ref ? { ref } : {}) });
    data = res.data;
  } catch (error) {
    const status = httpStatus(error);
    if (status === 404) return null;
    throw new GitHubEvidenceError(`the file ${where}`, status, error);
  }
  const file = data as { type?: string; encoding?: string; content?: string; sha?: string; size?: number };
  if (Array.isArray(data) || file.type !== "file") {
    throw new GitHubEvidenceError(`the file ${where}: it is not a regular file`, null);
  }
  if ((file.size ?? 0) > MAX_POLICY_BYTES || file.encoding !== "base64" || typeof file.content !== "string") {
    throw new GitHubEvidenceError(`the file ${where}: too large or not returned inline`, null);
  }
  return {
    text: Buffer.from(file.content, "base64").toString("utf8"),
    source: { repository: `${owner}/${repo}`, path, ref: ref ?? "(default branch)", ...(file.sha ? { sha: file.sha } : {}) },
  };
}

export function readPolicyFile(octokit: GitHubClient, owner: string, repo: string, ref: string | undefined): Promise<PolicyFile | null> {
  return readRepositoryFile(octokit, owner, repo, POLICY_PATH, ref);
}

export interface PolicyFiles {
  repository: PolicyFile | null;
  baseline: PolicyFile | null;
}

/**
 * `ref` is the branch whose policy judges the change: the pull request's base branch, or the
 * default branch for pushes. The baseline is read only for organization-owned repositories.
 */
export async function readPolicyFiles(
  octokit: GitHubClient,
  target: { owner: string; repo: string; ref: string; ownerIsOrganization: boolean },
): Promise<PolicyFiles> {
  const [repository, baseline] = await Promise.all([
    readPolicyFile(octokit, target.owner, target.repo, target.ref),
    target.ownerIsOrganization && target.repo !== BASELINE_REPOSITORY
      ? readPolicyFile(octokit, target.owner, BASELINE_REPOSITORY, undefined)
      : Promise.resolve(null),
  ]);
  return { repository, baseline };
}
