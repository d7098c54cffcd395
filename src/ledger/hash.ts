/** Entry hashing shared by both backends and the offline verifier. */
import { createHash } from "node:crypto";
import { canonicalJson } from "../attest/provenance.js";
import { sha256Hex, signEnvelope, type Signer } from "../attest/dsse.js";
import { CHECKPOINT_PAYLOAD_TYPE, CHECKPOINT_TYPE, type ChainHead, type Checkpoint, type LedgerEntry } from "./types.js";

export const GENESIS_HASH = "0".repeat(64);

/**
 * hash = sha256 hex of "vouch-ledger-entry/v1\n" + canonical JSON (keys sorted) of every field
 * except `hash`, the envelope included. Any edit to an entry, or to its place in the chain, changes it.
 */
export function entryHash(e: Omit<LedgerEntry, "hash">): string {
  const body = canonicalJson({
    chain: e.chain,
    seq: e.seq,
    prevHash: e.prevHash,
    repo: e.repo,
    ref: e.ref,
    revision: e.revision,
    policyDigest: e.policyDigest,
    evaluationKey: e.evaluationKey,
    kind: e.kind,
    predicateType: e.predicateType,
    recordedAt: e.recordedAt,
    envelope: e.envelope,
  });
  return createHash("sha256").update(`vouch-ledger-entry/v1\n${body}`, "utf8").digest("hex");
}

/** Idempotency key: one record per (repository, revision, policy digest, evaluation, predicate type). */
export function idempotencyKey(e: { repo: string; revision: string; policyDigest: string | null; evaluationKey: string; predicateType: string }): string {
  return createHash("sha256")
    .update(JSON.stringify([e.repo, e.revision, e.policyDigest ?? "", e.evaluationKey, e.predicateType]), "utf8")
    .digest("hex");
}

export function signCheckpoint(chains: ChainHead[], signer: Signer, now: Date): Checkpoint {
  const body = { type: CHECKPOINT_TYPE, createdAt: now.toISOString(), chains } as const;
  return { body, envelope: signEnvelope(Buffer.from(JSON.stringify(body), "utf8"), CHECKPOINT_PAYLOAD_TYPE, signer) };
}

/** The columns of a ledger row, in the order `entryRow` gives their values: one definition for both backends. */
export const ENTRY_COLUMNS =
  "chain, seq, prev_hash, hash, idem_key, repo, ref, revision, policy_digest, evaluation_key, kind, predicate_type, recorded_at, envelope, statement_sha256";

export function entryRow(entry: Omit<LedgerEntry, "hash">, hash: string, idemKey: string): unknown[] {
  return [
    entry.chain,
    entry.seq,
    entry.prevHash,
    hash,
    idemKey,
    entry.repo,
    entry.ref,
    entry.revision,
    entry.policyDigest,
    entry.evaluationKey,
    entry.kind,
    entry.predicateType,
    entry.recordedAt,
    JSON.stringify(entry.envelope),
    sha256Hex(Buffer.from(entry.envelope.payload, "base64")),
  ];
}
