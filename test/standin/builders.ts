// Turns state records into GitHub's response shapes. Fields Vouch reads come from state; the rest
// is completed from GitHub's schemas (see shapes.ts).
import { complete } from "./shapes.js";
import type { FileChange, CommitInfo } from "./git-queries.js";
import type {
  CheckRunRecord,
  GpgKeyRecord,
  HookDeliveryRecord,
  IssueRecord,
  IssueCommentRecord,
  PullRecord,
  RepoRecord,
  ReviewRecord,
  SshSigningKeyRecord,
  StandInState,
  TeamRecord,
  UserRecord,
} from "./state.js";

export interface AppInfo {
  id: number;
  slug: string;
  name: string;
  owner: string;
}

export class Builders {
  constructor(
    private readonly state: StandInState,
    private readonly origin: string,
    private readonly app: AppInfo,
  ) {}

  get appId(): number {
    return this.app.id;
  }

  get appSlug(): string {
    return this.app.slug;
  }

  get api(): string {
    return `${this.origin}/api/v3`;
  }

  private fill(schema: string, value: Record<string, unknown>): Record<string, unknown> {
    return complete(schema, value, this.api) as Record<string, unknown>;
  }

  private nodeId(kind: string, id: number): string {
    return Buffer.from(`0:${kind}${id}`).toString("base64");
  }

  simpleUser(user: UserRecord): Record<string, unknown> {
    return this.fill("simple-user", {
      login: user.login,
      id: user.id,
      node_id: this.nodeId("User", user.id),
      type: user.type,
      site_admin: false,
      ...(user.name !== undefined ? { name: user.name } : {}),
      avatar_url: `${this.origin}/avatars/u/${user.id}`,
      gravatar_id: "",
      url: `${this.api}/users/${encodeURIComponent(user.login)}`,
      html_url: `${this.origin}/${encodeURIComponent(user.login)}`,
    });
  }

  userByLogin(login: string): Record<string, unknown> {
    return this.simpleUser(this.state.user(login));
  }

  publicUser(user: UserRecord): Record<string, unknown> {
    return this.fill("public-user", {
      ...this.simpleUser(user),
      name: user.name ?? null,
      email: user.emails[0] ?? null,
      user_view_type: "public",
      created_at: "2020-01-01T00:00:00Z",
      updated_at: "2020-01-01T00:00:00Z",
    });
  }

  private repoFields(repo: RepoRecord): Record<string, unknown> {
    const fullName = `${repo.owner}/${repo.name}`;
    return {
      id: repo.id,
      node_id: this.nodeId("Repository", repo.id),
      name: repo.name,
      full_name: fullName,
      owner: this.userByLogin(repo.owner),
      private: repo.private,
      visibility: repo.private ? "private" : "public",
      default_branch: repo.defaultBranch,
      fork: false,
      archived: false,
      disabled: false,
      html_url: `${this.origin}/${fullName}`,
      url: `${this.api}/repos/${fullName}`,
      clone_url: `${this.origin}/${fullName}.git`,
      git_url: `git://stand-in/${fullName}.git`,
      ssh_url: `git@stand-in:${fullName}.git`,
      svn_url: `${this.origin}/${fullName}`,
    };
  }

  repository(repo: RepoRecord): Record<string, unknown> {
    return this.fill("repository", this.repoFields(repo));
  }

  fullRepository(repo: RepoRecord): Record<string, unknown> {
    return this.fill("full-repository", this.repoFields(repo));
  }

  integration(): Record<string, unknown> {
    return this.fill("integration", {
      id: this.app.id,
      slug: this.app.slug,
      node_id: this.nodeId("App", this.app.id),
      client_id: `Iv1.${this.app.id}`,
      owner: this.userByLogin(this.app.owner),
      name: this.app.name,
      description: null,
      external_url: this.origin,
      html_url: `${this.origin}/apps/${this.app.slug}`,
      created_at: "2020-01-01T00:00:00Z",
      updated_at: "2020-01-01T00:00:00Z",
      permissions: { checks: "write", contents: "read", pull_requests: "read", members: "read", issues: "write", metadata: "read" },
      events: ["check_run", "check_suite", "pull_request", "pull_request_review", "push", "merge_group"],
    });
  }

