/**
 * Counting eligible approvals for one namespace. Every reviewer gets a decision with reasons,
 * so the check run can say who approved, who was not counted and why, and who can still approve.
 */
import type { Account, ReviewEvidence, TeamSnapshot } from "../../evidence/review.js";
import type { Change } from "../../evidence/types.js";
import type { Policy, ReviewPolicy } from "../../policy/schema.js";
import { type Involved, involvementOf } from "./independence.js";
import { displayName, isBot, sameAccount } from "./people.js";
import { type ResolvedPrincipal, principalIncludes, resolvePrincipal } from "./principals.js";
import { type Standing, binding } from "./standing.js";

export interface ReviewerDecision {
  reviewer: Account;
  counted: boolean;
  /** Why the approval did not count; empty when it counted. */
  reasons: string[];
  /** Teams in `from` the reviewer belongs to (for `distinct_teams`). */
  teams: string[];
  /** "head" or "same_tree" for counted approvals. */
  boundBy?: "head" | "same_tree";
}

export interface NamespaceCount {
  required: number;
  distinctTeamsRequired: number;
  counted: ReviewerDecision[];
  notCounted: ReviewerDecision[];
  /** Teams covered by distinct counted approvers (a maximum matching: one person stands for one team). */
  teamsCovered: string[];
  from: ResolvedPrincipal[];
  /** Where `from` came from: the rule's `review.from`, or the namespace's `owners` when that is empty. */
  fromSource: "review.from" | "owners" | "none";
  fromNames: string[];
  bots: ResolvedPrincipal[];
  satisfied: boolean;
}

const short = (oid: string | null) => (oid ? oid.slice(0, 7) : "an unknown commit");

function describeInvolvement(inv: readonly Involved[], exclude: ReviewPolicy["exclude"]): string[] {
  const out: string[] = [];
  if (exclude.includes("author") && inv.some((i) => i.why === "author")) out.push("is the pull request's author");
  if (exclude.includes("contributors")) {
    const details = [...new Set(inv.filter((i) => i.why === "contributor").map((i) => i.detail))];
    if (details.length > 0) {
      const shown = details.slice(0, 3).join(", ");
      out.push(`contributed to the change (${shown}${details.length > 3 ? ` and ${details.length - 3} more` : ""})`);
    }
  }
  if (exclude.includes("pushers") && inv.some((i) => i.why === "pusher")) out.push("pushed to the pull request's branch");
  return out;
}

/** Who may approve: `review.from`, else the namespace's owners (its default reviewers), else anyone with write access. */
export function approverPrincipals(rule: ReviewPolicy, owners: readonly string[]): { names: string[]; source: NamespaceCount["fromSource"] } {
  if (rule.from.length > 0) return { names: [...rule.from], source: "review.from" };
  if (owners.length > 0) return { names: [...owners], source: "owners" };
  return { names: [], source: "none" };
}

export function countNamespace(args: {
  policy: Policy;
  rule: ReviewPolicy;
  owners: readonly string[];
  change: Change;
  review: ReviewEvidence;
  teams: readonly TeamSnapshot[];
  standings: readonly Standing[];
  involved: readonly Involved[];
}): NamespaceCount {
  const { policy, rule, change, review } = args;
  const { names: fromNames, source: fromSource } = approverPrincipals(rule, args.owners);
  const from = fromNames.map((p) => resolvePrincipal(p, policy, args.teams));
  const bots = rule.bots.map((p) => resolvePrincipal(p, policy, args.teams));
  const head = { sha: change.headSha, tree: review.headTree };
  const counted: ReviewerDecision[] = [];
  const notCounted: ReviewerDecision[] = [];

  for (const s of args.standings) {
    const reasons: string[] = [];
    const who = s.reviewer;
    // A deleted account (GitHub's "ghost") cannot be checked for independence or membership.
    if (who.id === null && who.login === null) reasons.push("has an account that no longer exists or could not be identified");
    const bot = isBot(who, policy);
    const namedBot = bot && bots.some((b) => principalIncludes(b, who));
    if (bot && !namedBot) reasons.push("is a bot this namespace's review.bots does not name");

    reasons.push(...describeInvolvement(involvementOf(who, args.involved, policy), rule.exclude));

    let boundBy: ReviewerDecision["boundBy"];
    if (s.kind === "changes_requested") {
      reasons.push(`requested changes (on ${short(s.review.commitOid)}) after any approval; only a new approval from them lifts it`);
    } else if (s.kind === "dismissed") {
      reasons.push("their latest review was dismissed; an earlier approval does not come back, only a new one counts");
    } else {
      const b = binding(s.approvals, head, rule.allow_same_tree);
      if (b.kind === "stale") {
        reasons.push(
          `approved ${short(b.review.commitOid)}, not the current head ${short(head.sha)}` +
            (rule.allow_same_tree ? " and its tree differs" : "") +
            "; the change was updated after the approval",
        );
      } else boundBy = b.kind;
    }

    const memberOf = from.filter((p) => principalIncludes(p, who));
    if (!namedBot) {
      if (from.length > 0) {
        if (memberOf.length === 0) reasons.push(`is not in ${fromSource === "owners" ? "the namespace's owners" : "review.from"} (${fromNames.join(", ")})`);
      } else if (s.canPush === false) {
        reasons.push("has no write access to the repository");
      } else if (s.canPush === null) {
        reasons.push("has write access GitHub did not confirm");
      }
    }

    const decision: ReviewerDecision = {
      reviewer: who,
      counted: reasons.length === 0,
      reasons,
      teams: memberOf.filter((p) => p.isTeam).map((p) => p.name),
      ...(boundBy ? { boundBy } : {}),
    };
    // Only approvals are "not counted"; a standing that never approved is reported as a veto elsewhere.
    (decision.counted ? counted : notCounted).push(decision);
  }

  const teamsCovered = rule.distinct_teams > 0 ? maxTeamMatching(counted) : [];
  return {
    required: rule.approvals,
    distinctTeamsRequired: rule.distinct_teams,
    counted,
    notCounted,
    teamsCovered,
    from,
    fromSource,
    fromNames,
    bots,
    satisfied: counted.length >= rule.approvals && teamsCovered.length >= rule.distinct_teams,
  };
}

/** Largest set of teams covered by distinct approvers (bipartite matching by augmenting paths). */
function maxTeamMatching(approvers: readonly ReviewerDecision[]): string[] {
  const teamOwner = new Map<string, number>();
  const tryAssign = (i: number, seen: Set<string>): boolean => {
    for (const team of approvers[i]!.teams) {
      if (seen.has(team)) continue;
      seen.add(team);
      const owner = teamOwner.get(team);
      if (owner === undefined || tryAssign(owner, seen)) {
        teamOwner.set(team, i);
        return true;
      }
    }
    return false;
  };
  approvers.forEach((_, i) => tryAssign(i, new Set()));
  return [...teamOwner.keys()].sort();
}

/** People who could still approve: members of `from` not already counted and not excluded. */
export function stillEligible(count: NamespaceCount, excluded: readonly Account[]): string[] {
  const out: string[] = [];
  const seen: Account[] = [];
  for (const p of count.from) {
    for (const m of p.members) {
      if (seen.some((s) => sameAccount(s, m))) continue;
      seen.push(m);
      if (count.counted.some((c) => sameAccount(c.reviewer, m))) continue;
      if (excluded.some((e) => sameAccount(e, m))) continue;
      out.push(displayName(m));
    }
  }
  return out;
}
