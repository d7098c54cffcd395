/**
 * Ed25519 verification for both signature formats (OpenPGP EdDSA and SSH ssh-ed25519), with
 * libsodium through sodium-native. On the same machine libsodium verifies in about half the
 * time node:crypto (OpenSSL 3) takes, and verification is most of the cost of checking a
 * large push (decision 0054).
 *
 * libsodium is also the stricter verifier: beyond RFC 8032's equation it rejects non-canonical
 * scalars and points and small-order keys and R values, which no honest signer produces. So
 * everything it accepts, node:crypto accepts too (a test checks this over mutated inputs).
 */
import sodium from "sodium-native";

export const ED25519_PUBLIC_KEY_BYTES = 32;
export const ED25519_SIGNATURE_BYTES = 64;

/** true when `signature` (R ‖ S, 64 bytes) is `publicKey`'s (32 bytes) Ed25519 signature of `message`. */
export function verifyEd25519(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  if (publicKey.length !== ED25519_PUBLIC_KEY_BYTES || signature.length !== ED25519_SIGNATURE_BYTES) return false;
  return sodium.crypto_sign_verify_detached(signature, message, publicKey);
}
