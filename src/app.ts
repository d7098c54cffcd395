/**
 * The Probot app: maps webhook events to the one evaluation use-case. Handlers stay thin:
 * they pick the head SHA, the branch whose policy applies, and how to gather the change.
 */
import type { Context, Probot } from "probot";
import { pullRequestChange, pushChange, mergeGroupChange, type PushTarget } from "./github/change.js";
import { gatherReviewEvidence, pushPullRequest, teamSnapshot } from "./github/review-evidence.js";
import { githubTeamsNamed } from "./controls/review/principals.js";
import type { Account } from "./evidence/review.js";
import type { Policy } from "./policy/schema.js";
import { gatherGitEvidence, type GitAccess } from "./github/git-evidence.js";
import { gatherMergeGroupEvidence, mergeBase, queueRefBase } from "./github/merge-group.js";
import { codeownersTeams, readCodeowners } from "./github/codeowners-source.js";
import { usesCodeowners } from "./engine/codeowners.js";
import { readRepositoryFile } from "./github/policy-source.js";
import type { GitHubClient } from "./github/client.js";
import { runEvaluation, type AttestDeps, type EvaluationDeps, type EvaluationTarget, type Gathered } from "./github/run-evaluation.js";
import { CHECK_NAME } from "./github/check-run.js";
import { MemoryKeyedLock, type KeyedLock } from "./queue/keyed-lock.js";
import type { VouchMetrics } from "./observability/metrics.js";
import { issueAlertFindings, sendIssueAlert } from "./github/alerts.js";
import { GitHubEvidenceError } from "./github/client.js";
import type { Change, Evidence, LoadedPolicy } from "./evidence/types.js";
import type { Verdict } from "./engine/evaluate.js";

export interface VouchAppOptions {
  /** Clock for the trusted observation time; injected so tests are deterministic. */
  now?: () => Date;
  /** This app's id: check-run events for other apps' runs are ignored. */
  appId?: number;
  /** Where git objects are fetched from and cached; without it, signature evidence cannot be gathered. */
  git?: GitAccess;
  /** Where verdicts are attested and recorded; without it, no attestation is written. */
  attest?: AttestDeps;
  /** Where each evaluation's evidence, verdict and policy are saved for `vouch evaluate`. */
  evaluationsDir?: string;
  /** Where check-run latency and evaluations that failed closed are counted. */
  metrics?: Pick<VouchMetrics, "checkCompleted" | "failure">;
  /** Serialises evaluations of one head across workers (Redis); default: within this process. */
  headLock?: KeyedLock;
}

interface RepoRef {
  owner: string;
  repo: string;
  repositoryId: number | null;
  ownerIsOrganization: boolean;
  defaultBranch?: string;
}

interface RepositoryPayload {
  id: number;
  name: string;
  default_branch?: string;
  owner: { login: string; type?: string };
}

function repoRef(repository: RepositoryPayload): RepoRef {
  return {
    owner: repository.owner.login,
    repo: repository.name,
    repositoryId: repository.id,
    ownerIsOrganization: repository.owner.type === "Organization",
    ...(repository.default_branch ? { defaultBranch: repository.default_branch } : {}),
  };
}

