/**
 * GitHub's web-flow signing keys: GitHub signs the commits it creates itself (merges and
 * squashes made in the web UI, edits in the browser) with these keys. A web-flow signature
 * proves only that GitHub made the commit, not who wrote it, so the policy must opt in
 * (`signatures.allow_github_web_flow`).
 *
 * Pinned here by fingerprint, never fetched: the keys are published at
 * https://github.com/web-flow.gpg (and `GET /users/web-flow/gpg_keys`); the fingerprints are
 * the ones GitHub's docs and packagers pin. GitHub rotated the key on 2024-01-16.
 *
 * TODO(web-flow): pin the armored public keys too, so adapters can verify web-flow
 * signatures without the user supplying https://github.com/web-flow.gpg as a keyring. Until
 * then a web-flow signature verifies only when that key file is given; the control recognises
 * it by the fingerprint below either way.
 */

export interface WebFlowKey {
  /** Uppercase hex OpenPGP fingerprint of the signing key. */
  fingerprint: string;
  /** When GitHub started (null: before Vouch cares) and stopped (null: still in use) signing with it. */
  usedFrom: string | null;
  usedUntil: string | null;
}

export const WEB_FLOW_KEYS: readonly WebFlowKey[] = [
  { fingerprint: "5DE3E0509C47EA3CF04A42D34AEE18F83AFDEB23", usedFrom: null, usedUntil: "2024-01-16T00:00:00Z" },
  { fingerprint: "968479A1AFF927E37D1A566BB5690EEEBB952194", usedFrom: "2024-01-16T00:00:00Z", usedUntil: null },
];

/** True when `fingerprint` (any case, spaces allowed) is one of GitHub's web-flow keys. */
export function isWebFlowKey(fingerprint: string | null | undefined): boolean {
  if (!fingerprint) return false;
  const hex = fingerprint.replace(/\s+/g, "").toUpperCase();
  return WEB_FLOW_KEYS.some((k) => k.fingerprint === hex);
}
