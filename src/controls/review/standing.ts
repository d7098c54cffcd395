/**
 * Each reviewer's standing on a pull request, from their reviews in submission order. Only the
 * latest decisive review counts: a later "changes requested" is a veto until they approve again,
 * and a dismissal ends an approval for good (an older approval is never resurrected).
 */
import type { Account, ReviewFact } from "../../evidence/review.js";
import { personKey } from "./people.js";

export type Standing =
  /** `approvals`: every approval since their last non-approval, newest last. */
  | { kind: "approved"; reviewer: Account; approvals: ReviewFact[]; canPush: boolean | null }
  | { kind: "changes_requested"; reviewer: Account; review: ReviewFact; canPush: boolean | null }
  | { kind: "dismissed"; reviewer: Account; review: ReviewFact; canPush: boolean | null };

function isDismissal(r: ReviewFact): boolean {
  return r.dismissed || r.state === "DISMISSED";
}

/** Standings of everyone whose reviews include a decisive one (approve, request changes, dismissed); comments alone are none. */
export function standings(reviews: readonly ReviewFact[]): Standing[] {
  // Stable sort by time: reviews submitted in the same second keep GitHub's order.
  const ordered = reviews
    .map((r, i) => ({ r, i }))
    .sort((a, b) => (a.r.submittedAt < b.r.submittedAt ? -1 : a.r.submittedAt > b.r.submittedAt ? 1 : a.i - b.i))
    .map((x) => x.r);
  const byPerson = new Map<string, Standing>();
  for (const r of ordered) {
    if (r.state === "PENDING" || (r.state === "COMMENTED" && !r.dismissed)) continue;
    const key = personKey(r.author);
    const prev = byPerson.get(key);
    // Write access as last reported: a later review reflects the reviewer's current access.
    const canPush = r.canPush ?? prev?.canPush ?? null;
    if (isDismissal(r)) {
      byPerson.set(key, { kind: "dismissed", reviewer: r.author, review: r, canPush });
    } else if (r.state === "CHANGES_REQUESTED") {
      byPerson.set(key, { kind: "changes_requested", reviewer: r.author, review: r, canPush });
    } else if (r.state === "APPROVED") {
      const approvals = prev?.kind === "approved" ? [...prev.approvals, r] : [r];
      byPerson.set(key, { kind: "approved", reviewer: r.author, approvals, canPush });
    }
  }
  return [...byPerson.values()];
}

export type Binding =
  | { kind: "head"; review: ReviewFact }
  | { kind: "same_tree"; review: ReviewFact }
  | { kind: "stale"; review: ReviewFact };

/**
 * Whether an approval covers what will land: given on the current head, or (when the policy
 * allows it) on a commit whose tree is byte-for-byte the current head's tree.
 */
export function binding(
  approvals: readonly ReviewFact[],
  head: { sha: string; tree: string },
  allowSameTree: boolean,
): Binding {
  const onHead = approvals.find((r) => r.commitOid === head.sha);
  if (onHead) return { kind: "head", review: onHead };
  if (allowSameTree) {
    const same = approvals.find((r) => r.commitTree !== null && r.commitTree === head.tree);
    if (same) return { kind: "same_tree", review: same };
  }
  return { kind: "stale", review: approvals[approvals.length - 1]! };
}
