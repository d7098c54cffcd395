/**
 * Signature evidence from any object source (a local clone, or objects fetched over smart HTTP):
 * each object's verdict with the committer or tagger it must be bound to, and the trusted keys
 * with where each came from.
 */
import type { SignatureEvidence, SignedObjectEvidence, TrustedKeyEvidence } from "../../evidence/types.js";
import type { ObjectSource } from "../../git/objects.js";
import { splitSigned } from "../../git/signed.js";
import { createHash } from "node:crypto";
import { rawObjectDigest, signedPayloadDigest } from "../../git/object-digests.js";
import type { TrustStore } from "./trust.js";
import { verifyRevisions } from "./verify.js";
import { WEB_FLOW_KEYRING_NAME } from "./web-flow.js";

/** The keys a trust store holds, as evidence: where each came from and when it was read or fetched. */
export function trustedKeyEvidence(trust: TrustStore, readAt: Date): TrustedKeyEvidence[] {
  const fetchedAt = readAt.toISOString();
  const source = (origin: string): TrustedKeyEvidence["source"] =>
    origin === WEB_FLOW_KEYRING_NAME ? "pinned" : origin.startsWith("policy ") ? "policy" : "file";
  const digest = (bytes: Uint8Array) => `sha256:${createHash("sha256").update(bytes).digest("hex")}`;
  const from = (k: { origin: string; github?: { url: string; fetchedAt: string } }) =>
    k.github ? { source: "github" as const, where: k.github.url, fetchedAt: k.github.fetchedAt } : { source: source(k.origin), where: k.origin, fetchedAt };
  return [
    ...trust.openpgp.map((k) => ({ fingerprint: k.key.getFingerprint(), ...from(k), digest: digest(k.key.write()) })),
    ...trust.ssh.map((k) => ({ fingerprint: k.fingerprint, ...from(k), digest: digest(k.keyBlob) })),
  ];
}

/**
 * Verifies `ids` at the trusted time `at`, or per object at its first observation when
 * `firstObserved` has one; each object records the time it was judged at. Object read errors
 * propagate (the caller decides how to report them).
 */
export async function signatureEvidence(
  source: ObjectSource,
  ids: readonly string[],
  trust: TrustStore,
  at: Date,
  keys: TrustedKeyEvidence[],
  firstObserved: ReadonlyMap<string, Date> = new Map(),
): Promise<SignatureEvidence> {
  const timeOf = (id: string): Date => firstObserved.get(id) ?? at;
  const signedBy = new Map<string, { name: string; email: string } | null>();
  const digests = new Map<string, { rawObjectDigest: string; payloadDigest: string | null }>();
  // Reads each object once: the verifier gets the bytes, and the committer is noted on the way.
  const recording: ObjectSource = {
    async read(id) {
      const raw = await source.read(id);
      let person: { name: string; email: string } | null = null;
      try {
        const signer = splitSigned(raw).signer;
        if (signer) person = { name: signer.name, email: signer.email };
      } catch {
        // The verifier reports the object as malformed.
      }
      signedBy.set(id, person);
      digests.set(id, { rawObjectDigest: rawObjectDigest(raw), payloadDigest: signedPayloadDigest(raw) });
      return raw;
    },
  };
  const objects: SignedObjectEvidence[] = [];
  for await (const v of verifyRevisions(recording, ids, trust, timeOf)) {
    objects.push({
      id: v.id,
      type: v.type,
      signature: { ...v.signature },
      signedBy: signedBy.get(v.id) ?? null,
      ...digests.get(v.id),
      trustedAt: timeOf(v.id).toISOString(),
    });
    signedBy.delete(v.id);
    digests.delete(v.id);
  }
  return { trustedAt: at.toISOString(), objects, keys };
}
