/**
 * Alerts for push violations (`alerts: issue`): one open issue per protected ref, titled with the
 * ref, that Vouch opens on the first violation and comments on afterwards. Each alert carries a
 * marker with the webhook delivery id, so a redelivered or retried push never alerts twice.
 */
import type { Verdict } from "../engine/evaluate.js";
import type { Finding } from "../engine/findings.js";
import type { Evidence, LoadedPolicy, PushInfo } from "../evidence/types.js";
import { type GitHubClient, GitHubEvidenceError, httpStatus } from "./client.js";

/** Open issues looked through for the ref's alert issue at most (10 pages of 100). */
const MAX_ISSUE_PAGES = 10;

export type AlertOutcome = { action: "opened" | "commented" | "already_alerted"; issue: number; url: string };

/** The push violations of a verdict when the policy asks for issue alerts, else null. */
export function issueAlertFindings(policy: LoadedPolicy, verdict: Verdict, evidence: Evidence): Finding[] | null {
  if (policy.status !== "valid" || policy.policy.alerts !== "issue") return null;
  if (evidence.change.kind !== "push" || !evidence.change.push) return null;
  const violations = verdict.findings.filter((f) => f.control === "namespaces" && f.severity === "error");
  return violations.length > 0 ? violations : null;
}

export function alertTitle(ref: string): string {
  return `Vouch: policy violation on ${ref}`;
}

export function deliveryMarker(deliveryId: string): string {
  return `<!-- vouch-alert delivery=${deliveryId.replace(/[^A-Za-z0-9._-]/g, "")} -->`;
}

const short = (sha: string) => sha.slice(0, 12);

/** The issue or comment text: who pushed what, what it violated, and how to fix it. */
export function alertBody(input: { ref: string; push: PushInfo; headSha: string; findings: readonly Finding[]; deliveryId: string }): string {
  const { push } = input;
  const who = push.pusher.login ? `@${push.pusher.login}` : (push.pusher.name ?? push.pusher.email ?? "an unknown pusher");
  const id = push.pusher.id !== null ? ` (GitHub id ${push.pusher.id})` : "";
  const how = push.deleted ? "deleted the ref" : push.forced ? "force-pushed" : push.created ? "created the ref" : "pushed";
  const lines = [
    `Vouch found a change to \`${input.ref}\` that the repository's policy forbids.`,
    "",
    `- **Who:** ${who}${id} ${how}.`,
    `- **Before:** \`${push.before}\``,
    `- **After:** \`${push.after}\``,
    `- **Verdict:** the failing \`vouch\` check on \`${short(input.headSha)}\`, also recorded in Vouch's ledger.`,
    "",
    "### What was violated",
    "",
    ...input.findings.map((f) => `- **${f.code}**${f.namespace ? ` (namespace "${f.namespace}")` : ""}: ${f.message}`),
    "",
    "### How to fix it",
    "",
    ...[...new Set(input.findings.map((f) => f.remedy))].map((r) => `- ${r}`),
    "",
    "A GitHub App cannot undo a push: restore the ref if the change was not intended, and require the `vouch` check in a ruleset so the next one is blocked.",
    "",
    deliveryMarker(input.deliveryId),
  ];
  return lines.join("\n");
}

/**
 * Opens the ref's alert issue, or comments on the open one, unless this delivery already did.
 * Throws GitHubEvidenceError when GitHub refuses; the caller reports that without failing the check.
 */
export async function sendIssueAlert(
  octokit: GitHubClient,
  target: { owner: string; repo: string; ref: string; headSha: string; push: PushInfo; findings: readonly Finding[]; deliveryId: string; creator?: string },
): Promise<AlertOutcome> {
  const { owner, repo } = target;
  const title = alertTitle(target.ref);
  const marker = deliveryMarker(target.deliveryId);
  const body = alertBody(target);
  const call = async <T>(what: string, fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn();
    } catch (error) {
      throw new GitHubEvidenceError(what, httpStatus(error), error);
    }
  };

  let existing: { number: number; body?: string | null; html_url: string; comments: number } | undefined;
  let pages = 0;
  await call(`the open issues of ${owner}/${repo}`, async () => {
    for await (const page of octokit.paginate.iterator(octokit.rest.issues.listForRepo, {
      owner,
      repo,
      state: "open",
      per_page: 100,
      ...(target.creator ? { creator: target.creator } : {}),
    })) {
      existing = page.data.find((i) => i.title === title && !i.pull_request && (target.creator !== undefined || i.user?.type === "Bot"));
      if (existing || ++pages >= MAX_ISSUE_PAGES) break;
    }
  });

  if (!existing) {
    const created = await call(`a new issue in ${owner}/${repo}`, () => octokit.rest.issues.create({ owner, repo, title, body }));
    return { action: "opened", issue: created.data.number, url: created.data.html_url };
  }
  const issue = existing;
  if (issue.body?.includes(marker)) return { action: "already_alerted", issue: issue.number, url: issue.html_url };
  if (issue.comments > 0) {
    const comments = await call(`the comments of issue #${issue.number}`, () =>
      octokit.paginate(octokit.rest.issues.listComments, { owner, repo, issue_number: issue.number, per_page: 100 }),
    );
    if (comments.some((c) => c.body?.includes(marker))) return { action: "already_alerted", issue: issue.number, url: issue.html_url };
  }
  await call(`a comment on issue #${issue.number}`, () => octokit.rest.issues.createComment({ owner, repo, issue_number: issue.number, body }));
  return { action: "commented", issue: issue.number, url: issue.html_url };
}
