/**
 * DSSE (Dead Simple Signing Envelope) v1: PAE, sign and verify. Vouch signs with Ed25519
 * (`crypto.sign(null, …)`, 64-byte raw signatures). Verification also accepts ECDSA P-256 with
 * raw r||s signatures, which is how the spec's published test vector is encoded.
 */
import { createHash, sign as cryptoSign, verify as cryptoVerify, type KeyObject } from "node:crypto";

export const IN_TOTO_PAYLOAD_TYPE = "application/vnd.in-toto+json";

export interface EnvelopeSignature {
  /** Unauthenticated hint: which key made the signature (see keyIdOf). */
  keyid: string;
  /** Base64 signature. */
  sig: string;
}

export interface Envelope {
  payloadType: string;
  /** Base64 of the serialized body. */
  payload: string;
  signatures: EnvelopeSignature[];
}

/** A private key plus the id verifiers will look it up by. */
export interface Signer {
  keyId: string;
  privateKey: KeyObject;
}

/** PAE(type, body) = "DSSEv1" SP LEN(type) SP type SP LEN(body) SP body, LEN in decimal bytes. */
export function pae(payloadType: string, body: Uint8Array): Buffer {
  const type = Buffer.from(payloadType, "utf8");
  return Buffer.concat([
    Buffer.from(`DSSEv1 ${type.length} `, "ascii"),
    type,
    Buffer.from(` ${body.length} `, "ascii"),
    body,
  ]);
}

/**
 * Key id = lowercase hex sha256 of the public key's DER-encoded SubjectPublicKeyInfo
 * (what `openssl pkey -pubin -outform DER | sha256sum` prints).
 */
export function keyIdOf(publicKey: KeyObject): string {
  const der = publicKey.export({ type: "spki", format: "der" });
  return createHash("sha256").update(der).digest("hex");
}

function signBytes(privateKey: KeyObject, data: Buffer): Buffer {
  if (privateKey.asymmetricKeyType === "ed25519") return cryptoSign(null, data, privateKey);
  throw new Error(`unsupported signing key type ${privateKey.asymmetricKeyType ?? "unknown"}: Vouch signs with Ed25519`);
}

function verifyBytes(publicKey: KeyObject, data: Buffer, sig: Buffer): boolean {
  try {
    if (publicKey.asymmetricKeyType === "ed25519") return cryptoVerify(null, data, publicKey, sig);
    if (publicKey.asymmetricKeyType === "ec") {
      return cryptoVerify("sha256", data, { key: publicKey, dsaEncoding: "ieee-p1363" }, sig);
    }
  } catch {
    return false;
  }
  return false;
}

export function signEnvelope(body: Uint8Array, payloadType: string, signer: Signer): Envelope {
  const sig = signBytes(signer.privateKey, pae(payloadType, body));
  return {
    payloadType,
    payload: Buffer.from(body).toString("base64"),
    signatures: [{ keyid: signer.keyId, sig: sig.toString("base64") }],
  };
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
const BASE64URL = /^[A-Za-z0-9_-]*={0,2}$/;

/** Standard or URL-safe base64, strictly: anything else is a decoding failure, never a silent skip. */
export function decodeBase64(text: string): Buffer | null {
  if (typeof text !== "string") return null;
  if (BASE64.test(text)) {
    const out = Buffer.from(text, "base64");
    return out.toString("base64").replace(/=+$/, "") === text.replace(/=+$/, "") ? out : null;
  }
  if (BASE64URL.test(text)) {
    const out = Buffer.from(text, "base64url");
    return out.toString("base64url") === text.replace(/=+$/, "") ? out : null;
  }
  return null;
}

export type VerifyResult =
  | { ok: true; payload: Buffer; payloadType: string; keyId: string }
  | { ok: false; reason: string };

/**
 * Verify an envelope against trusted keys (id -> public key). Valid when at least one signature
 * verifies under a trusted key; the key id only narrows which key is tried first, and a signature
 * whose id names no trusted key is still tried against every key (the id is unauthenticated).
 * With `requireKeyId`, a signature counts only under the key its id names (Vouch always names it).
 * Returns the exact payload bytes that were verified: parse those, never the envelope again.
 */
export function verifyEnvelope(
  envelope: unknown,
  trusted: ReadonlyMap<string, KeyObject>,
  options: { requireKeyId?: boolean } = {},
): VerifyResult {
  if (typeof envelope !== "object" || envelope === null) return { ok: false, reason: "envelope is not a JSON object" };
  const env = envelope as Partial<Record<keyof Envelope, unknown>>;
  if (typeof env.payloadType !== "string") return { ok: false, reason: "envelope has no payloadType" };
  if (typeof env.payload !== "string") return { ok: false, reason: "envelope has no payload" };
  const body = decodeBase64(env.payload);
  if (!body) return { ok: false, reason: "payload is not valid base64" };
  if (!Array.isArray(env.signatures) || env.signatures.length === 0) return { ok: false, reason: "envelope has no signatures" };
  if (trusted.size === 0) return { ok: false, reason: "no trusted public keys to verify with" };
  const message = pae(env.payloadType, body);
  for (const s of env.signatures as unknown[]) {
    if (typeof s !== "object" || s === null) continue;
    const { keyid, sig } = s as { keyid?: unknown; sig?: unknown };
    if (typeof sig !== "string") continue;
    const raw = decodeBase64(sig);
    if (!raw) continue;
    const hinted = typeof keyid === "string" ? trusted.get(keyid) : undefined;
    // Strict mode (Vouch's own envelopes): the signature must name the trusted key that made it.
    if (options.requireKeyId && !hinted) continue;
    const order: [string, KeyObject][] = hinted ? [[keyid as string, hinted]] : [...trusted.entries()];
    for (const [id, key] of order) {
      if (verifyBytes(key, message, raw)) return { ok: true, payload: body, payloadType: env.payloadType, keyId: id };
    }
  }
  const named = (env.signatures as { keyid?: unknown }[]).map((s) => (typeof s?.keyid === "string" ? s.keyid : "")).filter(Boolean);
  const unknown = named.filter((k) => !trusted.has(k));
  return {
    ok: false,
    reason:
      unknown.length > 0 && unknown.length === named.length
        ? `signed by unknown key ${unknown.map((k) => k.slice(0, 16)).join(", ")}`
        : "no signature verifies under a trusted key",
  };
}

/** sha256 hex of bytes. */
export function sha256Hex(data: Uint8Array | string): string {
  return createHash("sha256").update(data).digest("hex");
}
