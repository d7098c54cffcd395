/**
 * Who had a hand in the change and so cannot be its independent reviewer: the pull request's
 * author, every author, committer and co-author of its commits, and everyone who pushed to it.
 */
import type { Account, CommitFacts, GitActor, ReviewEvidence } from "../../evidence/review.js";
import type { Person } from "../../evidence/types.js";
import type { Policy } from "../../policy/schema.js";
import { actorAccounts, sameAccount } from "./people.js";

export type Involvement = "author" | "contributor" | "pusher";

export interface Involved {
  why: Involvement;
  account: Account;
  /** For contributors: what they did and in which commit, e.g. "co-authored 1a2b3c4". */
  detail: string;
}

/** Commit identities GitHub could not tie to any account: whoever they are, they cannot be excluded. */
export interface Unattributed {
  commit: string;
  role: string;
  email: string | null;
}

const short = (oid: string) => oid.slice(0, 7);

export function involvedPeople(
  prAuthor: Person | undefined,
  review: ReviewEvidence,
  policy: Policy,
): { involved: Involved[]; unattributed: Unattributed[] } {
  const involved: Involved[] = [];
  const unattributed: Unattributed[] = [];
  if (prAuthor && (prAuthor.id !== null || prAuthor.login !== null)) {
    involved.push({ why: "author", account: { id: prAuthor.id, login: prAuthor.login }, detail: "opened the pull request" });
  }
  const addActor = (c: CommitFacts, actor: GitActor, role: string) => {
    const accounts = actorAccounts(actor, policy);
    if (accounts.length === 0) unattributed.push({ commit: c.oid, role, email: actor.email });
    for (const account of accounts) involved.push({ why: "contributor", account, detail: `${role} ${short(c.oid)}` });
  };
  for (const c of review.commits) {
    addActor(c, c.author, "authored");
    addActor(c, c.committer, "committed");
    for (const co of c.coAuthors) addActor(c, co, "co-authored");
  }
  for (const p of review.pushers) involved.push({ why: "pusher", account: p, detail: "pushed to the pull request's branch" });
  return { involved, unattributed };
}

/**
 * How a reviewer was involved. Policy identities stand for every account and email they list,
 * so a reviewer whose identity names a commit's email is that commit's contributor.
 */
export function involvementOf(reviewer: Account, involved: readonly Involved[], policy: Policy): Involved[] {
  const aliases: Account[] = [reviewer];
  for (const identity of Object.values(policy.identities)) {
    const acct = { id: identity.github_id ?? null, login: identity.github ?? null };
    if ((acct.id !== null || acct.login !== null) && sameAccount(acct, reviewer)) aliases.push(acct);
  }
  return involved.filter((i) => aliases.some((a) => sameAccount(a, i.account)));
}
