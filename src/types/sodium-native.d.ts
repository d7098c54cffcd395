// The part of sodium-native (libsodium bindings) Vouch uses; the package ships no types.
declare module "sodium-native" {
  interface Sodium {
    /** libsodium's crypto_sign_verify_detached: true when `signature` is a valid Ed25519 signature of `message` by `publicKey`. */
    crypto_sign_verify_detached(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): boolean;
    readonly crypto_sign_BYTES: number;
    readonly crypto_sign_PUBLICKEYBYTES: number;
  }
  const sodium: Sodium;
  export default sodium;
}
