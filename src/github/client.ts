/** The Octokit type every GitHub adapter takes: the installation-authenticated client Probot hands to handlers. */
import type { ProbotOctokit } from "probot";

export type GitHubClient = InstanceType<typeof ProbotOctokit>;

/** An API failure the evaluation cannot work around; the message names the call, never a token or payload. */
export class GitHubEvidenceError extends Error {
  readonly code = "github.unavailable";
  constructor(
    readonly what: string,
    readonly status: number | null,
    cause?: unknown,
    /** The failure says nothing about the change (GitHub silent or overloaded): retry the delivery rather than fail the check. */
    readonly transient = false,
  ) {
    super(`GitHub API: could not read ${what}${status ? ` (HTTP ${status})` : transient ? " (no answer in time)" : ""}`, { cause });
    this.name = "GitHubEvidenceError";
  }
}

export function httpStatus(error: unknown): number | null {
  const status = (error as { status?: unknown } | null)?.status;
  return typeof status === "number" ? status : null;
}
