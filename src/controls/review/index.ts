/**
 * The `review` control: every touched namespace that requires approvals must have enough
 * eligible, independent approvals on what will land; a reviewer's request for changes is a
 * veto; and a change to the policy file itself needs the policy's owners.
 */
import type { Control, ControlInput } from "../control.js";
import type { ControlResult, Finding } from "../../engine/findings.js";
import { statusOf } from "../../engine/findings.js";
import { globMatcher, refMatches } from "../../engine/namespaces.js";
import type { Account } from "../../evidence/review.js";
import type { Change } from "../../evidence/types.js";
import { POLICY_PATH, type NamespacePolicy, type Policy } from "../../policy/schema.js";
import { approverPrincipals, countNamespace, type NamespaceCount, stillEligible } from "./count.js";
import { involvedPeople } from "./independence.js";
import { displayName, isBot } from "./people.js";
import { principalIncludes, resolvePrincipal } from "./principals.js";
import { standings } from "./standing.js";
import { selfProtectedPaths } from "../../engine/codeowners.js";

/**
 * Files that define who may approve what: the policy file and, when the policy seeds owners from
 * CODEOWNERS, every place GitHub reads CODEOWNERS from (adding one elsewhere would change which
 * file wins). A change to them is judged by the base branch's policy and needs the approval of a
 * namespace whose paths cover them: that namespace's reviewers are the policy's owners.
 * CODEOWNERS_PATHS join these (selfProtectedPaths) when the evidence carries a CODEOWNERS reading.
 */
export const SELF_PROTECTED_PATHS: readonly string[] = [POLICY_PATH];

const MAX_NAMES = 10;

function names(list: readonly string[]): string {
  if (list.length === 0) return "nobody";
  const shown = list.slice(0, MAX_NAMES).join(", ");
  return list.length > MAX_NAMES ? `${shown} and ${list.length - MAX_NAMES} more` : shown;
}

function requiringNamespaces(input: ControlInput): NamespacePolicy[] {
  const touched = new Set(input.touched.map((t) => t.name));
  return input.policy.namespaces.filter((ns) => touched.has(ns.name) && (ns.review?.approvals ?? 0) > 0);
}

/** Self-protected files the change touches; with a partial file list we cannot rule them out. */
function selfProtectedTouched(change: Change, paths: readonly string[]): string[] | "maybe" {
  const hit = change.files
    .flatMap((f) => [f.path, f.previousPath])
    .filter((p): p is string => p !== undefined && paths.includes(p));
  if (hit.length > 0) return [...new Set(hit)];
  return change.filesComplete ? [] : "maybe";
}

/** Self-protected paths no namespace with a review requirement on this ref covers. */
function unownedSelfProtected(policy: Policy, ref: string, paths: readonly string[]): string[] {
  return paths.filter(
    (p) => !policy.namespaces.some((ns) => (ns.review?.approvals ?? 0) > 0 && refMatches(ns, ref) && ns.paths.length > 0 && globMatcher(ns.paths)(p)),
  );
}

export const reviewControl: Control = {
  id: "review",
  title: "Independent review",
  applies(input) {
    // Pushes are judged by the namespaces control (direct pushes); review is about pull requests.
    if (input.evidence.change.kind === "push") return false;
    // A merge group's approvals are those of its pull requests: the merge-queue control judges it.
    if (input.evidence.change.kind === "merge_group") return false;
    const self = selfProtectedTouched(input.evidence.change, selfProtectedPaths(SELF_PROTECTED_PATHS, input.evidence));
    return requiringNamespaces(input).length > 0 || self === "maybe" || self.length > 0;
  },
  evaluate(input) {
    return evaluateReview(input);
  },
};

