/**
 * Gathers the review evidence of a pull request: commits (authors, committers, co-authors,
 * trees), every review with the commit it was given on, force-push actors, and the memberships
 * of the GitHub teams the policy names. GraphQL pages commits, reviews and force pushes together
 * (100 per page), so a pull request of N commits and M reviews costs max(⌈N/100⌉, ⌈M/100⌉, 1)
 * requests, plus one REST request per 100 members of each named team.
 */
import type { Account, CommitFacts, GitActor, PushPullRequest, ReviewEvidence, ReviewFact, ReviewState, TeamSnapshot } from "../evidence/review.js";
import type { EvidenceGap } from "../evidence/types.js";
import { type GitHubClient, GitHubEvidenceError, httpStatus } from "./client.js";
import { PULL_REQUEST_REVIEW_EVIDENCE } from "./review-queries.js";

interface GqlActor {
  login: string;
  __typename: string;
  databaseId?: number | null;
}
interface GqlGitActor {
  name: string | null;
  email: string | null;
  user: { login: string; databaseId: number | null } | null;
}
interface Connection<T> {
  totalCount?: number;
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
  nodes: (T | null)[] | null;
}
interface GqlCommit {
  oid: string;
  message: string;
  tree: { oid: string };
  parents: { totalCount: number; nodes: ({ oid: string } | null)[] | null };
  author: GqlGitActor | null;
  committer: GqlGitActor | null;
  authors: { nodes: (GqlGitActor | null)[] | null };
}
interface GqlReview {
  state: string;
  submittedAt: string | null;
  authorCanPushToRepository: boolean | null;
  author: GqlActor | null;
  commit: { oid: string; tree: { oid: string } } | null;
}
interface Page {
  repository: {
    pullRequest: {
      headRefOid: string;
      commits?: Connection<{ commit: GqlCommit }>;
      reviews?: Connection<GqlReview>;
      timelineItems?: Connection<{ actor?: GqlActor | null }>;
    } | null;
  } | null;
}

export interface ReviewGatherOptions {
  /** GitHub teams (`@org/slug`) whose memberships the policy needs; see githubTeamsNamed(). */
  teams?: readonly string[];
  /** Pushers the caller knows of (e.g. the senders of `synchronize` events it recorded). */
  knownPushers?: readonly Account[];
  /** True only when the caller holds a record of every push to the pull request's branch. */
  pushersComplete?: boolean;
  now?: () => Date;
}

export interface ReviewGatherResult {
  review: ReviewEvidence;
  teams: TeamSnapshot[];
  /** Anything that could not be read completely; each fails the verdict. */
  gaps: EvidenceGap[];
  headSha: string;
  /** API requests made (GraphQL + REST), for the benchmark. */
  requests: number;
}

const REVIEW_STATES: ReadonlySet<string> = new Set(["APPROVED", "CHANGES_REQUESTED", "COMMENTED", "DISMISSED", "PENDING"]);
/** Restarts allowed when the head moves while paging; past this the evidence is reported as a gap. */
const MAX_RESTARTS = 3;

export function account(a: GqlActor | null | undefined): Account {
  if (!a) return { login: null, id: null };
  const type = (["User", "Bot", "Organization", "Mannequin", "EnterpriseUserAccount"] as const).find((t) => t === a.__typename);
  // GraphQL spells app accounts without the `[bot]` suffix that REST, webhooks and policies use.
  const login = type === "Bot" && !a.login.endsWith("[bot]") ? `${a.login}[bot]` : a.login;
  return { login, id: a.databaseId ?? null, ...(type ? { type } : {}) };
}

function gitActor(a: GqlGitActor | null): GitActor {
  return {
    name: a?.name ?? null,
    email: a?.email ?? null,
    user: a?.user ? { login: a.user.login, id: a.user.databaseId ?? null } : null,
  };
}

/** `Co-authored-by: Name <email>` lines of a commit message (key matched case-insensitively, as GitHub does). */
export function coAuthorTrailers(message: string): { name: string | null; email: string }[] {
  const out: { name: string | null; email: string }[] = [];
  for (const line of message.split(/\r?\n/)) {
    const m = /^\s*co-authored-by\s*:\s*(.*?)\s*<([^<>\s]+)>\s*$/i.exec(line);
    if (m?.[2]) out.push({ name: m[1] ? m[1] : null, email: m[2] });
  }
  return out;
}

function commitFacts(c: GqlCommit): CommitFacts {
  // GitHub's `authors` maps each co-author's email to an account; the trailers say who is a co-author.
  const mapped = (c.authors.nodes ?? []).filter((n): n is GqlGitActor => n !== null);
  const coAuthors = coAuthorTrailers(c.message).map((t): GitActor => {
    const hit = mapped.find((m) => m.email?.toLowerCase() === t.email.toLowerCase());
    return { name: t.name, email: t.email, user: hit?.user ? { login: hit.user.login, id: hit.user.databaseId ?? null } : null };
  });
  return {
    oid: c.oid,
    tree: c.tree.oid,
    parents: (c.parents.nodes ?? []).filter((p): p is { oid: string } => p !== null).map((p) => p.oid),
    author: gitActor(c.author),
    committer: gitActor(c.committer),
    coAuthors,
  };
}

