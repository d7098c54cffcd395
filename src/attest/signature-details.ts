/**
 * The signatures control's per-object provenance details: status, format and key as judged, with
 * digests an auditor recomputes from a clone and the trusted time the verdict was judged at, so
 * `vouch audit verify --repo` can re-run the verification (see src/ledger/clone-check.ts).
 */
import type { RawObject } from "../git/objects.js";
import { rawObjectDigest, signedPayloadDigest } from "../git/object-digests.js";
import type { SignatureEvidence, TrustedKeyEvidence } from "../evidence/types.js";
import type { ObjectVerdict } from "../controls/signatures/types.js";
import type { ControlDetails, KeyUsed } from "./provenance.js";

export { rawObjectDigest, signedPayloadDigest };

type SignatureDetails = NonNullable<ControlDetails["signatures"]>;

export function signatureDetails(objects: readonly { raw: RawObject; verdict: ObjectVerdict }[], trustedAt?: string): SignatureDetails {
  return {
    objects: objects.map(({ raw, verdict }) => ({
      oid: raw.id,
      type: verdict.type,
      status: verdict.signature.status,
      format: verdict.signature.format ?? "none",
      keyFingerprint: verdict.signature.key,
      payloadDigest: signedPayloadDigest(raw),
      rawObjectDigest: rawObjectDigest(raw),
      ...(trustedAt !== undefined ? { trustedAt } : {}),
    })),
  };
}

/**
 * The same details from signature evidence, which carries each object's digests as read. Objects
 * whose bytes were never read (a source error) have no digests and are left out: the verdict
 * still fails on them, but there is nothing an auditor could recompute.
 */
export function signatureDetailsFromEvidence(evidence: SignatureEvidence): SignatureDetails {
  const objects: SignatureDetails["objects"] = [];
  for (const o of evidence.objects) {
    if (o.rawObjectDigest === undefined) continue;
    objects.push({
      oid: o.id,
      type: o.type,
      status: o.signature.status,
      format: o.signature.format ?? "none",
      keyFingerprint: o.signature.key,
      payloadDigest: o.payloadDigest ?? null,
      rawObjectDigest: o.rawObjectDigest,
      trustedAt: o.trustedAt ?? evidence.trustedAt,
    });
  }
  return { objects };
}

/** The keys the evaluation trusted, for the provenance's `keys`: where and when each was obtained. */
export function keysUsed(keys: readonly TrustedKeyEvidence[]): KeyUsed[] {
  return keys
    .filter((k): k is TrustedKeyEvidence & { digest: string } => k.digest !== undefined)
    .map((k) => ({
      id: k.fingerprint,
      type: k.fingerprint.startsWith("SHA256:") ? ("ssh" as const) : ("openpgp" as const),
      source: `${k.source}:${k.where}`,
      obtainedAt: k.fetchedAt,
      digest: k.digest,
    }));
}
