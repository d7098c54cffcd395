// The stand-in's in-memory model of the slice of GitHub Vouch talks to. Repositories are real bare
// git repositories on disk so API answers and smart-HTTP fetches agree.
import { join } from "node:path";
import { initBareRepo } from "../helpers/git.js";
import { isAncestor, resolveCommit } from "./git-queries.js";

export type AccountType = "User" | "Bot" | "Organization";

export interface UserRecord {
  login: string;
  id: number;
  type: AccountType;
  name?: string;
  /** Emails GitHub would map to this account (commit author attribution in GraphQL). */
  emails: string[];
}

export interface RepoRecord {
  id: number;
  owner: string;
  name: string;
  defaultBranch: string;
  private: boolean;
  /** The bare repository on disk; tests may `git push` straight into it. */
  gitDir: string;
  /** Whether installation 1 covers it; tokens see only installed repositories. */
  installed: boolean;
}

export interface PullRecord {
  owner: string;
  repo: string;
  id: number;
  number: number;
  title: string;
  body: string | null;
  author: string;
  draft: boolean;
  state: "open" | "closed";
  merged: boolean;
  head: { ref: string; sha: string; owner: string; repo: string };
  base: { ref: string; sha: string };
  createdAt: string;
  updatedAt: string;
}

export type ReviewState = "APPROVED" | "CHANGES_REQUESTED" | "COMMENTED" | "DISMISSED" | "PENDING";

export interface ReviewRecord {
  id: number;
  owner: string;
  repo: string;
  pullNumber: number;
  user: string;
  state: ReviewState;
  commitId: string;
  submittedAt: string;
  body: string;
  /** GraphQL `authorCanPushToRepository`; reviewers in tests are usually maintainers, so true by default. */
  authorCanPush: boolean;
}

/** A `HeadRefForcePushedEvent` on a pull request's timeline. */
export interface ForcePushRecord {
  id: number;
  owner: string;
  repo: string;
  pullNumber: number;
  actor: string;
  beforeSha: string;
  afterSha: string;
  createdAt: string;
}

export interface TeamRecord {
  id: number;
  org: string;
  slug: string;
  name: string;
  members: string[];
}

export interface GpgKeyRecord {
  id: number;
  keyId: string;
  publicKey: string;
  /** The armored key as uploaded, subkeys included: what Vouch verifies with. */
  rawKey: string | null;
  /** Subkeys as GitHub lists them beside the primary key (key id and capabilities). */
  subkeys: GpgSubkeyRecord[];
  emails: Array<{ email: string; verified: boolean }>;
  canSign: boolean;
  createdAt: string;
  expiresAt: string | null;
}

export interface GpgSubkeyRecord {
  keyId: string;
  canSign: boolean;
  expiresAt: string | null;
}

export interface SshSigningKeyRecord {
  id: number;
  key: string;
  title: string;
  createdAt: string;
}

export interface Annotation {
  path: string;
  start_line: number;
  end_line: number;
  start_column?: number;
  end_column?: number;
  annotation_level: "notice" | "warning" | "failure";
  message: string;
  title?: string;
  raw_details?: string;
}

export interface CheckRunRecord {
  id: number;
  owner: string;
  repo: string;
  name: string;
  headSha: string;
  status: "queued" | "in_progress" | "completed" | "waiting" | "requested" | "pending";
  conclusion: string | null;
  startedAt: string | null;
  completedAt: string | null;
  externalId: string | null;
  detailsUrl: string | null;
  output: { title: string | null; summary: string | null; text: string | null };
  /** Accumulated across create and every PATCH, as GitHub does. */
  annotations: Annotation[];
  appId: number;
}

export interface IssueRecord {
  id: number;
  owner: string;
  repo: string;
  number: number;
  title: string;
  body: string | null;
  labels: string[];
  assignees: string[];
  author: string;
  createdAt: string;
  state: "open" | "closed";
  comments: IssueCommentRecord[];
}

export interface IssueCommentRecord {
  id: number;
  body: string;
  author: string;
  createdAt: string;
}

export interface HookDeliveryRecord {
  id: number;
  guid: string;
  deliveredAt: string;
  redelivery: boolean;
  duration: number;
  status: string;
  statusCode: number;
  event: string;
  action: string | null;
  installationId: number | null;
  repositoryId: number | null;
}

export interface RequestLogEntry {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: Record<string, string>;
  body: unknown;
  status?: number;
}