function reviewFact(r: GqlReview): ReviewFact | null {
  if (!r.submittedAt || !REVIEW_STATES.has(r.state)) return null; // pending reviews are not submitted
  return {
    author: account(r.author),
    state: r.state as ReviewState,
    dismissed: r.state === "DISMISSED",
    commitOid: r.commit?.oid ?? null,
    commitTree: r.commit?.tree.oid ?? null,
    submittedAt: r.submittedAt,
    canPush: r.authorCanPushToRepository ?? null,
  };
}

export async function gatherReviewEvidence(
  octokit: GitHubClient,
  target: { owner: string; repo: string; number: number },
  options: ReviewGatherOptions = {},
): Promise<ReviewGatherResult> {
  const now = options.now ?? (() => new Date());
  const gaps: EvidenceGap[] = [];
  let requests = 0;
  let restarts = 0;

  let commits: CommitFacts[] = [];
  let reviews: ReviewFact[] = [];
  let forcePushers: Account[] = [];
  let commitsTotal = 0;
  let reviewsTotal = 0;
  let reviewsSeen = 0;
  let head: string | null = null;
  let cursors = { commitsAfter: null as string | null, reviewsAfter: null as string | null, pushesAfter: null as string | null };
  let more = { withCommits: true, withReviews: true, withPushes: true };

  while (more.withCommits || more.withReviews || more.withPushes) {
    let page: Page;
    try {
      page = await octokit.graphql<Page>(PULL_REQUEST_REVIEW_EVIDENCE, { ...target, ...cursors, ...more });
    } catch (error) {
      throw new GitHubEvidenceError(`the commits and reviews of pull request #${target.number}`, httpStatus(error), error);
    }
    requests++;
    const pr = page.repository?.pullRequest;
    if (!pr) throw new GitHubEvidenceError(`pull request #${target.number}`, 404);
    if (head !== null && pr.headRefOid !== head) {
      // The head moved while paging: the pages would mix two revisions. Start again from the new head.
      if (++restarts > MAX_RESTARTS) {
        gaps.push({ what: `the commits of pull request #${target.number}`, reason: "its head kept moving while it was read" });
        break;
      }
      commits = [];
      reviews = [];
      reviewsSeen = 0;
      forcePushers = [];
      cursors = { commitsAfter: null, reviewsAfter: null, pushesAfter: null };
      more = { withCommits: true, withReviews: true, withPushes: true };
      head = pr.headRefOid;
      continue;
    }
    head = pr.headRefOid;
    if (more.withCommits) {
      if (!pr.commits) throw new GitHubEvidenceError(`the commits of pull request #${target.number}`, null);
      commitsTotal = pr.commits.totalCount ?? 0;
      for (const n of pr.commits.nodes ?? []) if (n) commits.push(commitFacts(n.commit));
      more.withCommits = pr.commits.pageInfo.hasNextPage && pr.commits.pageInfo.endCursor !== null;
      cursors.commitsAfter = pr.commits.pageInfo.endCursor;
    }
    if (more.withReviews) {
      if (!pr.reviews) throw new GitHubEvidenceError(`the reviews of pull request #${target.number}`, null);
      reviewsTotal = pr.reviews.totalCount ?? 0;
      for (const n of pr.reviews.nodes ?? []) {
        reviewsSeen++;
        const r = n ? reviewFact(n) : null;
        if (r) reviews.push(r);
      }
      more.withReviews = pr.reviews.pageInfo.hasNextPage && pr.reviews.pageInfo.endCursor !== null;
      cursors.reviewsAfter = pr.reviews.pageInfo.endCursor;
    }
    if (more.withPushes) {
      if (!pr.timelineItems) throw new GitHubEvidenceError(`the force pushes of pull request #${target.number}`, null);
      for (const n of pr.timelineItems.nodes ?? []) if (n?.actor) forcePushers.push(account(n.actor));
      more.withPushes = pr.timelineItems.pageInfo.hasNextPage && pr.timelineItems.pageInfo.endCursor !== null;
      cursors.pushesAfter = pr.timelineItems.pageInfo.endCursor;
    }
  }

  if (commits.length < commitsTotal) {
    gaps.push({ what: `the commits of pull request #${target.number}`, reason: `GitHub listed ${commits.length} of ${commitsTotal}` });
  }
  // Pending reviews are skipped, so compare what was paged, not what was kept.
  if (reviewsSeen < reviewsTotal) {
    gaps.push({ what: `the reviews of pull request #${target.number}`, reason: `GitHub listed ${reviewsSeen} of ${reviewsTotal}` });
  }
  const headSha = head ?? "";
  const headCommit = commits.find((c) => c.oid === headSha);
  if (!headCommit) gaps.push({ what: `the head commit of pull request #${target.number}`, reason: "it was not among the pull request's commits" });

  const pushers = dedupe([...(options.knownPushers ?? []), ...forcePushers]);
  const teams: TeamSnapshot[] = [];
  for (const team of options.teams ?? []) {
    try {
      const t = await teamSnapshot(octokit, team, now);
      teams.push(t.snapshot);
      requests += t.requests;
    } catch (error) {
      gaps.push({ what: `the members of ${team}`, reason: error instanceof GitHubEvidenceError ? error.message : "the request failed" });
      requests++;
    }
  }

  return {
    review: { commits, reviews, pushers, pushersComplete: options.pushersComplete ?? false, headTree: headCommit?.tree ?? "" },
    teams,
    gaps,
    headSha,
    requests,
  };
}

