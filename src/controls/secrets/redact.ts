/** Redacted previews and keyed fingerprints: the only forms in which a secret leaves the engine. */
import { createHmac } from "node:crypto";

/** Secrets shorter than this show no characters at all. */
const MIN_LENGTH_FOR_PREFIX = 16;
const PREFIX_CHARS = 4;

/** `ghp_…(40)`: a vendor prefix helps the user find the value; the rest stays hidden. */
/** UTF-16 surrogates: only then do code points and string length differ. */
const SURROGATE = /[\uD800-\uDFFF]/;

export function previewOf(secret: string): string {
  if (!SURROGATE.test(secret)) {
    if (secret.length < MIN_LENGTH_FOR_PREFIX) return `…(${secret.length})`;
    return `${secret.slice(0, PREFIX_CHARS).replace(/\s/g, " ")}…(${secret.length})`;
  }
  const length = [...secret].length;
  if (length < MIN_LENGTH_FOR_PREFIX) return `…(${length})`;
  const head = [...secret].slice(0, PREFIX_CHARS).join("").replace(/\s/g, " ");
  return `${head}…(${length})`;
}

/** Hex characters kept from the HMAC: 128 bits, ample against collisions in one repository. */
const FINGERPRINT_HEX = 32;

/**
 * HMAC-SHA256 over rule, path and secret under a per-repository key. The line number is left out so that
 * moving a line keeps the fingerprint; the key makes brute-forcing short secrets from a fingerprint impossible
 * for anyone without it, and makes fingerprints of one secret differ between repositories.
 */
export function fingerprintOf(key: string | Uint8Array, rule: string, path: string, secret: string): string {
  if (typeof key === "string" ? key.length === 0 : key.byteLength === 0) {
    throw new Error("secret scan: the fingerprint key must not be empty");
  }
  return createHmac("sha256", key)
    .update(`vouch-secret-v1\0${rule}\0${path}\0${secret}`, "utf8")
    .digest("hex")
    .slice(0, FINGERPRINT_HEX);
}
