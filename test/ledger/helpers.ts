/** Entries and keys for ledger tests: real signed in-toto statements, small enough to tamper with byte by byte. */
import { generateKeyPairSync, type KeyObject } from "node:crypto";
import { IN_TOTO_PAYLOAD_TYPE, keyIdOf, signEnvelope, type Signer } from "../../src/attest/dsse.js";
import { makeStatement, serializeStatement } from "../../src/attest/statement.js";
import type { LedgerEntryInput } from "../../src/ledger/types.js";

/** A stand-in predicate type: these entries are not real provenances, so no provenance link is checked. */
export const PROV = "https://example.com/test-attestation/v1";
export const VSA = "https://slsa.dev/verification_summary/v1";

export function testKeys(): { signer: Signer; trusted: Map<string, KeyObject> } {
  const { privateKey, publicKey } = generateKeyPairSync("ed25519");
  const signer = { keyId: keyIdOf(publicKey), privateKey };
  return { signer, trusted: new Map([[signer.keyId, publicKey]]) };
}

export function rev(n: number): string {
  return n.toString(16).padStart(40, "0");
}

export function entry(signer: Signer, o: { repo?: string; ref?: string; n: number; key?: string; type?: string; at?: string }): LedgerEntryInput {
  const revision = rev(o.n);
  const type = o.type ?? PROV;
  const predicate = type === VSA ? { verificationResult: "PASSED", verifiedLevels: ["SLSA_SOURCE_LEVEL_3"] } : { n: o.n };
  const st = makeStatement([{ digest: { gitCommit: revision } }], type, predicate);
  return {
    repo: o.repo ?? "acme/widget",
    ref: o.ref ?? "refs/heads/main",
    revision,
    policyDigest: `sha256:${"ab".repeat(32)}`,
    evaluationKey: o.key ?? `pull_request:${o.n}`,
    kind: "attestation",
    predicateType: type,
    ...(o.at ? { recordedAt: o.at } : {}),
    envelope: signEnvelope(serializeStatement(st), IN_TOTO_PAYLOAD_TYPE, signer),
  };
}
