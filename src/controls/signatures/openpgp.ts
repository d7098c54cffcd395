/**
 * OpenPGP detached signatures (what `gpg -bsau` makes for git) checked with openpgp.js.
 * openpgp.js judges the key at the signature's creation time, which the signer chooses; on
 * top of that, expiry is judged at the trusted time `at`. Revocation follows RFC 4880/9580:
 * hard revocations invalidate every signature, soft ones (superseded, retired) only later ones.
 */
import { createMessage, enums, readSignature, verify, type PublicKey, type Signature, type SignaturePacket, type Subkey } from "openpgp";
import type { TrustedOpenPgpKey } from "./trust.js";
import type { SignatureStatus } from "./types.js";

export type OpenPgpResult =
  | { ok: true; trusted: TrustedOpenPgpKey[]; fingerprint: string; created: Date | null }
  | { ok: false; status: SignatureStatus; detail: string; fingerprint: string | null; trusted?: TrustedOpenPgpKey };

const WEAK_HASHES = new Set<number>([enums.hash.md5, enums.hash.sha1, enums.hash.ripemd]);
const WEAK_PUBKEYS = new Set<number>([enums.publicKey.dsa, enums.publicKey.elgamal]);

function hashName(id: number | null): string {
  const entry = Object.entries(enums.hash).find(([, v]) => v === id);
  return entry ? entry[0].toUpperCase() : `hash ${String(id)}`;
}

/** Maps openpgp.js failure messages onto our statuses; unknown failures never verify. */
function classify(message: string): { status: SignatureStatus; detail: string } {
  const m = message.split("\n")[0] ?? "";
  if (/revoked/i.test(m)) return { status: "revoked_key", detail: `key is revoked (${m})` };
  if (/expired/i.test(m)) return { status: "expired_key", detail: `key or signature expired (${m})` };
  if (/too weak|insecure/i.test(m)) return { status: "weak_algorithm", detail: m };
  if (/authorized key|not support/i.test(m)) return { status: "unsupported_format", detail: m };
  if (/Could not find/i.test(m)) return { status: "unknown_key", detail: `no valid signing key for the signature (${m})` };
  return { status: "bad_signature", detail: `OpenPGP signature does not verify (${m})` };
}

async function expiredAt(key: PublicKey | Subkey, primary: PublicKey, at: Date): Promise<Date | null> {
  const primaryExp = await primary.getExpirationTime();
  if (primaryExp instanceof Date && primaryExp.getTime() <= at.getTime()) return primaryExp;
  if (key !== primary) {
    const subExp = await (key as Subkey).getExpirationTime(at);
    if (subExp instanceof Date && subExp.getTime() <= at.getTime()) return subExp;
  }
  return null;
}

async function checkWith(trusted: TrustedOpenPgpKey, signature: Signature, pkt: SignaturePacket, payload: Buffer, at: Date): Promise<OpenPgpResult> {
  const signing = trusted.key.getKeys(pkt.issuerKeyID)[0];
  const fingerprint = signing ? signing.getFingerprint() : trusted.key.getFingerprint();
  try {
    // A plain Uint8Array copy: openpgp.js type-checks with instanceof, which fails across realms (Jest VMs).
    const message = await createMessage({ binary: new Uint8Array(payload) });
    const result = await verify({ message, signature, verificationKeys: [trusted.key], format: "binary", date: at, expectSigned: false });
    const [only] = result.signatures;
    if (!only || result.signatures.length !== 1) return { ok: false, status: "multiple_signatures", detail: "more than one OpenPGP signature packet", fingerprint };
    await only.verified;
  } catch (e) {
    return { ok: false, ...classify((e as Error).message), fingerprint, trusted };
  }
  if (signing) {
    try {
      const expired = await expiredAt(signing, trusted.key, at);
      if (expired) return { ok: false, status: "expired_key", detail: `key expired ${expired.toISOString()}, before the trusted time ${at.toISOString()}`, fingerprint, trusted };
    } catch (e) {
      return { ok: false, ...classify((e as Error).message), fingerprint, trusted };
    }
  }
  return { ok: true, trusted: [trusted], fingerprint, created: pkt.created };
}

export async function verifyOpenPgp(armored: string, payload: Buffer, keys: readonly TrustedOpenPgpKey[], at: Date): Promise<OpenPgpResult> {
  let signature: Signature;
  try {
    signature = await readSignature({ armoredSignature: armored });
  } catch (e) {
    return { ok: false, status: "malformed", detail: `OpenPGP signature cannot be parsed (${((e as Error).message.split("\n")[0] ?? "").slice(0, 120)})`, fingerprint: null };
  }
  const packets = [...signature.packets];
  const pkt = packets[0];
  if (!pkt) return { ok: false, status: "malformed", detail: "OpenPGP armor holds no signature packet", fingerprint: null };
  if (packets.length > 1) return { ok: false, status: "multiple_signatures", detail: `OpenPGP armor holds ${packets.length} signature packets`, fingerprint: null };
  const issuer = pkt.issuerKeyID.toHex().toUpperCase();
  if (pkt.hashAlgorithm !== null && WEAK_HASHES.has(pkt.hashAlgorithm)) {
    return { ok: false, status: "weak_algorithm", detail: `signature uses the weak hash ${hashName(pkt.hashAlgorithm)}`, fingerprint: issuer };
  }
  if (pkt.publicKeyAlgorithm !== null && WEAK_PUBKEYS.has(pkt.publicKeyAlgorithm)) {
    return { ok: false, status: "weak_algorithm", detail: "signature uses a DSA or ElGamal key", fingerprint: issuer };
  }
  const candidates = keys.filter((t) => t.key.getKeys(pkt.issuerKeyID).length > 0);
  if (candidates.length === 0) return { ok: false, status: "unknown_key", detail: `key ${issuer} is not trusted`, fingerprint: issuer };
  // The same key may be trusted from several sources with different bindings; keep every one that verifies.
  let ok: Extract<OpenPgpResult, { ok: true }> | undefined;
  let first: OpenPgpResult | undefined;
  for (const trusted of candidates) {
    const r = await checkWith(trusted, signature, pkt, payload, at);
    if (r.ok) ok = ok ? { ...ok, trusted: [...ok.trusted, ...r.trusted] } : r;
    else first ??= r;
  }
  return ok ?? first ?? { ok: false, status: "unknown_key", detail: `key ${issuer} is not trusted`, fingerprint: issuer };
}
