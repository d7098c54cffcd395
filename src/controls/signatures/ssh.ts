/**
 * SSHSIG (OpenSSH PROTOCOL.sshsig) verification (Ed25519 with libsodium, ECDSA and RSA with node:crypto): the armored blob is
 * parsed strictly, the namespace must be `git`, and the signed data is rebuilt as
 * "SSHSIG" || string(namespace) || string(reserved) || string(hash_alg) || string(H(payload)).
 */
import { createHash, verify as cryptoVerify } from "node:crypto";
import { verifyEd25519 } from "./ed25519.js";
import {
  ecdsaSignatureToP1363,
  parseSshPublicKey,
  sshFingerprint,
  SshFormatError,
  UnsupportedKeyError,
  WireReader,
  type SshPublicKey,
} from "./ssh-wire.js";

const MAGIC = Buffer.from("SSHSIG");
const BEGIN = "-----BEGIN SSH SIGNATURE-----";
const END = "-----END SSH SIGNATURE-----";

export interface SshSignature {
  publicKeyBlob: Buffer;
  namespace: string;
  hashAlgorithm: string;
  signatureAlgorithm: string;
  signatureBytes: Buffer;
  reserved: Buffer;
}

/** Armor → SSHSIG fields. Throws SshFormatError on anything that is not exactly one well-formed block. */
export function parseSshSignature(armored: string): SshSignature {
  const lines = armored.replace(/\r?\n$/, "").split(/\r?\n/);
  if (lines[0] !== BEGIN || lines[lines.length - 1] !== END) throw new SshFormatError("SSH signature armor is incomplete");
  const b64 = lines.slice(1, -1).join("");
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(b64) || b64.length % 4 !== 0) throw new SshFormatError("SSH signature is not valid base64");
  const r = new WireReader(Buffer.from(b64, "base64"));
  if (!r.bytes(6).equals(MAGIC)) throw new SshFormatError("SSH signature magic is not SSHSIG");
  const version = r.uint32();
  if (version !== 1) throw new UnsupportedKeyError(`SSHSIG version ${version} is not supported`);
  const publicKeyBlob = r.string();
  const namespace = r.text();
  const reserved = r.string();
  const hashAlgorithm = r.text();
  const sig = new WireReader(r.string());
  r.end();
  const signatureAlgorithm = sig.text();
  const signatureBytes = sig.string();
  // FIDO signatures carry flags and a counter after the signature; those keys are rejected earlier.
  sig.end();
  return { publicKeyBlob, namespace, hashAlgorithm, signatureAlgorithm, signatureBytes, reserved };
}

export type SshCheck =
  | { ok: true; key: SshPublicKey; fingerprint: string }
  | { ok: false; status: "bad_signature" | "weak_algorithm" | "unsupported_format" | "malformed"; detail: string; fingerprint?: string };

/** The signed blob SSHSIG defines for `payload`. */
export function sshSignedData(sig: Pick<SshSignature, "namespace" | "reserved" | "hashAlgorithm">, payload: Buffer): Buffer {
  const str = (b: Buffer): Buffer => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(b.length, 0);
    return Buffer.concat([len, b]);
  };
  const digest = createHash(sig.hashAlgorithm).update(payload).digest();
  return Buffer.concat([MAGIC, str(Buffer.from(sig.namespace)), str(sig.reserved), str(Buffer.from(sig.hashAlgorithm)), str(digest)]);
}

/**
 * Parsed embedded keys by blob bytes. A push is usually signed by a handful of keys, and turning
 * a blob into a node:crypto key costs about as much as the verification; the blob fully
 * determines the result, so reuse is exact. Bounded, so hostile input cannot grow it.
 */
const parsedKeys = new Map<string, { key: SshPublicKey; fingerprint: string }>();
const PARSED_KEYS_MAX = 256;

function parseEmbeddedKey(blob: Buffer): { key: SshPublicKey; fingerprint: string } {
  const id = blob.toString("latin1");
  const hit = parsedKeys.get(id);
  if (hit) return hit;
  const parsed = { key: parseSshPublicKey(Buffer.from(blob)), fingerprint: sshFingerprint(blob) };
  if (parsedKeys.size >= PARSED_KEYS_MAX) parsedKeys.clear();
  parsedKeys.set(id, parsed);
  return parsed;
}

/** Checks the cryptography only; trust (which keys, which principals, when) is judged by the caller. */
export function checkSshSignature(sig: SshSignature, payload: Buffer): SshCheck {
  let key: SshPublicKey;
  let fingerprint: string;
  try {
    ({ key, fingerprint } = parseEmbeddedKey(sig.publicKeyBlob));
  } catch (e) {
    fingerprint = sshFingerprint(sig.publicKeyBlob);
    if (e instanceof UnsupportedKeyError) return { ok: false, status: "unsupported_format", detail: e.message, fingerprint };
    return { ok: false, status: "malformed", detail: `embedded SSH public key: ${(e as Error).message}`, fingerprint };
  }
  if (sig.namespace !== "git") return { ok: false, status: "bad_signature", detail: `SSH signature namespace is "${sig.namespace.slice(0, 40)}", not "git"`, fingerprint };
  if (sig.hashAlgorithm === "sha1") return { ok: false, status: "weak_algorithm", detail: "SSHSIG with SHA-1 is not allowed", fingerprint };
  if (sig.hashAlgorithm !== "sha256" && sig.hashAlgorithm !== "sha512") {
    return { ok: false, status: "unsupported_format", detail: `SSHSIG hash algorithm "${sig.hashAlgorithm.slice(0, 40)}" is not sha256 or sha512`, fingerprint };
  }
  const data = sshSignedData(sig, payload);
  let good: boolean;
  try {
    if (key.kind === "ed25519") {
      if (sig.signatureAlgorithm !== "ssh-ed25519") return { ok: false, status: "bad_signature", detail: "signature algorithm does not match the Ed25519 key", fingerprint };
      good = verifyEd25519(key.publicKey, data, sig.signatureBytes);
    } else if (key.kind === "ecdsa") {
      if (sig.signatureAlgorithm !== key.type) return { ok: false, status: "bad_signature", detail: "signature algorithm does not match the ECDSA key", fingerprint };
      const p1363 = ecdsaSignatureToP1363(sig.signatureBytes, key.size);
      good = cryptoVerify(key.hash, data, { key: key.key, dsaEncoding: "ieee-p1363" }, p1363);
    } else {
      if (sig.signatureAlgorithm === "ssh-rsa") return { ok: false, status: "weak_algorithm", detail: "ssh-rsa (RSA with SHA-1) signatures are not allowed", fingerprint };
      const hash = sig.signatureAlgorithm === "rsa-sha2-256" ? "sha256" : sig.signatureAlgorithm === "rsa-sha2-512" ? "sha512" : undefined;
      if (!hash) return { ok: false, status: "unsupported_format", detail: `RSA signature algorithm "${sig.signatureAlgorithm.slice(0, 40)}" is not supported`, fingerprint };
      if (key.bits < 2047) return { ok: false, status: "weak_algorithm", detail: `RSA key of ${key.bits} bits is too weak`, fingerprint };
      good = cryptoVerify(hash, data, key.key, sig.signatureBytes);
    }
  } catch (e) {
    if (e instanceof SshFormatError) return { ok: false, status: "malformed", detail: e.message, fingerprint };
    good = false;
  }
  return good ? { ok: true, key, fingerprint } : { ok: false, status: "bad_signature", detail: "SSH signature does not match the signed content", fingerprint };
}
