/** The trusted keys of a trust store as evidence: fingerprint, where each came from, and when it was read. */
import type { TrustedKeyEvidence } from "../../evidence/types.js";
import type { TrustStore } from "./trust.js";

export function trustedKeyEvidence(trust: TrustStore, source: TrustedKeyEvidence["source"], fetchedAt: string): TrustedKeyEvidence[] {
  return [
    ...trust.openpgp.map((k) => ({ fingerprint: k.key.getFingerprint(), source, where: k.origin, fetchedAt })),
    ...trust.ssh.map((k) => ({ fingerprint: k.fingerprint, source, where: k.origin, fetchedAt })),
  ];
}
