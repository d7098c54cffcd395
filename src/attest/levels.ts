/**
 * Which SLSA v1.2 Source levels and verified properties a revision earned. Pure: facts in, claims
 * out. A level is claimed only when every one of its requirements (and every lower level's) was
 * verified for this revision, including continuity on its ref. The rules, in order:
 *
 * - L1 (version controlled): immutable revision id, repository id known, policy valid, no
 *   evidence gaps (Vouch saw everything it needed).
 * - L2 (history and provenance): L1, plus the ref is protected against force-push and deletion by
 *   the policy, none happened in this change, and continuity holds: the ref's attestation chain
 *   verifies and either starts here or its previous entry attests this change's base revision.
 * - L3 (continuous technical controls): L2, plus the ref is a protected namespace and every
 *   control the policy puts on it passed (verdict PASSED).
 * - SLSA_SOURCE_TWO_PARTY_REVIEWED: L3-grade continuity plus a review requirement of at least one
 *   approval that excludes the author on the ref, and the review control passed.
 * - ORG_SOURCE_SIGNED_COMMITS / ORG_SOURCE_SECRET_SCANNED: the control was required on the ref,
 *   applied and passed, with continuity.
 * Only the highest level is listed, as the VSA spec asks.
 */
import type { ControlId, ControlStatus } from "../engine/findings.js";
import type { Evidence, LoadedPolicy } from "../evidence/types.js";
import type { Verdict } from "../engine/evaluate.js";
import { refMatches } from "../engine/namespaces.js";

export type SourceLevel = "SLSA_SOURCE_LEVEL_1" | "SLSA_SOURCE_LEVEL_2" | "SLSA_SOURCE_LEVEL_3";
export const TWO_PARTY_REVIEWED = "SLSA_SOURCE_TWO_PARTY_REVIEWED";
export const ORG_SIGNED_COMMITS = "ORG_SOURCE_SIGNED_COMMITS";
export const ORG_SECRET_SCANNED = "ORG_SOURCE_SECRET_SCANNED";

export interface ContinuityFacts {
  /** The repository's attestation chain verified (no gap, edit or reorder) up to its head. */
  chainVerified: boolean;
  /** The previous attestation for this ref, or null when this revision starts the chain. */
  previous: { revision: string; properties: readonly string[] } | null;
  /** The revision this change builds on (push `before`, pull request base), when known. */
  baseRevision: string | null;
}

export interface LevelFacts {
  revisionIsImmutable: boolean;
  repositoryIdKnown: boolean;
  policyValid: boolean;
  evidenceComplete: boolean;
  passed: boolean;
  /** A namespace in the policy protects this ref by its ref patterns. */
  refProtected: boolean;
  /** The policy forbids both force-push and deletion on this ref. */
  historyProtected: boolean;
  /** This change force-pushed or deleted the ref, or the namespaces control failed. */
  historyViolated: boolean;
  /** The policy asks for at least one approval on this ref with the author excluded. */
  twoPartyReviewRequired: boolean;
  signaturesRequired: boolean;
  secretScanRequired: boolean;
  controls: Partial<Record<ControlId, ControlStatus>>;
  continuity: ContinuityFacts;
}

export interface LevelClaims {
  verifiedLevels: string[];
  /** Every property that held for this revision (the next revision's continuity input). */
  properties: string[];
  /** Why continuity did not hold, or null. */
  lapse: string | null;
}

const L2 = "SLSA_SOURCE_LEVEL_2";
const L3 = "SLSA_SOURCE_LEVEL_3";

/** Why the ref's history since its previous attestation cannot be vouched for, or null. */
export function continuityLapse(c: ContinuityFacts): string | null {
  if (!c.chainVerified) return "the attestation chain for this repository does not verify";
  if (c.previous === null) return null;
  if (c.baseRevision === null) return "the change's base revision is unknown";
  if (c.previous.revision !== c.baseRevision) {
    return `the ref moved from ${c.baseRevision.slice(0, 12)}, not from the last attested revision ${c.previous.revision.slice(0, 12)}`;
  }
  return null;
}

