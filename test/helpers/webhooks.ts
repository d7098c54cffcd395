// Webhook deliveries for tests: GitHub's own example payloads (@octokit/webhooks-examples), adapted
// to the stand-in's repositories, pull requests and installation, and signed like GitHub signs them.
import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { sign } from "@octokit/webhooks-methods";
import type { StandInState } from "../standin/state.js";

interface ExampleGroup {
  name: string;
  examples: Array<Record<string, unknown>>;
}

let groups: ExampleGroup[] | undefined;

function examples(): ExampleGroup[] {
  groups ??= JSON.parse(
    readFileSync(new URL("../../node_modules/@octokit/webhooks-examples/api.github.com/index.json", import.meta.url), "utf8"),
  ) as ExampleGroup[];
  return groups;
}

/** A deep copy of GitHub's first example for `event` (and `action`, when the event has actions). */
export function exampleFor(event: string, action?: string): Record<string, unknown> {
  const group = examples().find((g) => g.name === event);
  if (!group) throw new Error(`no webhook examples for event ${event}`);
  const example = action === undefined ? group.examples[0] : group.examples.find((e) => e.action === action);
  if (!example) throw new Error(`no webhook example for ${event}.${action}`);
  return structuredClone(example);
}

export interface Account {
  login: string;
  id: number;
  type?: "User" | "Bot" | "Organization";
}

export interface WebhookRepository {
  id: number;
  owner: string;
  name: string;
  defaultBranch?: string;
  private?: boolean;
  ownerId?: number;
  ownerType?: "User" | "Organization";
}

export interface WebhookPull {
  number: number;
  title?: string;
  draft?: boolean;
  state?: "open" | "closed";
  merged?: boolean;
  head: { ref: string; sha: string };
  base: { ref: string; sha: string };
  author: Account;
  id?: number;
}