function evaluateReview(input: ControlInput): ControlResult {
  const { policy, evidence } = input;
  const change = evidence.change;
  const findings: Finding[] = [];
  const namespaces = requiringNamespaces(input);

  const protectedPaths = selfProtectedPaths(SELF_PROTECTED_PATHS, evidence);
  const self = selfProtectedTouched(change, protectedPaths);
  const unowned = unownedSelfProtected(policy, change.ref, self === "maybe" ? protectedPaths : self);
  if (unowned.length > 0) {
    const what = self === "maybe" ? "may change the policy (its file list is incomplete)" : `changes ${self.join(", ")}`;
    findings.push({
      code: "review.policy_unowned",
      control: "review",
      severity: "error",
      message: `This change ${what}, and no namespace with a review requirement covers ${unowned.join(", ")}: nobody is named to approve changes to the policy itself.`,
      remedy: `Add a namespace to the base branch's policy, e.g. { name: policy, paths: [${protectedPaths.join(", ")}], review: { approvals: 2, from: [<policy owners>] } }, then have those owners approve.`,
      location: { path: unowned[0]! },
    });
  }

  const review = evidence.review;
  if (!review) {
    if (namespaces.length > 0) {
      findings.push({
        code: "review.evidence_missing",
        control: "review",
        severity: "error",
        message: `Namespace${namespaces.length === 1 ? "" : "s"} ${namespaces.map((n) => `"${n.name}"`).join(", ")} require approvals, but the evidence has no reviews or commits for this ${change.kind.replace("_", " ")}.`,
        remedy: "Evaluate the pull request itself (reviews are gathered for pull requests), or re-run the check.",
      });
    }
    return finish(findings, []);
  }

  if (!review.commits.some((c) => c.oid === change.headSha) && review.commits.length > 0) {
    findings.push({
      code: "review.evidence_inconsistent",
      control: "review",
      severity: "error",
      message: `The gathered commits do not include the head ${change.headSha.slice(0, 7)}: the pull request moved while it was read.`,
      remedy: "Re-run the check; it reads the pull request again.",
    });
  }

  const all = standings(review.reviews);
  const { involved, unattributed } = involvedPeople(change.pullRequest?.author, review, policy);
  const teams = evidence.teams ?? [];
  const lines: string[] = [];

  for (const ns of namespaces) {
    const rule = ns.review!;
    const count = countNamespace({ policy, rule, owners: ns.owners, change, review, teams, standings: all, involved });
    lines.push(`${ns.name}: ${count.counted.length}/${rule.approvals}`);
    findings.push(...namespaceFindings(ns, count, involved.filter((i) => rule.exclude.includes(exclusionOf(i.why))).map((i) => i.account)));
    const unresolved = [...new Set([...count.from, ...count.bots].flatMap((p) => p.unresolved))];
    if (unresolved.length > 0) {
      findings.push({
        code: "review.team_unresolved",
        control: "review",
        severity: "warning",
        namespace: ns.name,
        message: `The membership of ${unresolved.join(", ")} was not in the evidence, so its members' approvals were not counted for "${ns.name}".`,
        remedy: "Grant the Vouch app read access to organization members, and check the team slug.",
      });
    }
  }

  const excludingPushers = namespaces.filter((ns) => ns.review!.exclude.includes("pushers"));
  if (excludingPushers.length > 0 && !review.pushersComplete) {
    findings.push({
      code: "review.pushers_unknown",
      control: "review",
      // A notice, not a warning: GitHub never records every pusher, so this would be on every pull request.
      severity: "notice",
      message: `Not every push to this pull request could be attributed (GitHub keeps no full record of pushers), so an approver who pushed may not have been excluded. Known pushers: ${names(review.pushers.map(displayName))}.`,
      remedy: "Nothing to do for this change; commit authors, committers and co-authors were excluded as usual.",
    });
  }
  findings.push(...vetoes(policy, namespaces, all, teams));
  if (namespaces.length > 0 && unattributed.length > 0) {
    const emails = [...new Set(unattributed.map((u) => u.email ?? "(no email)"))];
    findings.push({
      code: "review.unattributed_commits",
      control: "review",
      severity: "notice",
      message: `${unattributed.length} commit identit${unattributed.length === 1 ? "y" : "ies"} (${names(emails)}) map to no GitHub account or policy identity, so those contributors could not be excluded from approving.`,
      remedy: "Add the emails to the right identities in the policy, or ask contributors to add them to their GitHub accounts.",
    });
  }
  return finish(findings, lines);
}

function exclusionOf(why: "author" | "contributor" | "pusher"): "author" | "contributors" | "pushers" {
  return why === "author" ? "author" : why === "contributor" ? "contributors" : "pushers";
}