  installation(id: number): Record<string, unknown> {
    const owner = this.app.owner;
    return this.fill("installation", {
      id,
      account: this.userByLogin(owner),
      repository_selection: "selected",
      access_tokens_url: `${this.api}/app/installations/${id}/access_tokens`,
      repositories_url: `${this.api}/installation/repositories`,
      html_url: `${this.origin}/settings/installations/${id}`,
      app_id: this.app.id,
      app_slug: this.app.slug,
      target_id: this.state.user(owner).id,
      target_type: "Organization",
      permissions: { checks: "write", contents: "read", pull_requests: "read", members: "read", issues: "write", metadata: "read" },
      events: ["pull_request", "push"],
      created_at: "2020-01-01T00:00:00Z",
      updated_at: "2020-01-01T00:00:00Z",
    });
  }

  private pullFields(pull: PullRecord): Record<string, unknown> {
    const repo = this.state.requireRepo(pull.owner, pull.repo);
    const headRepo = this.state.requireRepo(pull.head.owner, pull.head.repo);
    const fullName = `${repo.owner}/${repo.name}`;
    const url = `${this.api}/repos/${fullName}/pulls/${pull.number}`;
    return {
      id: pull.id,
      node_id: this.nodeId("PullRequest", pull.id),
      number: pull.number,
      url,
      html_url: `${this.origin}/${fullName}/pull/${pull.number}`,
      state: pull.state,
      locked: false,
      title: pull.title,
      body: pull.body,
      user: this.userByLogin(pull.author),
      draft: pull.draft,
      created_at: pull.createdAt,
      updated_at: pull.updatedAt,
      closed_at: null,
      merged_at: null,
      merge_commit_sha: null,
      author_association: "CONTRIBUTOR",
      labels: [],
      assignees: [],
      requested_reviewers: [],
      requested_teams: [],
      head: { label: `${headRepo.owner}:${pull.head.ref}`, ref: pull.head.ref, sha: pull.head.sha, repo: this.repository(headRepo), user: this.userByLogin(headRepo.owner) },
      base: { label: `${repo.owner}:${pull.base.ref}`, ref: pull.base.ref, sha: pull.base.sha, repo: this.repository(repo), user: this.userByLogin(repo.owner) },
      commits_url: `${url}/commits`,
      review_comments_url: `${url}/comments`,
      statuses_url: `${this.api}/repos/${fullName}/statuses/${pull.head.sha}`,
      _links: {
        self: { href: url },
        html: { href: `${this.origin}/${fullName}/pull/${pull.number}` },
        issue: { href: `${this.api}/repos/${fullName}/issues/${pull.number}` },
        comments: { href: `${this.api}/repos/${fullName}/issues/${pull.number}/comments` },
        review_comments: { href: `${url}/comments` },
        review_comment: { href: `${this.api}/repos/${fullName}/pulls/comments{/number}` },
        commits: { href: `${url}/commits` },
        statuses: { href: `${this.api}/repos/${fullName}/statuses/${pull.head.sha}` },
      },
    };
  }

  pullRequest(pull: PullRecord, extra: { commits: number; changedFiles: number; additions: number; deletions: number }): Record<string, unknown> {
    return this.fill("pull-request", {
      ...this.pullFields(pull),
      merged: pull.merged,
      mergeable: null,
      rebaseable: null,
      mergeable_state: "unknown",
      merged_by: null,
      comments: 0,
      review_comments: 0,
      maintainer_can_modify: false,
      commits: extra.commits,
      additions: extra.additions,
      deletions: extra.deletions,
      changed_files: extra.changedFiles,
    });
  }

  pullRequestSimple(pull: PullRecord): Record<string, unknown> {
    return this.fill("pull-request-simple", this.pullFields(pull));
  }

