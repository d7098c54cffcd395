/** Entry hashing shared by both backends and the offline verifier. */
import { createHash } from "node:crypto";
import { canonicalJson } from "../attest/provenance.js";
import { signEnvelope, type Signer } from "../attest/dsse.js";
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