const FIRST_IDS = { user: 1000, repo: 5000, pull: 7000, review: 8000, team: 900, key: 300, check: 40000, issue: 60000, comment: 65000, delivery: 90000, event: 95000 };

export class StandInState {
  readonly users = new Map<string, UserRecord>();
  readonly repos = new Map<string, RepoRecord>();
  readonly pulls: PullRecord[] = [];
  readonly reviews: ReviewRecord[] = [];
  readonly forcePushes: ForcePushRecord[] = [];
  readonly teams = new Map<string, TeamRecord>();
  readonly gpgKeys = new Map<string, GpgKeyRecord[]>();
  readonly sshSigningKeys = new Map<string, SshSigningKeyRecord[]>();
  readonly checkRunList: CheckRunRecord[] = [];
  readonly issues: IssueRecord[] = [];
  readonly deliveries: HookDeliveryRecord[] = [];
  readonly redeliveries: number[] = [];
  /** Decides how a requested redelivery turns out (its status); unset, it repeats the original's. */
  onRedeliver: ((original: HookDeliveryRecord) => Promise<Partial<Pick<HookDeliveryRecord, "status" | "statusCode" | "deliveredAt">>>) | undefined;
  readonly branchProtection = new Map<string, unknown>();
  readonly branchRules = new Map<string, unknown[]>();
  readonly log: RequestLogEntry[] = [];
  private ids = { ...FIRST_IDS };
  private graphqlUsed = 0;
  private clock = Date.parse("2024-01-01T00:00:00Z");

  constructor(readonly gitRoot: string) {}

  nextId(kind: keyof typeof FIRST_IDS): number {
    return ++this.ids[kind];
  }

  /** A monotonic timestamp: every call is one second later, so ordering is observable and deterministic. */
  now(): string {
    this.clock += 1000;
    return new Date(this.clock).toISOString().replace(/\.\d{3}Z$/, "Z");
  }

  addUser(input: { login: string; id?: number; type?: AccountType; name?: string; emails?: string[] }): UserRecord {
    const existing = this.users.get(input.login.toLowerCase());
    const user: UserRecord = {
      login: input.login,
      id: input.id ?? existing?.id ?? this.nextId("user"),
      type: input.type ?? existing?.type ?? "User",
      emails: input.emails ?? existing?.emails ?? [],
      ...(input.name !== undefined ? { name: input.name } : existing?.name !== undefined ? { name: existing.name } : {}),
    };
    this.users.set(user.login.toLowerCase(), user);
    return user;
  }

  /** The user, created with defaults on first mention so tests name people without ceremony. */
  user(login: string): UserRecord {
    return this.users.get(login.toLowerCase()) ?? this.addUser({ login });
  }

  findUser(login: string): UserRecord | undefined {
    return this.users.get(login.toLowerCase());
  }

  userByEmail(email: string): UserRecord | undefined {
    const wanted = email.toLowerCase();
    for (const user of this.users.values()) if (user.emails.some((e) => e.toLowerCase() === wanted)) return user;
    return undefined;
  }

  async addRepo(input: {
    owner: string;
    name: string;
    defaultBranch?: string;
    private?: boolean;
    id?: number;
    installed?: boolean;
  }): Promise<RepoRecord> {
    const key = repoKey(input.owner, input.name);
    const existing = this.repos.get(key);
    if (existing) return existing;
    const defaultBranch = input.defaultBranch ?? "main";
    const gitDir = join(this.gitRoot, input.owner, `${input.name}.git`);
    await initBareRepo(gitDir, defaultBranch);
    if (!this.findUser(input.owner)) this.addUser({ login: input.owner, type: "Organization" });
    const repo: RepoRecord = {
      id: input.id ?? this.nextId("repo"),
      owner: input.owner,
      name: input.name,
      defaultBranch,
      private: input.private ?? false,
      gitDir,
      installed: input.installed ?? true,
    };
    this.repos.set(key, repo);
    return repo;
  }

  repo(owner: string, name: string): RepoRecord | undefined {
    return this.repos.get(repoKey(owner, name));
  }