  review(review: ReviewRecord): Record<string, unknown> {
    const fullName = `${review.owner}/${review.repo}`;
    const prUrl = `${this.api}/repos/${fullName}/pulls/${review.pullNumber}`;
    const html = `${this.origin}/${fullName}/pull/${review.pullNumber}#pullrequestreview-${review.id}`;
    return this.fill("pull-request-review", {
      id: review.id,
      node_id: this.nodeId("PullRequestReview", review.id),
      user: this.userByLogin(review.user),
      body: review.body,
      state: review.state,
      html_url: html,
      pull_request_url: prUrl,
      _links: { html: { href: html }, pull_request: { href: prUrl } },
      ...(review.state === "PENDING" ? {} : { submitted_at: review.submittedAt }),
      commit_id: review.commitId,
      author_association: "COLLABORATOR",
    });
  }

  teamMember(login: string): Record<string, unknown> {
    return this.fill("team-member", this.userByLogin(login));
  }

  team(team: TeamRecord): Record<string, unknown> {
    return { id: team.id, slug: team.slug, name: team.name };
  }

  commit(repo: RepoRecord, info: CommitInfo): Record<string, unknown> {
    const fullName = `${repo.owner}/${repo.name}`;
    const author = this.state.userByEmail(info.author.email);
    const committer = this.state.userByEmail(info.committer.email);
    return this.fill("commit", {
      sha: info.sha,
      node_id: Buffer.from(`0:Commit${info.sha}`).toString("base64"),
      url: `${this.api}/repos/${fullName}/commits/${info.sha}`,
      html_url: `${this.origin}/${fullName}/commit/${info.sha}`,
      comments_url: `${this.api}/repos/${fullName}/commits/${info.sha}/comments`,
      commit: {
        url: `${this.api}/repos/${fullName}/git/commits/${info.sha}`,
        author: info.author,
        committer: info.committer,
        message: info.message.replace(/\n+$/, ""),
        comment_count: 0,
        tree: { sha: info.tree, url: `${this.api}/repos/${fullName}/git/trees/${info.tree}` },
      },
      author: author ? this.simpleUser(author) : null,
      committer: committer ? this.simpleUser(committer) : null,
      parents: info.parents.map((sha) => ({ sha, url: `${this.api}/repos/${fullName}/commits/${sha}`, html_url: `${this.origin}/${fullName}/commit/${sha}` })),
    });
  }

  diffEntry(repo: RepoRecord, headSha: string, change: FileChange): Record<string, unknown> {
    const fullName = `${repo.owner}/${repo.name}`;
    const encoded = change.filename.split("/").map(encodeURIComponent).join("/");
    return this.fill("diff-entry", {
      ...change,
      blob_url: `${this.origin}/${fullName}/blob/${headSha}/${encoded}`,
      raw_url: `${this.origin}/${fullName}/raw/${headSha}/${encoded}`,
      contents_url: `${this.api}/repos/${fullName}/contents/${encoded}?ref=${headSha}`,
    });
  }

  checkRun(run: CheckRunRecord): Record<string, unknown> {
    const fullName = `${run.owner}/${run.repo}`;
    const url = `${this.api}/repos/${fullName}/check-runs/${run.id}`;
    return this.fill("check-run", {
      id: run.id,
      head_sha: run.headSha,
      node_id: this.nodeId("CheckRun", run.id),
      external_id: run.externalId,
      url,
      html_url: `${this.origin}/${fullName}/runs/${run.id}`,
      details_url: run.detailsUrl,
      status: run.status,
      conclusion: run.conclusion,
      started_at: run.startedAt,
      completed_at: run.completedAt,
      output: { ...run.output, annotations_count: run.annotations.length, annotations_url: `${url}/annotations` },
      name: run.name,
      check_suite: { id: run.id },
      app: this.integration(),
      pull_requests: [],
    });
  }