export interface WebhookOverrides {
  repository: WebhookRepository;
  /** Base URL the payload's URLs point at, e.g. the stand-in's `url`. */
  origin?: string;
  installationId?: number;
  sender?: Account;
  pull?: WebhookPull;
  review?: { id: number; state: string; user: Account; commitId: string; submittedAt?: string; body?: string };
  push?: { ref: string; before: string; after: string; created?: boolean; deleted?: boolean; forced?: boolean; commits?: Array<Record<string, unknown>> };
  checkRun?: { id: number; name: string; headSha: string; status?: string; conclusion?: string | null; externalId?: string };
  mergeGroup?: { headSha: string; headRef: string; baseSha: string; baseRef: string };
  /** Deep-merged last, for anything the fields above do not cover. */
  patch?: Record<string, unknown>;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

export function deepMerge(target: Record<string, unknown>, patch: Record<string, unknown>): Record<string, unknown> {
  for (const [key, value] of Object.entries(patch)) {
    const current = target[key];
    target[key] = isObject(current) && isObject(value) ? deepMerge(current, value) : value;
  }
  return target;
}

function account(origin: string, a: Account, base?: unknown): Record<string, unknown> {
  const login = encodeURIComponent(a.login);
  return {
    ...(isObject(base) ? base : {}),
    login: a.login,
    id: a.id,
    node_id: Buffer.from(`04:${a.type ?? "User"}${a.id}`).toString("base64"),
    type: a.type ?? "User",
    url: `${origin}/api/v3/users/${login}`,
    html_url: `${origin}/${login}`,
  };
}

function repository(origin: string, r: WebhookRepository, base?: unknown): Record<string, unknown> {
  const fullName = `${r.owner}/${r.name}`;
  const baseRepo = isObject(base) ? base : {};
  return {
    ...baseRepo,
    id: r.id,
    node_id: Buffer.from(`010:Repository${r.id}`).toString("base64"),
    name: r.name,
    full_name: fullName,
    private: r.private ?? false,
    owner: account(origin, { login: r.owner, id: r.ownerId ?? 1, type: r.ownerType ?? "Organization" }, baseRepo.owner),
    default_branch: r.defaultBranch ?? "main",
    ...("master_branch" in baseRepo ? { master_branch: r.defaultBranch ?? "main" } : {}),
    html_url: `${origin}/${fullName}`,
    url: `${origin}/api/v3/repos/${fullName}`,
    clone_url: `${origin}/${fullName}.git`,
  };
}

/**
 * GitHub's example payload for `event`/`action`, rewritten to name the given repository, pull
 * request, review, push, check run or merge group, installation 1 (by default) and sender.
 */
export function webhookPayload(event: string, action: string | undefined, overrides: WebhookOverrides): Record<string, unknown> {
  const origin = overrides.origin ?? "http://127.0.0.1";
  const payload = exampleFor(event, action);
  const repo = repository(origin, overrides.repository, payload.repository);
  payload.repository = repo;
  payload.installation = { id: overrides.installationId ?? 1, node_id: Buffer.from(`Installation${overrides.installationId ?? 1}`).toString("base64") };
  if ("organization" in payload || (overrides.repository.ownerType ?? "Organization") === "Organization") {
    payload.organization = { ...(isObject(payload.organization) ? payload.organization : {}), login: overrides.repository.owner, id: overrides.repository.ownerId ?? 1 };
  }
  const sender = overrides.sender ?? overrides.pull?.author ?? overrides.review?.user;
  if (sender) payload.sender = account(origin, sender, payload.sender);

  const pull = overrides.pull;
  if (pull) {
    const pr = isObject(payload.pull_request) ? payload.pull_request : {};
    const fullName = `${overrides.repository.owner}/${overrides.repository.name}`;
    payload.pull_request = {
      ...pr,
      id: pull.id ?? pull.number + 7000,
      number: pull.number,
      title: pull.title ?? pr.title,
      draft: pull.draft ?? false,
      state: pull.state ?? "open",
      merged: pull.merged ?? false,
      user: account(origin, pull.author, pr.user),
      url: `${origin}/api/v3/repos/${fullName}/pulls/${pull.number}`,
      html_url: `${origin}/${fullName}/pull/${pull.number}`,
      head: { ...(isObject(pr.head) ? pr.head : {}), ref: pull.head.ref, sha: pull.head.sha, label: `${overrides.repository.owner}:${pull.head.ref}`, repo, user: repo.owner },
      base: { ...(isObject(pr.base) ? pr.base : {}), ref: pull.base.ref, sha: pull.base.sha, label: `${overrides.repository.owner}:${pull.base.ref}`, repo, user: repo.owner },
    };
    if ("number" in payload) payload.number = pull.number;
  }

  const review = overrides.review;
  if (review) {
    const base = isObject(payload.review) ? payload.review : {};
    payload.review = {
      ...base,
      id: review.id,
      state: review.state.toLowerCase(),
      user: account(origin, review.user, base.user),
      commit_id: review.commitId,
      submitted_at: review.submittedAt ?? base.submitted_at,
      body: review.body ?? null,
    };
  }

  const push = overrides.push;
  if (push) {
    Object.assign(payload, {
      ref: push.ref,
      before: push.before,
      after: push.after,
      created: push.created ?? /^0+$/.test(push.before),
      deleted: push.deleted ?? /^0+$/.test(push.after),
      forced: push.forced ?? false,
      commits: push.commits ?? [],
      head_commit: push.commits?.at(-1) ?? null,
      compare: `${origin}/${overrides.repository.owner}/${overrides.repository.name}/compare/${push.before.slice(0, 12)}...${push.after.slice(0, 12)}`,
    });
    if (sender) payload.pusher = { name: sender.login, email: `${sender.id}+${sender.login}@users.noreply.example.com` };
  }

  const run = overrides.checkRun;
  if (run) {
    const base = isObject(payload.check_run) ? payload.check_run : {};
    payload.check_run = {
      ...base,
      id: run.id,
      name: run.name,
      head_sha: run.headSha,
      status: run.status ?? base.status,
      conclusion: run.conclusion === undefined ? base.conclusion : run.conclusion,
      external_id: run.externalId ?? "",
      pull_requests: [],
      check_suite: { ...(isObject(base.check_suite) ? base.check_suite : {}), head_sha: run.headSha },
    };
  }

  const group = overrides.mergeGroup;
  if (group) {
    const base = isObject(payload.merge_group) ? payload.merge_group : {};
    payload.merge_group = {
      ...base,
      head_sha: group.headSha,
      head_ref: group.headRef,
      base_sha: group.baseSha,
      base_ref: group.baseRef,
      head_commit: { ...(isObject(base.head_commit) ? base.head_commit : {}), id: group.headSha },
    };
  }

  return overrides.patch ? deepMerge(payload, overrides.patch) : payload;
}

/** The `X-Hub-Signature-256` value GitHub sends for `body` under `secret`. */
export async function signWebhook(body: string, secret: string): Promise<string> {
  return sign(secret, body);
}

export interface WebhookDelivery {
  id: string;
  body: string;
  headers: Record<string, string>;
}

/** Headers and body of a signed delivery, ready to POST to the app's webhook path. */
export async function webhookDelivery(event: string, payload: Record<string, unknown>, secret: string, id: string = randomUUID()): Promise<WebhookDelivery> {
  const body = JSON.stringify(payload);
  return {
    id,
    body,
    headers: {
      "content-type": "application/json",
      "user-agent": "GitHub-Hookshot/stand-in",
      "x-github-event": event,
      "x-github-delivery": id,
      "x-github-hook-id": "1",
      "x-github-hook-installation-target-type": "integration",
      "x-hub-signature-256": await signWebhook(body, secret),
    },
  };
}

/** Repository (and, given a number, pull request) overrides taken from the stand-in's state. */
export function fromStandIn(
  state: StandInState,
  owner: string,
  name: string,
  pullNumber?: number,
): { repository: WebhookRepository; pull?: WebhookPull } {
  const repo = state.requireRepo(owner, name);
  const ownerAccount = state.user(repo.owner);
  const repository: WebhookRepository = {
    id: repo.id,
    owner: repo.owner,
    name: repo.name,
    defaultBranch: repo.defaultBranch,
    private: repo.private,
    ownerId: ownerAccount.id,
    ownerType: ownerAccount.type === "Organization" ? "Organization" : "User",
  };
  if (pullNumber === undefined) return { repository };
  const pr = state.pull(owner, name, pullNumber);
  if (!pr) throw new Error(`no pull request ${owner}/${name}#${pullNumber}`);
  const author = state.user(pr.author);
  return {
    repository,
    pull: {
      id: pr.id,
      number: pr.number,
      title: pr.title,
      draft: pr.draft,
      state: pr.state,
      merged: pr.merged,
      head: { ref: pr.head.ref, sha: pr.head.sha },
      base: { ref: pr.base.ref, sha: pr.base.sha },
      author: { login: author.login, id: author.id, type: author.type },
    },
  };
}