export function verifiedLevels(f: LevelFacts): LevelClaims {
  const lapse = continuityLapse(f.continuity);
  // A property continues only if it held at the previous attested revision too (or the chain starts here).
  const continued = (p: string) =>
    lapse === null && (f.continuity.previous === null || f.continuity.previous.properties.includes(p));

  const props: string[] = [];
  const l1 = f.revisionIsImmutable && f.repositoryIdKnown && f.policyValid && f.evidenceComplete;
  if (l1) props.push("SLSA_SOURCE_LEVEL_1");
  const l2Now = l1 && f.historyProtected && !f.historyViolated && f.controls.namespaces !== "fail";
  if (l2Now) props.push(L2);
  const l3Now = l2Now && f.refProtected && f.passed;
  if (l3Now) props.push(L3);
  // A merge group's review is its pull requests' review: the merge-queue control passes only when each passed and nothing else is in it.
  const reviewNow = l3Now && f.twoPartyReviewRequired && (f.controls.review === "pass" || f.controls.merge_queue === "pass");
  if (reviewNow) props.push(TWO_PARTY_REVIEWED);
  const signedNow = l2Now && f.signaturesRequired && f.controls.signatures === "pass";
  if (signedNow) props.push(ORG_SIGNED_COMMITS);
  const secretsNow = l2Now && f.secretScanRequired && f.controls.secrets === "pass";
  if (secretsNow) props.push(ORG_SECRET_SCANNED);

  const levels: string[] = [];
  if (l3Now && continued(L2) && continued(L3)) levels.push(L3);
  else if (l2Now && continued(L2)) levels.push(L2);
  else if (l1) levels.push("SLSA_SOURCE_LEVEL_1");
  for (const p of [TWO_PARTY_REVIEWED, ORG_SIGNED_COMMITS, ORG_SECRET_SCANNED]) {
    if (props.includes(p) && continued(p) && continued(L2)) levels.push(p);
  }
  return { verifiedLevels: levels, properties: props, lapse };
}


const IMMUTABLE_ID = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/;

/** Derive the level facts from the policy, the verdict and the evidence it judged. */
export function levelFacts(policy: LoadedPolicy, verdict: Verdict, evidence: Evidence, continuity: ContinuityFacts): LevelFacts {
  const controls: Partial<Record<ControlId, ControlStatus>> = {};
  for (const c of verdict.controls) controls[c.control] = c.status;
  const base = {
    revisionIsImmutable: IMMUTABLE_ID.test(verdict.headSha),
    repositoryIdKnown: evidence.repository.id !== null,
    evidenceComplete: evidence.gaps.length === 0,
    passed: verdict.conclusion === "success",
    historyViolated:
      controls.namespaces === "fail" || evidence.change.push?.forced === true || evidence.change.push?.deleted === true,
    controls,
    continuity,
  };
  if (policy.status !== "valid") {
    return {
      ...base,
      policyValid: false,
      refProtected: false,
      historyProtected: false,
      twoPartyReviewRequired: false,
      signaturesRequired: false,
      secretScanRequired: false,
    };
  }
  const p = policy.policy;
  // Only namespaces that name refs protect the ref itself; path-only namespaces guard files.
  const onRef = p.namespaces.filter((ns) => ns.refs.length > 0 && refMatches(ns, verdict.ref));
  const forbids = new Set(onRef.flatMap((ns) => ns.forbid));
  return {
    ...base,
    policyValid: true,
    refProtected: onRef.length > 0,
    historyProtected: forbids.has("force-push") && forbids.has("deletion"),
    twoPartyReviewRequired: onRef.some(
      (ns) => ns.review !== undefined && ns.review.approvals >= 1 && ns.review.exclude.includes("author"),
    ),
    signaturesRequired: onRef.length > 0 && (p.signatures.required || onRef.some((ns) => ns.signatures?.required === true)),
    secretScanRequired: onRef.length > 0 && p.secrets.enabled,
  };
}