  annotation(run: CheckRunRecord, index: number): Record<string, unknown> {
    const a = run.annotations[index];
    if (!a) throw new Error("annotation out of range");
    return this.fill("check-annotation", {
      path: a.path,
      start_line: a.start_line,
      end_line: a.end_line,
      start_column: a.start_column ?? null,
      end_column: a.end_column ?? null,
      annotation_level: a.annotation_level,
      title: a.title ?? null,
      message: a.message,
      raw_details: a.raw_details ?? null,
      blob_href: `${this.origin}/${run.owner}/${run.repo}/blob/${run.headSha}/${a.path}`,
    });
  }

  gpgKey(login: string, key: GpgKeyRecord): Record<string, unknown> {
    return this.fill("gpg-key", {
      id: key.id,
      name: null,
      primary_key_id: null,
      key_id: key.keyId,
      public_key: key.publicKey,
      emails: key.emails,
      subkeys: key.subkeys.map((sub, i) => ({
        id: key.id * 100 + i + 1,
        primary_key_id: key.id,
        key_id: sub.keyId,
        public_key: "",
        emails: [],
        subkeys: [],
        can_sign: sub.canSign,
        can_encrypt_comms: false,
        can_encrypt_storage: false,
        can_certify: false,
        created_at: key.createdAt,
        expires_at: sub.expiresAt,
        raw_key: null,
        revoked: false,
      })),
      can_sign: key.canSign,
      can_encrypt_comms: false,
      can_encrypt_storage: false,
      can_certify: true,
      created_at: key.createdAt,
      expires_at: key.expiresAt,
      revoked: false,
      raw_key: key.rawKey,
    });
  }

  sshSigningKey(key: SshSigningKeyRecord): Record<string, unknown> {
    return this.fill("ssh-signing-key", { id: key.id, key: key.key, title: key.title, created_at: key.createdAt });
  }

  issue(issue: IssueRecord): Record<string, unknown> {
    const fullName = `${issue.owner}/${issue.repo}`;
    const repo = this.state.requireRepo(issue.owner, issue.repo);
    return this.fill("issue", {
      id: issue.id,
      node_id: this.nodeId("Issue", issue.id),
      number: issue.number,
      url: `${this.api}/repos/${fullName}/issues/${issue.number}`,
      repository_url: `${this.api}/repos/${fullName}`,
      html_url: `${this.origin}/${fullName}/issues/${issue.number}`,
      state: issue.state,
      title: issue.title,
      body: issue.body,
      user: this.userByLogin(issue.author),
      labels: issue.labels.map((name, i) => ({ id: i + 1, name, color: "ededed", default: false, description: null })),
      assignee: issue.assignees[0] ? this.userByLogin(issue.assignees[0]) : null,
      assignees: issue.assignees.map((a) => this.userByLogin(a)),
      milestone: null,
      locked: false,
      comments: issue.comments.length,
      closed_at: null,
      created_at: issue.createdAt,
      updated_at: issue.createdAt,
      author_association: "NONE",
      repository: this.repository(repo),
    });
  }

  issueComment(issue: IssueRecord, comment: IssueCommentRecord): Record<string, unknown> {
    const fullName = `${issue.owner}/${issue.repo}`;
    return this.fill("issue-comment", {
      id: comment.id,
      node_id: this.nodeId("IssueComment", comment.id),
      url: `${this.api}/repos/${fullName}/issues/comments/${comment.id}`,
      html_url: `${this.origin}/${fullName}/issues/${issue.number}#issuecomment-${comment.id}`,
      issue_url: `${this.api}/repos/${fullName}/issues/${issue.number}`,
      body: comment.body,
      user: this.userByLogin(comment.author),
      created_at: comment.createdAt,
      updated_at: comment.createdAt,
      author_association: "NONE",
    });
  }

  hookDelivery(d: HookDeliveryRecord): Record<string, unknown> {
    return this.fill("hook-delivery-item", {
      id: d.id,
      guid: d.guid,
      delivered_at: d.deliveredAt,
      redelivery: d.redelivery,
      duration: d.duration,
      status: d.status,
      status_code: d.statusCode,
      event: d.event,
      action: d.action,
      installation_id: d.installationId,
      repository_id: d.repositoryId,
    });
  }
}
