/** The verdict vocabulary for signed commits and tags; the CLI's JSON and the check runs use it verbatim. */

export const SIGNATURE_STATUSES = [
  "valid",
  "unsigned",
  "bad_signature",
  "unknown_key",
  "expired_key",
  "revoked_key",
  "identity_mismatch",
  "multiple_signatures",
  "unsupported_format",
  "malformed",
  "weak_algorithm",
] as const;

export type SignatureStatus = (typeof SIGNATURE_STATUSES)[number];
export type SignatureFormat = "openpgp" | "ssh" | "x509";

export interface SignatureVerdict {
  status: SignatureStatus;
  format: SignatureFormat | null;
  /** Who signed: the bound identity (email, or policy identity name and email) when known. */
  signer: string | null;
  /** Key fingerprint: OpenPGP hex fingerprint of the signing (sub)key, or SSH `SHA256:...`. */
  key: string | null;
  /** One line for humans. Never contains key material or signature bytes. */
  detail: string;
}

export interface ObjectVerdict {
  id: string;
  type: "commit" | "tag";
  signature: SignatureVerdict;
}

/** A check result before the object-level wrapping; `signer` and `key` are filled in when learned. */
export type PartialVerdict = Omit<SignatureVerdict, "format"> & { format?: SignatureFormat | null };

export function verdict(status: SignatureStatus, detail: string, extra: Partial<SignatureVerdict> = {}): SignatureVerdict {
  return { status, format: null, signer: null, key: null, ...extra, detail: oneLine(detail) };
}

/** Keeps details to one bounded line, whatever an error message contained. */
export function oneLine(s: string): string {
  // Most details are short printable ASCII already; one test spares the two replacements.
  if (s.length <= 300 && !/[^\x20-\x7e]/.test(s)) return s;
  const flat = s.replace(/[\r\n\t]+/g, " ").replace(/[^\x20-\x7e\u00a0-\uffff]/g, "?");
  return flat.length > 300 ? `${flat.slice(0, 297)}...` : flat;
}