  /** Opens a pull request whose SHAs come from the branches in the bare repository. */
  async openPullRequest(input: {
    owner: string;
    repo: string;
    head: string;
    base?: string;
    author: string;
    title?: string;
    body?: string;
    draft?: boolean;
    number?: number;
    headRepo?: { owner: string; repo: string };
  }): Promise<PullRecord> {
    const repo = this.requireRepo(input.owner, input.repo);
    const headRepo = input.headRepo ? this.requireRepo(input.headRepo.owner, input.headRepo.repo) : repo;
    const baseRef = input.base ?? repo.defaultBranch;
    const headSha = await resolveCommit(headRepo.gitDir, `refs/heads/${input.head}`);
    const baseSha = await resolveCommit(repo.gitDir, `refs/heads/${baseRef}`);
    if (!headSha) throw new Error(`branch ${input.head} does not exist in ${headRepo.owner}/${headRepo.name}`);
    if (!baseSha) throw new Error(`branch ${baseRef} does not exist in ${repo.owner}/${repo.name}`);
    this.user(input.author);
    const number = input.number ?? this.nextNumber(repo);
    const time = this.now();
    const pull: PullRecord = {
      owner: repo.owner,
      repo: repo.name,
      id: this.nextId("pull"),
      number,
      title: input.title ?? `Pull request ${number}`,
      body: input.body ?? null,
      author: input.author,
      draft: input.draft ?? false,
      state: "open",
      merged: false,
      head: { ref: input.head, sha: headSha, owner: headRepo.owner, repo: headRepo.name },
      base: { ref: baseRef, sha: baseSha },
      createdAt: time,
      updatedAt: time,
    };
    this.pulls.push(pull);
    return pull;
  }

  /**
   * Re-reads head and base SHAs after a test pushed new commits (a `synchronize`). When the new
   * head does not descend from the old one, records a force push by `pusher` (default: the author),
   * as GitHub's timeline does.
   */
  async refreshPullRequest(owner: string, repo: string, number: number, pusher?: string): Promise<PullRecord> {
    const pull = this.pull(owner, repo, number);
    if (!pull) throw new Error(`no pull request ${owner}/${repo}#${number}`);
    const headRepo = this.requireRepo(pull.head.owner, pull.head.repo);
    const base = this.requireRepo(owner, repo);
    const before = pull.head.sha;
    pull.head.sha = (await resolveCommit(headRepo.gitDir, `refs/heads/${pull.head.ref}`)) ?? pull.head.sha;
    if (pull.head.sha !== before && !(await isAncestor(headRepo.gitDir, before, pull.head.sha))) {
      this.forcePushes.push({
        id: this.nextId("event"),
        owner: pull.owner,
        repo: pull.repo,
        pullNumber: pull.number,
        actor: pusher ?? pull.author,
        beforeSha: before,
        afterSha: pull.head.sha,
        createdAt: this.now(),
      });
    }
    pull.base.sha = (await resolveCommit(base.gitDir, `refs/heads/${pull.base.ref}`)) ?? pull.base.sha;
    pull.updatedAt = this.now();
    return pull;
  }

  pull(owner: string, repo: string, number: number): PullRecord | undefined {
    return this.pulls.find((p) => sameRepo(p, owner, repo) && p.number === number);
  }

  addReview(input: {
    owner: string;
    repo: string;
    pullNumber: number;
    user: string;
    state?: ReviewState;
    commitId?: string;
    body?: string;
    submittedAt?: string;
    authorCanPush?: boolean;
  }): ReviewRecord {
    const pull = this.pull(input.owner, input.repo, input.pullNumber);
    if (!pull) throw new Error(`no pull request ${input.owner}/${input.repo}#${input.pullNumber}`);
    this.user(input.user);
    const review: ReviewRecord = {
      id: this.nextId("review"),
      owner: pull.owner,
      repo: pull.repo,
      pullNumber: pull.number,
      user: input.user,
      state: input.state ?? "APPROVED",
      commitId: input.commitId ?? pull.head.sha,
      submittedAt: input.submittedAt ?? this.now(),
      body: input.body ?? "",
      authorCanPush: input.authorCanPush ?? true,
    };
    this.reviews.push(review);
    return review;
  }

  reviewsOf(owner: string, repo: string, number: number): ReviewRecord[] {
    return this.reviews.filter((r) => sameRepo(r, owner, repo) && r.pullNumber === number);
  }

  addTeam(input: { org: string; slug: string; name?: string; members?: string[] }): TeamRecord {
    for (const m of input.members ?? []) this.user(m);
    const team: TeamRecord = {
      id: this.teams.get(teamKey(input.org, input.slug))?.id ?? this.nextId("team"),
      org: input.org,
      slug: input.slug,
      name: input.name ?? input.slug,
      members: [...(input.members ?? [])],
    };
    this.teams.set(teamKey(input.org, input.slug), team);
    return team;
  }

