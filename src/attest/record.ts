/**
 * One call for the app and the CLI: attest an evaluated revision and record both attestations in
 * the ledger, linked to the previous attestation of the same repository and ref. A redelivery or
 * retry of a recorded evaluation returns what was recorded the first time.
 */
import type { KeyObject } from "node:crypto";
import { sha256Hex, verifyEnvelope, type Envelope } from "./dsse.js";
import { attestRevision, type AttestInput, type PreviousAttestation } from "./attest.js";
import type { LevelClaims } from "./levels.js";
import { PROVENANCE_PREDICATE_TYPE } from "./provenance.js";
import { parseStatement } from "./statement.js";
import { VSA_PREDICATE_TYPE } from "./vsa.js";
import { entryHash } from "../ledger/hash.js";
import type { EntryKind, Ledger, LedgerEntry } from "../ledger/types.js";

export interface RecordInput extends Omit<AttestInput, "previous" | "chainVerified"> {
  ledger: Ledger;
  /** Keys that may have signed earlier entries (rotation). */
  trusted: ReadonlyMap<string, KeyObject>;
  /** Stable across redeliveries: e.g. `pull_request:<number>:<head sha>` or `push:<before>..<after>`. */
  evaluationKey: string;
  /** `violation` for forbidden operations found on pushes. */
  kind?: EntryKind;
}

export interface RecordedAttestation {
  envelope: Envelope;
  sha256: string;
  seq: number;
}

export interface RecordResult {
  provenance: RecordedAttestation;
  vsa: RecordedAttestation;
  /** Levels as computed now; on a duplicate, read the recorded VSA for what was claimed. */
  levels: LevelClaims;
  duplicate: boolean;
}

/** The previous provenance for the ref, checked: its entry hash and its signature must hold. */
function previousFrom(entry: LedgerEntry | null, trusted: ReadonlyMap<string, KeyObject>): { previous: PreviousAttestation | null; verified: boolean } {
  if (!entry) return { previous: null, verified: true };
  const { hash, ...rest } = entry;
  const v = verifyEnvelope(entry.envelope, trusted, { requireKeyId: true });
  if (entryHash(rest) !== hash || !v.ok) return { previous: null, verified: false };
  const parsed = parseStatement(v.payload);
  const since = parsed.ok ? ((parsed.statement.predicate as { continuity?: { since?: Record<string, string> } }).continuity?.since ?? {}) : {};
  return { previous: { sha256: sha256Hex(v.payload), revision: entry.revision, since }, verified: parsed.ok };
}

export async function recordAttestations(input: RecordInput): Promise<RecordResult> {
  const { ledger, trusted, evaluationKey, kind = "attestation", ...attest } = input;
  const repo = attest.evidence.repository.fullName;
  const ref = attest.verdict.ref;
  const { previous, verified } = previousFrom(await ledger.latest(repo, ref, PROVENANCE_PREDICATE_TYPE), trusted);
  const a = attestRevision({ ...attest, previous, chainVerified: verified });
  const common = { repo, ref, revision: attest.verdict.headSha, policyDigest: attest.verdict.policyDigest, evaluationKey, kind };
  const [p, v] = await ledger.appendAll([
    { ...common, predicateType: PROVENANCE_PREDICATE_TYPE, envelope: a.provenance.envelope },
    { ...common, predicateType: VSA_PREDICATE_TYPE, envelope: a.vsa.envelope },
  ]);
  if (!p || !v) throw new Error("ledger returned no result for an append");
  const recorded = async (seq: number, fresh: { envelope: Envelope; sha256: string }, duplicate: boolean): Promise<RecordedAttestation> => {
    if (!duplicate) return { envelope: fresh.envelope, sha256: fresh.sha256, seq };
    const e = await ledger.get(repo, seq);
    if (!e) throw new Error(`ledger entry ${repo}#${seq} vanished`);
    return { envelope: e.envelope, sha256: sha256Hex(Buffer.from(e.envelope.payload, "base64")), seq };
  };
  return {
    provenance: await recorded(p.seq, a.provenance, p.duplicate),
    vsa: await recorded(v.seq, a.vsa, v.duplicate),
    levels: a.levels,
    duplicate: p.duplicate && v.duplicate,
  };
}
