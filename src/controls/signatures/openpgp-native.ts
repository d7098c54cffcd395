/**
 * The cryptographic check of a v4 binary OpenPGP signature done natively (libsodium for
 * Ed25519, node:crypto for ECDSA and RSA) instead of openpgp.js, which is several times slower
 * on large pushes (it re-imports keys into WebCrypto and hashes through streams on every call).
 * Only the math is done here; every other check stays with the caller. Anything this does not recognise returns undefined, and the caller
 * falls back to openpgp.js, so unusual signatures are never judged by a narrower code path.
 */
import { createHash, createPublicKey, verify as cryptoVerify, constants, type JsonWebKey, type KeyObject } from "node:crypto";
import { enums, type SignaturePacket } from "openpgp";
import { verifyEd25519 } from "./ed25519.js";

const HASHES: Record<number, string> = {
  [enums.hash.sha224]: "sha224",
  [enums.hash.sha256]: "sha256",
  [enums.hash.sha384]: "sha384",
  [enums.hash.sha512]: "sha512",
};

/** Curve OIDs (RFC 9580 section 9.2) → JWK curve names, with their point size in bytes. */
const EC_CURVES: Record<string, { crv: string; size: number }> = {
  "2a8648ce3d030107": { crv: "P-256", size: 32 },
  "2b81040022": { crv: "P-384", size: 48 },
  "2b81040023": { crv: "P-521", size: 66 },
};
const ED25519_LEGACY_OID = "2b06010401da470f01";

interface LooseKeyPacket {
  algorithm: number;
  publicParams: Record<string, unknown>;
}

/** A key ready for verification: Ed25519 as raw bytes for libsodium, the others as node:crypto keys. */
type NativeKey = { kind: "ed25519"; publicKey: Buffer } | { kind: "node"; key: KeyObject };

const keyCache = new WeakMap<object, NativeKey | null>();

const b64url = (b: Uint8Array): string => Buffer.from(b).toString("base64url");
const oidHex = (oid: unknown): string => (oid && typeof (oid as { toHex?: unknown }).toHex === "function" ? (oid as { toHex(): string }).toHex() : "");
const bytes = (v: unknown): Uint8Array | undefined => (v instanceof Uint8Array || (v && ArrayBuffer.isView(v)) ? (v as Uint8Array) : undefined);

function leftPad(b: Uint8Array, size: number): Buffer | undefined {
  if (b.length > size) return undefined;
  const out = Buffer.alloc(size);
  out.set(b, size - b.length);
  return out;
}

/** r ‖ s, each left-padded to `size` bytes, in one buffer; undefined when either is longer. */
function concatPadded(r: Uint8Array, s: Uint8Array, size: number): Buffer | undefined {
  if (r.length > size || s.length > size) return undefined;
  const out = Buffer.alloc(2 * size);
  out.set(r, size - r.length);
  out.set(s, 2 * size - s.length);
  return out;
}

function nativeKey(keyPacket: LooseKeyPacket): NativeKey | null {
  const cached = keyCache.get(keyPacket);
  if (cached !== undefined) return cached;
  let key: NativeKey | null = null;
  const p = keyPacket.publicParams;
  const node = (jwk: JsonWebKey): NativeKey => ({ kind: "node", key: createPublicKey({ key: jwk, format: "jwk" }) });
  try {
    if (keyPacket.algorithm === enums.publicKey.eddsaLegacy && oidHex(p.oid) === ED25519_LEGACY_OID) {
      const q = bytes(p.Q);
      if (q && q.length === 33 && q[0] === 0x40) key = { kind: "ed25519", publicKey: Buffer.from(q.subarray(1)) };
    } else if (keyPacket.algorithm === enums.publicKey.ed25519) {
      const a = bytes(p.A);
      if (a && a.length === 32) key = { kind: "ed25519", publicKey: Buffer.from(a) };
    } else if (keyPacket.algorithm === enums.publicKey.ecdsa) {
      const curve = EC_CURVES[oidHex(p.oid)];
      const q = bytes(p.Q);
      if (curve && q && q.length === 1 + 2 * curve.size && q[0] === 0x04) {
        key = node({ kty: "EC", crv: curve.crv, x: b64url(q.subarray(1, 1 + curve.size)), y: b64url(q.subarray(1 + curve.size)) });
      }
    } else if (keyPacket.algorithm === enums.publicKey.rsaSign || keyPacket.algorithm === enums.publicKey.rsaEncryptSign) {
      const n = bytes(p.n);
      const e = bytes(p.e);
      if (n && e) key = node({ kty: "RSA", n: b64url(n), e: b64url(e) });
    }
  } catch {
    key = null;
  }
  keyCache.set(keyPacket, key);
  return key;
}