  team(org: string, slug: string): TeamRecord | undefined {
    return this.teams.get(teamKey(org, slug));
  }

  addGpgKey(login: string, key: Partial<Omit<GpgKeyRecord, "id">> & { keyId: string; publicKey: string }): GpgKeyRecord {
    this.user(login);
    const record: GpgKeyRecord = {
      id: this.nextId("key"),
      rawKey: null,
      subkeys: [],
      emails: [],
      canSign: true,
      createdAt: this.now(),
      expiresAt: null,
      ...key,
    };
    const list = this.gpgKeys.get(login.toLowerCase()) ?? [];
    list.push(record);
    this.gpgKeys.set(login.toLowerCase(), list);
    return record;
  }

  addSshSigningKey(login: string, key: string, title = "signing key"): SshSigningKeyRecord {
    this.user(login);
    const record: SshSigningKeyRecord = { id: this.nextId("key"), key: key.trim(), title, createdAt: this.now() };
    const list = this.sshSigningKeys.get(login.toLowerCase()) ?? [];
    list.push(record);
    this.sshSigningKeys.set(login.toLowerCase(), list);
    return record;
  }

  checkRuns(owner: string, repo: string): CheckRunRecord[] {
    return this.checkRunList.filter((c) => sameRepo(c, owner, repo));
  }

  setBranchProtection(owner: string, repo: string, branch: string, protection: unknown): void {
    this.branchProtection.set(`${repoKey(owner, repo)}#${branch}`, protection);
  }

  setBranchRules(owner: string, repo: string, branch: string, rules: unknown[]): void {
    this.branchRules.set(`${repoKey(owner, repo)}#${branch}`, rules);
  }

  addDelivery(input: Partial<Omit<HookDeliveryRecord, "id">> & { event: string }): HookDeliveryRecord {
    const record: HookDeliveryRecord = {
      id: this.nextId("delivery"),
      guid: `guid-${this.ids.delivery}`,
      deliveredAt: this.now(),
      redelivery: false,
      duration: 0.1,
      status: "OK",
      statusCode: 202,
      action: null,
      installationId: 1,
      repositoryId: null,
      ...input,
    };
    this.deliveries.push(record);
    return record;
  }

  requireRepo(owner: string, name: string): RepoRecord {
    const repo = this.repo(owner, name);
    if (!repo) throw new Error(`no repository ${owner}/${name}; call addRepo first`);
    return repo;
  }

  private nextNumber(repo: RepoRecord): number {
    const used = [...this.pulls, ...this.issues].filter((p) => sameRepo(p, repo.owner, repo.name)).map((p) => p.number);
    return used.length === 0 ? 1 : Math.max(...used) + 1;
  }

  nextIssueNumber(owner: string, repo: string): number {
    return this.nextNumber(this.requireRepo(owner, repo));
  }

  /** Each GraphQL query costs one point of the hourly 5,000, as simple queries do on GitHub. */
  spendGraphqlPoint(): void {
    this.graphqlUsed += 1;
  }

  graphqlRateLimit(): { cost: number; limit: number; nodeCount: number; remaining: number; resetAt: string; used: number } {
    const limit = 5000;
    return {
      cost: 1,
      limit,
      nodeCount: 0,
      remaining: Math.max(0, limit - this.graphqlUsed),
      used: this.graphqlUsed,
      resetAt: new Date(this.clock + 3600 * 1000).toISOString().replace(/\.\d{3}Z$/, "Z"),
    };
  }

  /** Forgets API-side state (pulls, reviews, checks, issues, log) but keeps repositories and users. */
  reset(): void {
    this.pulls.length = 0;
    this.reviews.length = 0;
    this.forcePushes.length = 0;
    this.checkRunList.length = 0;
    this.issues.length = 0;
    this.deliveries.length = 0;
    this.redeliveries.length = 0;
    this.log.length = 0;
    this.graphqlUsed = 0;
    this.teams.clear();
    this.gpgKeys.clear();
    this.sshSigningKeys.clear();
    this.branchProtection.clear();
    this.branchRules.clear();
  }
}

export function repoKey(owner: string, name: string): string {
  return `${owner.toLowerCase()}/${name.toLowerCase()}`;
}

function teamKey(org: string, slug: string): string {
  return `${org.toLowerCase()}/${slug.toLowerCase()}`;
}

function sameRepo(record: { owner: string; repo: string }, owner: string, repo: string): boolean {
  return repoKey(record.owner, record.repo) === repoKey(owner, repo);
}