function namespaceFindings(ns: NamespacePolicy, count: NamespaceCount, excluded: Account[]): Finding[] {
  const out: Finding[] = [];
  const base = { control: "review" as const, namespace: ns.name };
  for (const d of count.notCounted) {
    const stale = d.reasons.some((r) => r.startsWith("approved "));
    out.push({
      ...base,
      code: "review.approval_not_counted",
      severity: "notice",
      message: `${displayName(d.reviewer)}'s review does not count for "${ns.name}": ${d.reasons.join("; ")}.`,
      remedy:
        stale && d.reasons.length === 1
          ? `${displayName(d.reviewer)} can approve the current head again.`
          : "An eligible, independent reviewer has to approve instead.",
    });
  }
  const approvers = count.counted.map((d) => displayName(d.reviewer) + (d.boundBy === "same_tree" ? " (on an identical tree)" : ""));
  const excludedNames = [...new Set(excluded.map(displayName))];
  if (count.counted.length < count.required) {
    const missing = count.required - count.counted.length;
    const who =
      count.from.length > 0
        ? `from ${count.fromNames.join(", ")}; eligible people who have not approved yet: ${names(stillEligible(count, excluded))}`
        : `from anyone with write access except ${names(excludedNames)}`;
    out.push({
      ...base,
      code: "review.insufficient_approvals",
      severity: "error",
      message: `Namespace "${ns.name}" needs ${count.required} eligible approval${count.required === 1 ? "" : "s"}; it has ${count.counted.length}${approvers.length > 0 ? ` (${names(approvers)})` : ""}${count.notCounted.length > 0 ? `, and ${count.notCounted.length} review${count.notCounted.length === 1 ? " was" : "s were"} not counted` : ""}.`,
      remedy: `Still needed: ${missing} more approval${missing === 1 ? "" : "s"} of the current head ${who}.`,
    });
  }
  if (count.teamsCovered.length < count.distinctTeamsRequired) {
    const teams = count.from.filter((p) => p.isTeam).map((p) => p.name);
    const uncovered = teams.filter((t) => !count.teamsCovered.includes(t));
    out.push({
      ...base,
      code: "review.insufficient_teams",
      severity: "error",
      message: `Namespace "${ns.name}" needs approvals from ${count.distinctTeamsRequired} distinct teams, each approver standing for one; the approvals cover ${count.teamsCovered.length}${count.teamsCovered.length > 0 ? ` (${count.teamsCovered.join(", ")})` : ""}.`,
      remedy: `Ask an eligible member of ${names(uncovered)} to approve.`,
    });
  }
  if (count.satisfied) {
    out.push({
      ...base,
      code: "review.approved",
      severity: "notice",
      message: `Namespace "${ns.name}" has ${count.counted.length} eligible approval${count.counted.length === 1 ? "" : "s"} of ${count.required} required: ${names(approvers)}${count.teamsCovered.length > 0 ? `, covering teams ${count.teamsCovered.join(", ")}` : ""}.`,
      remedy: "Nothing to do.",
    });
  }
  return out;
}

/**
 * A reviewer whose latest review requests changes blocks the change until they approve again or
 * the review is dismissed. Only reviewers who could approve somewhere (write access, or named in
 * a touched namespace's `from` or `bots`) can block, so outsiders cannot hold a change hostage.
 */
function vetoes(policy: Policy, namespaces: NamespacePolicy[], all: ReturnType<typeof standings>, teams: NonNullable<ControlInput["evidence"]["teams"]>): Finding[] {
  const out: Finding[] = [];
  if (namespaces.length === 0) return out;
  for (const s of all) {
    if (s.kind !== "changes_requested") continue;
    const who = s.reviewer;
    const named = namespaces.some((ns) =>
      [...approverPrincipals(ns.review!, ns.owners).names, ...ns.review!.bots].some((p) => principalIncludes(resolvePrincipal(p, policy, teams), who)),
    );
    const human = !isBot(who, policy);
    if (!named && !(human && s.canPush !== false)) continue;
    out.push({
      code: "review.changes_requested",
      control: "review",
      severity: "error",
      message: `${displayName(who)} requested changes${s.review.commitOid ? ` on ${s.review.commitOid.slice(0, 7)}` : ""} and has not approved since.`,
      remedy: `${displayName(who)} must approve the current head, or someone with write access must dismiss their review with a reason.`,
      ...(s.review.commitOid ? { location: { commit: s.review.commitOid } } : {}),
    });
  }
  return out;
}

function finish(findings: Finding[], lines: string[]): ControlResult {
  const status = statusOf(findings);
  const detail = lines.length > 0 ? ` (${lines.join("; ")})` : "";
  const summary =
    status === "pass"
      ? `Every touched namespace has enough eligible approvals${detail}.`
      : `Review requirements not met${detail}.`;
  return { control: "review", status, summary, findings };
}
