/** Builders for review-control tests: a small cast of people, commits and reviews on a pull request. */
import type { Account, CommitFacts, GitActor, ReviewFact, TeamSnapshot } from "../../../src/evidence/review.js";
import { EVIDENCE_SCHEMA, type ChangedFile, type Evidence } from "../../../src/evidence/types.js";
import { PolicySchema, type Policy, type PolicyInput } from "../../../src/policy/schema.js";
import type { ControlInput } from "../../../src/controls/control.js";
import { touchedNamespaces } from "../../../src/engine/namespaces.js";

export const alice: Account = { login: "alice", id: 10, type: "User" };
export const bob: Account = { login: "bob", id: 20, type: "User" };
export const carol: Account = { login: "carol", id: 30, type: "User" }; // the pull request's author
export const dan: Account = { login: "dan", id: 40, type: "User" };
export const erin: Account = { login: "erin", id: 50, type: "User" };
export const renovate: Account = { login: "renovate[bot]", id: 2740, type: "Bot" };

export const BASE = "a".repeat(40);
export const HEAD = "c".repeat(40);
export const OLD_HEAD = "b".repeat(40);
export const HEAD_TREE = "d".repeat(40);
export const OLD_TREE = "e".repeat(40);

export function actor(a: Account | null, email?: string): GitActor {
  return { name: a?.login ?? "someone", email: email ?? (a ? `${a.login}@example.com` : null), user: a ? { login: a.login, id: a.id } : null };
}

export function commit(oid: string, by: Account | GitActor, extra: Partial<CommitFacts> = {}): CommitFacts {
  const who = "email" in by ? by : actor(by);
  return { oid, tree: oid === HEAD ? HEAD_TREE : OLD_TREE, parents: [BASE], author: who, committer: who, coAuthors: [], ...extra };
}

let clock = 0;
/** A review; each call is one second after the previous, so order of calls is order of submission. */
export function review(by: Account, state: ReviewFact["state"], on: string = HEAD, extra: Partial<ReviewFact> = {}): ReviewFact {
  clock++;
  const t = new Date(Date.UTC(2026, 10, 25, 10, 0, clock)).toISOString();
  return {
    author: by,
    state,
    dismissed: state === "DISMISSED",
    commitOid: on,
    commitTree: on === HEAD ? HEAD_TREE : OLD_TREE,
    submittedAt: t,
    canPush: true,
    ...extra,
  };
}

export function policy(input: Omit<PolicyInput, "version">): Policy {
  return PolicySchema.parse({ version: 1, ...input });
}

export interface PrOptions {
  files?: string[];
  changedFiles?: ChangedFile[];
  filesComplete?: boolean;
  reviews?: ReviewFact[];
  commits?: CommitFacts[];
  pushers?: Account[];
  pushersComplete?: boolean;
  teams?: TeamSnapshot[];
  ref?: string;
  author?: Account;
  headRepository?: string;
  noReview?: boolean;
}

export function pr(o: PrOptions = {}): Evidence {
  const author = o.author ?? carol;
  const files = o.changedFiles ?? (o.files ?? ["src/app.ts"]).map((path) => ({ path, status: "modified" as const }));
  return {
    schema: EVIDENCE_SCHEMA,
    repository: { id: 1, fullName: "acme/app" },
    observedAt: "2026-11-25T12:00:00.000Z",
    change: {
      kind: "pull_request",
      ref: o.ref ?? "refs/heads/main",
      baseSha: BASE,
      headSha: HEAD,
      files,
      filesComplete: o.filesComplete ?? true,
      pullRequest: { number: 7, author: { login: author.login, id: author.id }, headRef: "feature", headRepository: o.headRepository ?? "acme/app", draft: false },
    },
    gaps: [],
    ...(o.noReview
      ? {}
      : {
          review: {
            commits: o.commits ?? [commit(HEAD, author)],
            reviews: o.reviews ?? [],
            pushers: o.pushers ?? [author],
            pushersComplete: o.pushersComplete ?? true,
            headTree: HEAD_TREE,
          },
        }),
    ...(o.teams ? { teams: o.teams } : {}),
  };
}

export function input(p: Policy, evidence: Evidence): ControlInput {
  return { policy: p, evidence, touched: touchedNamespaces(p.namespaces, evidence.change) };
}

/** A policy with one namespace on main needing `approvals` from anyone with write access. */
export function mainNeeds(approvals: number, review: Record<string, unknown> = {}, extra: Omit<PolicyInput, "version"> = {}): Policy {
  return policy({ namespaces: [{ name: "main", refs: ["refs/heads/main"], review: { approvals, ...review } }], ...extra });
}
