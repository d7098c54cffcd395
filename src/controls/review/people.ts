/**
 * Who is who: comparing GitHub accounts (numeric id first, so renames do not matter) and
 * attributing git identities (author, committer, co-author) to accounts.
 */
import type { Account, GitActor } from "../../evidence/review.js";
import type { Policy } from "../../policy/schema.js";

/** Two accounts are the same person when their ids match; logins are compared only when an id is missing. */
export function sameAccount(a: Pick<Account, "login" | "id">, b: Pick<Account, "login" | "id">): boolean {
  if (a.id !== null && b.id !== null) return a.id === b.id;
  return a.login !== null && b.login !== null && a.login.toLowerCase() === b.login.toLowerCase();
}

/** A stable key for one person in this evaluation. */
export function personKey(a: Pick<Account, "login" | "id">): string {
  return a.id !== null ? `id:${a.id}` : `login:${(a.login ?? "?").toLowerCase()}`;
}

export function displayName(a: Pick<Account, "login" | "id">): string {
  return a.login ?? (a.id !== null ? `user #${a.id}` : "an unknown account");
}

const NOREPLY_WITH_ID = /^(\d+)\+([^@]+)@users\.noreply\.github\.com$/i;
const NOREPLY = /^([^@+]+)@users\.noreply\.github\.com$/i;

/**
 * The accounts a git identity belongs to: the account GitHub mapped it to, the account its
 * noreply address names, and any policy identity listing its email. Several are returned
 * because any of them is disqualified from approving.
 */
export function actorAccounts(actor: GitActor, policy: Policy): Account[] {
  const out: Account[] = [];
  if (actor.user && (actor.user.id !== null || actor.user.login !== null)) out.push(actor.user);
  const email = actor.email?.toLowerCase() ?? null;
  if (email) {
    const withId = NOREPLY_WITH_ID.exec(email);
    const plain = NOREPLY.exec(email);
    if (withId) out.push({ id: Number(withId[1]), login: withId[2] ?? null });
    else if (plain) out.push({ id: null, login: plain[1] ?? null });
    for (const identity of Object.values(policy.identities)) {
      if (identity.emails.some((e) => e.toLowerCase() === email) && (identity.github_id !== undefined || identity.github !== undefined)) {
        out.push({ id: identity.github_id ?? null, login: identity.github ?? null });
      }
    }
  }
  return out;
}

/** True when the account is an automation account: GitHub says so, its login is an app's, or the policy marks it a bot. */
export function isBot(a: Account, policy: Policy): boolean {
  if (a.type === "Bot" || (a.login?.endsWith("[bot]") ?? false)) return true;
  return Object.values(policy.identities).some(
    (i) => i.bot && sameAccount(a, { id: i.github_id ?? null, login: i.github ?? null }),
  );
}