function dedupe(accounts: Account[]): Account[] {
  const seen = new Set<string>();
  return accounts.filter((a) => {
    const key = a.id !== null ? `id:${a.id}` : `login:${a.login?.toLowerCase()}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

const TEAM = /^@([^/]+)\/(.+)$/;

/**
 * Members of a GitHub team through REST (100 a page). GitHub includes the members of child
 * teams, so nested teams count as their parents' members.
 */
export async function teamSnapshot(
  octokit: GitHubClient,
  team: string,
  now: () => Date = () => new Date(),
): Promise<{ snapshot: TeamSnapshot; requests: number }> {
  const m = TEAM.exec(team);
  if (!m) throw new GitHubEvidenceError(`team ${team} (not written @org/slug)`, null);
  let requests = 0;
  const members: Account[] = [];
  try {
    for await (const res of octokit.paginate.iterator(octokit.rest.teams.listMembersInOrg, {
      org: m[1]!,
      team_slug: m[2]!,
      per_page: 100,
    })) {
      requests++;
      for (const u of res.data) {
        members.push({ login: u.login, id: u.id, ...(u.type === "Bot" || u.type === "User" || u.type === "Organization" ? { type: u.type } : {}) });
      }
    }
  } catch (error) {
    throw new GitHubEvidenceError(`the members of ${team}`, httpStatus(error), error);
  }
  return { snapshot: { team, members, resolvedAt: now().toISOString() }, requests };
}

/**
 * The pull request a push merged, if any, and whether Vouch passed it: a merged pull request into
 * this branch whose merge commit is the pushed commit, and this app's latest `vouch` check run on
 * the pull request's final head concluded success. Two REST requests. Returns null when the push
 * merged no pull request (a direct push).
 */
export async function pushPullRequest(
  octokit: GitHubClient,
  target: { owner: string; repo: string; ref: string; sha: string; appId?: number; checkName?: string },
): Promise<{ viaPullRequest: PushPullRequest | null; requests: number }> {
  const branch = target.ref.replace(/^refs\/heads\//, "");
  let pulls: { number: number; merged_at: string | null; merge_commit_sha: string | null; base: { ref: string }; head: { sha: string } }[];
  try {
    const res = await octokit.rest.repos.listPullRequestsAssociatedWithCommit({ owner: target.owner, repo: target.repo, commit_sha: target.sha, per_page: 100 });
    pulls = res.data;
  } catch (error) {
    throw new GitHubEvidenceError(`the pull requests of commit ${target.sha}`, httpStatus(error), error);
  }
  const pr = pulls.find((p) => p.merged_at !== null && p.merge_commit_sha === target.sha && p.base.ref === branch);
  if (!pr) return { viaPullRequest: null, requests: 1 };
  const latest = await latestVouchCheck(octokit, { ...target, sha: pr.head.sha }, `the checks of pull request #${pr.number}`);
  return { viaPullRequest: { number: pr.number, passed: latest?.conclusion === "success", headSha: pr.head.sha }, requests: 2 };
}

/**
 * This app's latest `vouch` check run on a commit (one REST request), or null when there is none.
 * Another app can name a check `vouch`: only this app's runs say whether Vouch passed it.
 */
export async function latestVouchCheck(
  octokit: GitHubClient,
  target: { owner: string; repo: string; sha: string; appId?: number; checkName?: string },
  what = `the checks of commit ${target.sha}`,
): Promise<{ id: number; conclusion: string | null } | null> {
  const name = target.checkName ?? "vouch";
  let runs: { name: string; conclusion: string | null; id: number; app: { id: number } | null }[];
  try {
    const res = await octokit.rest.checks.listForRef({
      owner: target.owner,
      repo: target.repo,
      ref: target.sha,
      check_name: name,
      filter: "latest",
      per_page: 100,
      ...(target.appId !== undefined ? { app_id: target.appId } : {}),
    });
    runs = res.data.check_runs;
  } catch (error) {
    throw new GitHubEvidenceError(what, httpStatus(error), error);
  }
  const latest = runs.filter((r) => r.name === name && (target.appId === undefined || r.app?.id === target.appId)).sort((a, b) => b.id - a.id)[0];
  return latest ? { id: latest.id, conclusion: latest.conclusion } : null;
}
