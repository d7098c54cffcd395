/**
 * Resolving the policy's principals (identities, policy teams, GitHub teams `@org/slug`) to the
 * accounts they stand for. GitHub teams come from the membership snapshot in the evidence, so a
 * replayed verdict uses the membership that held when the change was judged.
 */
import type { Account, TeamSnapshot } from "../../evidence/review.js";
import type { Policy } from "../../policy/schema.js";
import { sameAccount } from "./people.js";

const GITHUB_TEAM = /^@[^/]+\/.+$/;

export interface ResolvedPrincipal {
  name: string;
  /** Policy teams and GitHub teams are teams for `distinct_teams`; identities are not. */
  isTeam: boolean;
  members: Account[];
  /** GitHub teams named (directly or through policy teams) whose membership the evidence lacks. */
  unresolved: string[];
}

export function resolvePrincipal(name: string, policy: Policy, teams: readonly TeamSnapshot[]): ResolvedPrincipal {
  const members: Account[] = [];
  const unresolved: string[] = [];
  const visit = (p: string, seen: Set<string>) => {
    if (seen.has(p)) return; // cycles are a policy error reported at parse time; never loop here
    seen.add(p);
    if (GITHUB_TEAM.test(p)) {
      const snap = teams.find((t) => t.team.toLowerCase() === p.toLowerCase());
      if (snap) members.push(...snap.members);
      else unresolved.push(p);
      return;
    }
    const identity = policy.identities[p];
    if (identity) {
      if (identity.github_id !== undefined || identity.github !== undefined) {
        members.push({ id: identity.github_id ?? null, login: identity.github ?? null });
      }
      return;
    }
    const team = policy.teams[p];
    if (team) for (const q of team) visit(q, seen);
  };
  visit(name, new Set());
  return { name, isTeam: GITHUB_TEAM.test(name) || name in policy.teams, members, unresolved };
}

export function principalIncludes(p: ResolvedPrincipal, a: Account): boolean {
  return p.members.some((m) => sameAccount(m, a));
}

/** Every GitHub team `@org/slug` the policy names anywhere, so the gatherer knows which memberships to read. */
export function githubTeamsNamed(policy: Policy): string[] {
  const out = new Set<string>();
  const add = (p: string) => {
    if (GITHUB_TEAM.test(p)) out.add(p);
  };
  for (const members of Object.values(policy.teams)) members.forEach(add);
  for (const ns of policy.namespaces) {
    ns.owners.forEach(add);
    ns.review?.from.forEach(add);
    ns.review?.bots.forEach(add);
  }
  return [...out].sort();
}