/**
 * true/false: the signature does/does not match `payload` under `keyPacket`.
 * undefined: not a case handled here (v5/v6 signatures, text mode, other algorithms).
 */
export function nativeVerify(pkt: SignaturePacket, keyPacket: unknown, payload: Uint8Array): boolean | undefined {
  const sig = pkt as unknown as {
    version: number;
    signatureType: number | null;
    hashAlgorithm: number | null;
    publicKeyAlgorithm: number | null;
    signatureData?: Uint8Array;
    signedHashValue?: Uint8Array;
    params?: Record<string, unknown>;
  };
  const kp = keyPacket as LooseKeyPacket;
  const hash = HASHES[sig.hashAlgorithm ?? -1];
  const data = sig.signatureData;
  const params = sig.params;
  if (sig.version !== 4 || sig.signatureType !== enums.signature.binary || !hash || !data || !params || typeof (params as { then?: unknown }).then === "function") return undefined;
  if (sig.publicKeyAlgorithm !== kp.algorithm) return false;
  const key = nativeKey(kp);
  if (!key) return undefined;
  // RFC 4880 5.2.4: hash(data || hashed signature fields || 0x04 0xff || uint32 length of those fields).
  const trailer = Buffer.alloc(6);
  trailer[0] = 0x04;
  trailer[1] = 0xff;
  trailer.writeUInt32BE(data.length, 2);
  const digest = createHash(hash).update(payload).update(data).update(trailer).digest();
  // ECDSA and RSA take the message and hash it themselves; EdDSA signs the digest.
  const toHash = (): Buffer => Buffer.concat([payload, data, trailer]);
  const left = sig.signedHashValue;
  if (!left || left[0] !== digest[0] || left[1] !== digest[1]) return false;
  try {
    switch (kp.algorithm) {
      case enums.publicKey.eddsaLegacy: {
        // EdDSA signs the digest itself; openpgp.js insists on at least 256 bits for it.
        if (digest.length < 32) return undefined;
        const r = bytes(params.r);
        const s = bytes(params.s);
        const rs = r && s && concatPadded(r, s, 32);
        if (!rs || key.kind !== "ed25519") return false;
        return verifyEd25519(key.publicKey, digest, rs);
      }
      case enums.publicKey.ed25519: {
        const rs = bytes(params.RS);
        if (!rs || rs.length !== 64 || digest.length < 32) return rs ? false : undefined;
        return key.kind === "ed25519" && verifyEd25519(key.publicKey, digest, rs);
      }
      case enums.publicKey.ecdsa: {
        const size = EC_CURVES[oidHex(kp.publicParams.oid)]?.size ?? 0;
        const r = bytes(params.r);
        const s = bytes(params.s);
        const rs = r && s && concatPadded(r, s, size);
        if (!rs || key.kind !== "node") return false;
        return cryptoVerify(hash, toHash(), { key: key.key, dsaEncoding: "ieee-p1363" }, rs);
      }
      default: {
        if (key.kind !== "node") return false;
        const s = bytes(params.s);
        const size = Math.ceil((key.key.asymmetricKeyDetails?.modulusLength ?? 0) / 8);
        const ps = s && leftPad(s, size);
        if (!ps) return false;
        return cryptoVerify(hash, toHash(), { key: key.key, padding: constants.RSA_PKCS1_PADDING }, ps);
      }
    }
  } catch {
    return false;
  }
}