export default function vouchApp(app: Probot, options: VouchAppOptions = {}): void {
  const deps: EvaluationDeps = {
    now: options.now ?? (() => new Date()),
    log: app.log,
    ...(options.attest ? { attest: options.attest } : {}),
    ...(options.evaluationsDir ? { evaluationsDir: options.evaluationsDir } : {}),
    ...(options.metrics ? { metrics: options.metrics } : {}),
    headLock: options.headLock ?? new MemoryKeyedLock(),
  };

  // The app's bot login, looked up once (GET /app) the first time a bot sends an event.
  let botLogin: Promise<string | null> | undefined;
  const ourBotLogin = (): Promise<string | null> => {
    botLogin ??= app.auth().then(
      async (octokit) => `${(await octokit.rest.apps.getAuthenticated()).data?.slug ?? ""}[bot]`,
      () => null,
    );
    return botLogin.then((login) => {
      if (login === null) botLogin = undefined; // retry the lookup next time
      return login;
    });
  };
  /** Events Vouch caused itself are not evaluated again. */
  const causedByVouch = async (payload: { sender?: { type?: string; login?: string } }): Promise<boolean> =>
    payload.sender?.type === "Bot" && payload.sender.login !== undefined && payload.sender.login === (await ourBotLogin());

  /** The pull request's files, and (under a valid policy) its commits, reviews and the teams the policy names. */
  const evaluatePullRequest = (
    octokit: GitHubClient,
    deliveryId: string,
    repo: RepoRef,
    pr: { number: number; headSha: string; baseRef: string; pusher?: Account },
  ) =>
    run(octokit, {
      ...repo,
      deliveryId,
      headSha: pr.headSha,
      policyRef: pr.baseRef,
      gather: async (policy, { observedAt }): Promise<Gathered> => {
        const target = { owner: repo.owner, repo: repo.repo, number: pr.number };
        const { change } = await pullRequestChange(octokit, target);
        if (!policy) return { change };
        // CODEOWNERS comes from the base branch, like the policy, so a pull request cannot choose its own owners.
        const codeowners = usesCodeowners(policy) ? await readCodeowners(octokit, { owner: repo.owner, repo: repo.repo, ref: pr.baseRef }) : undefined;
        const review = await gatherReviewEvidence(octokit, target, {
          teams: [...new Set([...githubTeamsNamed(policy), ...(codeowners ? codeownersTeams(codeowners) : [])])].sort(),
          knownPushers: pr.pusher ? [pr.pusher] : [],
          now: deps.now,
        });
        const objects = await gitEvidence(octokit, repo, change, change.baseSha ? [change.baseSha] : [], policy, observedAt, pr.baseRef);
        return { change, review: review.review, teams: review.teams, ...(codeowners ? { codeowners } : {}), ...objects, gaps: [...review.gaps, ...objects.gaps] };
      },
    });

  /**
   * Signature verdicts and secret findings of the change's new objects, read from the raw git
   * objects when a touched namespace needs them. The secrets baseline is read from the same branch
   * as the policy, never from the change itself.
   */
  const gitEvidence = async (
    octokit: GitHubClient,
    repo: Pick<RepoRef, "owner" | "repo" | "repositoryId">,
    change: Change,
    exclude: string[],
    policy: Policy,
    observedAt: Date,
    policyRef: string,
  ) => {
    if (change.push?.deleted) return { gaps: [] };
    const baseline = policy.secrets.baseline;
    return gatherGitEvidence(octokit, options.git, {
      owner: repo.owner,
      repo: repo.repo,
      repositoryId: repo.repositoryId,
      change,
      exclude,
      observedAt,
      policy,
      readBaseline: async () => (baseline ? ((await readRepositoryFile(octokit, repo.owner, repo.repo, baseline, policyRef))?.text ?? null) : null),
    });
  };

  /** A push: its files, whether it merged a pull request Vouch passed, signatures, and the teams the policy names. */
  const gatherPush = async (octokit: GitHubClient, push: PushTarget, policy: Policy | null, observedAt: Date, repositoryId: number | null): Promise<Gathered> => {
    const change = await pushChange(octokit, push);
    if (!policy || !change.push) return { change };
    if (!push.deleted && push.ref.startsWith("refs/heads/")) {
      const { viaPullRequest } = await pushPullRequest(octokit, {
        owner: push.owner,
        repo: push.repo,
        ref: push.ref,
        sha: push.after,
        ...(options.appId !== undefined ? { appId: options.appId } : {}),
      });
      if (viaPullRequest) change.push.viaPullRequest = viaPullRequest;
    }
    const teams = [];
    for (const team of githubTeamsNamed(policy)) teams.push((await teamSnapshot(octokit, team, deps.now)).snapshot);
    // New commits are those not already on the branch before the push (for a new ref: not on the default branch).
    const exclude = push.created || /^0+$/.test(push.before) ? [push.defaultBranch] : [push.before];
    const objects = await gitEvidence(octokit, { ...push, repositoryId }, change, change.push.initial ? [] : exclude, policy, observedAt, push.defaultBranch);
    return { change, teams, ...objects };
  };

  /** `alerts: issue`: a push violation also opens (or comments on) the ref's alert issue; its outcome joins the check summary. */
  const pushAlert = async (
    octokit: GitHubClient,
    deliveryId: string,
    push: PushTarget,
    judged: { policy: LoadedPolicy; verdict: Verdict; evidence: Evidence },
  ): Promise<string | null> => {
    const findings = issueAlertFindings(judged.policy, judged.verdict, judged.evidence);
    const info = judged.evidence.change.push;
    if (!findings || !info) return null;
    const creator = await ourBotLogin();
    try {
      const out = await sendIssueAlert(octokit, {
        owner: push.owner,
        repo: push.repo,
        ref: push.ref,
        headSha: judged.verdict.headSha,
        push: info,
        findings,
        deliveryId,
        ...(creator ? { creator } : {}),
      });
      const what = out.action === "opened" ? "opened" : out.action === "commented" ? "commented on" : "already updated (this delivery)";
      return `**Alert:** ${what} issue [#${out.issue}](${out.url}).`;
    } catch (error) {
      if (!(error instanceof GitHubEvidenceError)) throw error;
      app.log.warn({ err: { message: error.message, status: error.status }, ref: push.ref }, "push alert failed");
      return `**The alert issue could not be opened or updated** (${error.message}). The failing check and the ledger record stand; check that the app may write issues.`;
    }
  };

  const run = (octokit: GitHubClient, target: EvaluationTarget) =>
    runEvaluation(octokit, options.appId !== undefined ? { ...target, appId: options.appId } : target, deps);

  const onPullRequest = async (context: Context<"pull_request">) => {
    if (await causedByVouch(context.payload)) return;
    const { pull_request: pr, repository } = context.payload;
    if (context.payload.action === "edited" && !("base" in (context.payload.changes ?? {}))) return;
    const { sender } = context.payload;
    await evaluatePullRequest(context.octokit, context.id, repoRef(repository), {
      number: pr.number,
      headSha: pr.head.sha,
      baseRef: pr.base.ref,
      // Whoever sent a synchronize pushed to the pull request; they cannot also approve it.
      ...(context.payload.action === "synchronize" && sender ? { pusher: { login: sender.login, id: sender.id } } : {}),
    });
  };
  app.on(
    ["pull_request.opened", "pull_request.synchronize", "pull_request.reopened", "pull_request.ready_for_review", "pull_request.edited"],
    onPullRequest,
  );

  app.on(["pull_request_review.submitted", "pull_request_review.edited", "pull_request_review.dismissed"], async (context) => {
    if (await causedByVouch(context.payload)) return;
    const { pull_request: pr, repository } = context.payload;
    await evaluatePullRequest(context.octokit, context.id, repoRef(repository), {
      number: pr.number,
      headSha: pr.head.sha,
      baseRef: pr.base.ref,
    });
  });

  app.on("push", async (context) => {
    if (await causedByVouch(context.payload)) return;
    const p = context.payload;
    const repo = repoRef(p.repository as RepositoryPayload);
    const push: PushTarget = {
      owner: repo.owner,
      repo: repo.repo,
      ref: p.ref,
      before: p.before,
      after: p.after,
      created: p.created,
      deleted: p.deleted,
      forced: p.forced,
      // The sender carries the numeric id (the pusher field only a name and email).
      pusher: { login: p.sender?.login ?? p.pusher.name ?? null, id: p.sender?.id ?? null, email: p.pusher.email ?? null },
      defaultBranch: p.repository.default_branch,
    };
    await run(context.octokit, {
      ...repo,
      deliveryId: context.id,
      // A deleted ref's verdict goes on the commit it last pointed at.
      headSha: p.deleted ? p.before : p.after,
      onlyWhenProtected: p.deleted,
      policyRef: p.repository.default_branch,
      gather: (policy, { observedAt }) => gatherPush(context.octokit, push, policy, observedAt, repo.repositoryId),
      afterJudged: (judged) => pushAlert(context.octokit, context.id, push, judged),
    });
  });

  /**
   * A merge group, judged by its base branch's policy. runEvaluation completes the check even on
   * errors, so every group gets an answer and the queue never waits for ever.
   */
  const evaluateMergeGroup = (
    octokit: GitHubClient,
    deliveryId: string,
    repo: RepoRef,
    /** `baseSha` may be looked up inside the evaluation, so a failure to find it still completes the check. */
    group: { headSha: string; headRef: string; baseSha: string | (() => Promise<string>); baseRef: string },
  ) => {
    const baseBranch = group.baseRef.replace(/^refs\/heads\//, "");
    return run(octokit, {
      ...repo,
      deliveryId,
      headSha: group.headSha,
      policyRef: baseBranch,
      gather: async (policy, { observedAt }): Promise<Gathered> => {
        const baseSha = typeof group.baseSha === "string" ? group.baseSha : await group.baseSha();
        const change = await mergeGroupChange(octokit, { owner: repo.owner, repo: repo.repo, baseRef: group.baseRef, baseSha, headSha: group.headSha });
        if (!policy) return { change };
        const evidence = await gatherMergeGroupEvidence(octokit, options.git, {
          owner: repo.owner,
          repo: repo.repo,
          headRef: group.headRef,
          headSha: group.headSha,
          baseSha,
          baseBranch,
          ...(options.appId !== undefined ? { appId: options.appId } : {}),
        });
        // The group's new commits are judged like a pull request's: signatures and the lines they add.
        const objects = await gitEvidence(octokit, repo, change, [baseSha], policy, observedAt, baseBranch);
        return { change, ...(evidence.mergeGroup ? { mergeGroup: evidence.mergeGroup } : {}), ...objects, gaps: [...evidence.gaps, ...objects.gaps] };
      },
    });
  };

  app.on("merge_group.checks_requested", async (context) => {
    const { merge_group: group, repository } = context.payload;
    if (!repository) return;
    await evaluateMergeGroup(context.octokit, context.id, repoRef(repository), {
      headSha: group.head_sha,
      headRef: group.head_ref,
      baseSha: group.base_sha,
      baseRef: group.base_ref,
    });
  });

  const isOurs = (appId: number | null | undefined, name?: string) =>
    (options.appId === undefined || appId === options.appId) && (name === undefined || name === CHECK_NAME);

  app.on(["check_run.rerequested", "check_run.requested_action"], async (context) => {
    const { check_run: checkRun, repository } = context.payload;
    if (!isOurs(checkRun.app?.id, checkRun.name)) return;
    await reevaluateCommit(context.octokit, context.id, repoRef(repository), checkRun.head_sha, checkRun.pull_requests, checkRun.check_suite?.head_branch ?? null, repository.default_branch);
  });

  app.on(["check_suite.requested", "check_suite.rerequested"], async (context) => {
    const { check_suite: suite, repository } = context.payload;
    if (!isOurs(suite.app?.id)) return;
    await reevaluateCommit(context.octokit, context.id, repoRef(repository), suite.head_sha, suite.pull_requests, suite.head_branch, repository.default_branch);
  });

  /** A re-run names only a commit: evaluate it as each pull request it heads, or as a push to its branch. */
  const reevaluateCommit = async (
    octokit: GitHubClient,
    deliveryId: string,
    repo: RepoRef,
    headSha: string,
    pullRequests: readonly { number: number; head: { sha: string }; base: { ref: string } }[],
    headBranch: string | null,
    defaultBranch: string,
  ) => {
    if (pullRequests.length > 0) {
      for (const pr of pullRequests) {
        await evaluatePullRequest(octokit, deliveryId, repo, { number: pr.number, headSha, baseRef: pr.base.ref });
      }
      return;
    }
    if (!headBranch) return;
    // A re-run on a merge group's commit is judged as that merge group again, never as a push to an
    // unprotected branch (which would pass, and let the queue merge what the group check failed).
    const queue = queueRefBase(headBranch);
    if (queue) {
      await evaluateMergeGroup(octokit, deliveryId, repo, {
        headSha,
        headRef: `refs/heads/${headBranch}`,
        baseSha: () => mergeBase(octokit, repo, queue, headSha),
        baseRef: `refs/heads/${queue}`,
      });
      return;
    }
    await run(octokit, {
      ...repo,
      deliveryId,
      headSha,
      policyRef: defaultBranch,
      gather: (policy, { observedAt }) =>
        gatherPush(
          octokit,
          {
            owner: repo.owner,
            repo: repo.repo,
            ref: `refs/heads/${headBranch}`,
            before: defaultBranch,
            after: headSha,
            created: false,
            deleted: false,
            forced: false,
            pusher: { login: null, id: null },
            defaultBranch,
          },
          policy,
          observedAt,
          repo.repositoryId,
        ),
    });
  };

  /** Newly added repositories: evaluate their open pull requests so existing work gets a verdict. */
  const evaluateOpenPullRequests = async (
    octokit: GitHubClient,
    deliveryId: string,
    account: { login: string; type?: string },
    repositories: readonly { id: number; name: string; full_name: string }[],
  ) => {
    for (const r of repositories) {
      const [owner = account.login, name = r.name] = r.full_name.split("/");
      const repo: RepoRef = { owner, repo: name, repositoryId: r.id, ownerIsOrganization: account.type === "Organization" };
      const open = await octokit.paginate(octokit.rest.pulls.list, { owner, repo: name, state: "open", per_page: 100 });
      for (const pr of open) {
        await evaluatePullRequest(octokit, deliveryId, repo, { number: pr.number, headSha: pr.head.sha, baseRef: pr.base.ref });
      }
    }
  };

  app.on("installation.created", async (context) => {
    const { installation, repositories } = context.payload;
    await evaluateOpenPullRequests(context.octokit, context.id, installation.account as { login: string; type?: string }, repositories ?? []);
  });

  app.on("installation_repositories.added", async (context) => {
    const { installation, repositories_added: added } = context.payload;
    await evaluateOpenPullRequests(context.octokit, context.id, installation.account as { login: string; type?: string }, added);
  });
}
