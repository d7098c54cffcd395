/**
 * OpenPGP detached signatures (what `gpg -bsau` makes for git) checked with openpgp.js.
 * openpgp.js judges the key at the signature's creation time, which the signer chooses; on
 * top of that, expiry is judged at the trusted time `at`. Revocation follows RFC 4880/9580:
 * hard revocations invalidate every signature, soft ones (superseded, retired) only later ones.
 */
import { config, enums, LiteralDataPacket, readSignature, SignaturePacket, type KeyID, type PublicKey, type Subkey } from "openpgp";
import { dearmorSignature, singleSignaturePacketBody } from "./openpgp-framing.js";
import { nativeVerify } from "./openpgp-native.js";
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

/** Expiry at the trusted time, memoised per key and time: one run judges every object at the same `at`. */
const expiryCache = new WeakMap<object, Map<number, Date | null>>();

/** The memoised expiry, or a promise of it the first time (so the common case costs no microtask). */
function expiredAt(key: PublicKey | Subkey, primary: PublicKey, at: Date): Date | null | Promise<Date | null> {
  let perKey = expiryCache.get(key);
  if (!perKey) {
    perKey = new Map();
    expiryCache.set(key, perKey);
  }
  const hit = perKey.get(at.getTime());
  if (hit !== undefined) return hit;
  const cache = perKey;
  return computeExpiredAt(key, primary, at).then((result) => {
    if (cache.size > 16) cache.clear();
    cache.set(at.getTime(), result);
    return result;
  });
}

async function computeExpiredAt(key: PublicKey | Subkey, primary: PublicKey, at: Date): Promise<Date | null> {
  const primaryExp = await primary.getExpirationTime();
  if (primaryExp instanceof Date && primaryExp.getTime() <= at.getTime()) return primaryExp;
  if (key !== primary) {
    const subExp = await (key as Subkey).getExpirationTime(at);
    if (subExp instanceof Date && subExp.getTime() <= at.getTime()) return subExp;
  }
  return null;
}

/** The checks openpgp.js makes after the math (SignaturePacket.verify), for the native path. */
function checkSignaturePacket(pkt: SignaturePacket, at: Date): void {
  const p = pkt as unknown as {
    unknownSubpackets?: Array<{ type: number; critical: boolean }>;
    rawNotations?: Array<{ name: string; critical: boolean }>;
    revocationKeyClass?: number | null;
  };
  if (!pkt.created) throw new Error("Signature has no creation time");
  if (pkt.created.getTime() > at.getTime()) throw new Error("Signature creation time is in the future");
  if (at.getTime() >= Number(pkt.getExpirationTime())) throw new Error("Signature is expired");
  const hash = pkt.hashAlgorithm;
  if (hash === null || config.rejectHashAlgorithms.has(hash) || config.rejectMessageHashAlgorithms.has(hash)) throw new Error("Insecure message hash algorithm");
  for (const sp of p.unknownSubpackets ?? []) if (sp.critical) throw new Error(`Unknown critical signature subpacket type ${sp.type}`);
  for (const n of p.rawNotations ?? []) if (n.critical && !config.knownNotations.includes(n.name)) throw new Error(`Unknown critical notation: ${n.name}`);
  if (p.revocationKeyClass !== null && p.revocationKeyClass !== undefined) throw new Error("Keys with an authorized revocation key are not supported");
}

/** A memoised judgement: pending, or settled (then read without awaiting). */
interface Judgement {
  promise: Promise<void>;
  settled?: { ok: true } | { ok: false; error: unknown };
}

/**
 * openpgp.js's judgement of a key at time T (getSigningKey) only compares T with times written
 * in the key: packet creation times, signature and key expiry times. Between two consecutive
 * such times the answer cannot change, so it is memoised per interval; large pushes signed by
 * one key then check the key once instead of once per commit.
 */
interface KeyTimeline {
  events: number[];
  results: Map<string, Judgement>;
}
const timelines = new WeakMap<object, KeyTimeline>();

function timelineOf(key: PublicKey): KeyTimeline {
  let t = timelines.get(key);
  if (t) return t;
  const times = new Set<number>();
  const keyCreations: number[] = [];
  const keyExpirySeconds: number[] = [];
  for (const packet of key.toPacketList()) {
    const p = packet as unknown as { created?: unknown; signatureExpirationTime?: unknown; keyExpirationTime?: unknown; algorithm?: unknown; signatureType?: unknown };
    if (!(p.created instanceof Date)) continue;
    const created = p.created.getTime();
    times.add(created);
    if (p.signatureType === undefined) keyCreations.push(created);
    if (typeof p.signatureExpirationTime === "number" && p.signatureExpirationTime > 0) times.add(created + p.signatureExpirationTime * 1000);
    if (typeof p.keyExpirationTime === "number" && p.keyExpirationTime > 0) keyExpirySeconds.push(p.keyExpirationTime);
  }
  // Every key creation time plus every key-expiry offset: a superset of the real expiry times, which only makes intervals finer.
  for (const c of keyCreations) for (const e of keyExpirySeconds) times.add(c + e * 1000);
  t = { events: [...times].sort((a, b) => a - b), results: new Map() };
  timelines.set(key, t);
  return t;
}

function intervalOf(events: readonly number[], at: number): string {
  let lo = 0;
  let hi = events.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((events[mid] ?? 0) < at) lo = mid + 1;
    else hi = mid;
  }
  return events[lo] === at ? `=${lo}` : `<${lo}`;
}

/** Resolves (or, once settled, returns) when openpgp.js finds `signing` valid for signing at `date`; throws its error otherwise. */
function signingKeyValidAt(key: PublicKey, signing: PublicKey | Subkey, date: Date): Promise<void> | undefined {
  const t = timelineOf(key);
  const memo = `${keyIdHex(signing)}${intervalOf(t.events, date.getTime())}`;
  let judgement = t.results.get(memo);
  if (!judgement) {
    const promise = key.getSigningKey(signing.getKeyID(), date, undefined, config).then(() => undefined);
    const j: Judgement = { promise };
    promise.then(
      () => (j.settled = { ok: true }),
      (error: unknown) => (j.settled = { ok: false, error }),
    );
    if (t.results.size > 1024) t.results.clear();
    t.results.set(memo, j);
    judgement = j;
  }
  const settled = judgement.settled;
  if (!settled) return judgement.promise;
  if (!settled.ok) throw settled.error;
  return undefined;
}

/** Hex key ids and fingerprints of trusted (sub)keys, computed once: openpgp.js converts bytes to hex on every call. */
const keyIdHexes = new WeakMap<object, string>();
const fingerprints = new WeakMap<object, string>();

function keyIdHex(key: PublicKey | Subkey): string {
  let hex = keyIdHexes.get(key);
  if (hex === undefined) keyIdHexes.set(key, (hex = key.getKeyID().toHex()));
  return hex;
}

function fingerprintOf(key: PublicKey | Subkey): string {
  let fp = fingerprints.get(key);
  if (fp === undefined) fingerprints.set(key, (fp = key.getFingerprint()));
  return fp;
}

/** Mirrors openpgp.js verify() for one detached binary signature, with the math done natively where possible. */
async function verifyWithKey(trusted: TrustedOpenPgpKey, signing: PublicKey | Subkey, pkt: SignaturePacket, payload: Buffer, at: Date): Promise<void> {
  const native = nativeVerify(pkt, signing.keyPacket, payload);
  if (native === undefined) {
    // A plain Uint8Array copy: openpgp.js type-checks with instanceof, which fails across realms (Jest VMs).
    const literal = new LiteralDataPacket();
    (literal as unknown as { setBytes(b: Uint8Array, f: enums.literal): void }).setBytes(new Uint8Array(payload), enums.literal.binary);
    await pkt.verify(signing.keyPacket, pkt.signatureType ?? enums.signature.binary, literal, at, true, config);
  } else if (!native) {
    throw new Error("Signed digest did not match");
  } else {
    checkSignaturePacket(pkt, at);
  }
  const created = pkt.created ?? new Date(0);
  if (signing.getCreationTime().getTime() > created.getTime()) throw new Error("Key is newer than the signature");
  // Valid (not expired, not revoked as of then, a signing key) when it signed; openpgp.js semantics.
  const pending = signingKeyValidAt(trusted.key, signing, created);
  if (pending) await pending;
}

interface SigningCandidate {
  trusted: TrustedOpenPgpKey;
  /** The trusted key's first (sub)key with the issuer key id: what openpgp.js's getKeys(id)[0] returns. */
  signing: PublicKey | Subkey;
}

/** openpgp.js's KeyID.isWildcard (all zeros), which its typings do not expose, on the id's hex. */
const isWildcard = (hex: string): boolean => /^0+$/.test(hex);

/**
 * Per trust list: key id (hex) → candidates, in trust-list order, built once (trust lists are
 * immutable); null when a trusted key's own id is the wildcard, which openpgp.js matches to anything.
 */
const keyIndexes = new WeakMap<readonly TrustedOpenPgpKey[], Map<string, SigningCandidate[]> | null>();

function keyIndex(keys: readonly TrustedOpenPgpKey[]): Map<string, SigningCandidate[]> | null {
  const cached = keyIndexes.get(keys);
  if (cached !== undefined) return cached;
  let index: Map<string, SigningCandidate[]> | null = new Map();
  for (const trusted of keys) {
    const seen = new Set<string>();
    for (const signing of trusted.key.getKeys()) {
      const id = keyIdHex(signing);
      if (isWildcard(id)) index = null;
      if (!index || seen.has(id)) continue;
      seen.add(id);
      const list = index.get(id) ?? [];
      list.push({ trusted, signing });
      index.set(id, list);
    }
  }
  keyIndexes.set(keys, index);
  return index;
}

/** Trusted keys holding a (sub)key with the signature's issuer key id, as openpgp.js's getKeys(id) finds them. */
function signingCandidates(keys: readonly TrustedOpenPgpKey[], issuer: KeyID, issuerHex: string): SigningCandidate[] {
  const index = isWildcard(issuerHex) ? null : keyIndex(keys);
  if (index) return index.get(issuerHex) ?? [];
  // Wildcards match every key in openpgp.js; rare enough to ask it directly.
  return keys.flatMap((trusted) => {
    const signing = trusted.key.getKeys(issuer)[0];
    return signing ? [{ trusted, signing }] : [];
  });
}

async function checkWith(trusted: TrustedOpenPgpKey, signing: PublicKey | Subkey, pkt: SignaturePacket, payload: Buffer, at: Date): Promise<OpenPgpResult> {
  const fingerprint = fingerprintOf(signing);
  try {
    await verifyWithKey(trusted, signing, pkt, payload, at);
  } catch (e) {
    return { ok: false, ...classify((e as Error).message), fingerprint, trusted };
  }
  try {
    let expired = expiredAt(signing, trusted.key, at);
    if (expired instanceof Promise) expired = await expired;
    if (expired) return { ok: false, status: "expired_key", detail: `key expired ${expired.toISOString()}, before the trusted time ${at.toISOString()}`, fingerprint, trusted };
  } catch (e) {
    return { ok: false, ...classify((e as Error).message), fingerprint, trusted };
  }
  return { ok: true, trusted: [trusted], fingerprint, created: pkt.created };
}

/**
 * The signature packets in an armored signature. The common case (one framed signature packet)
 * is parsed synchronously by openpgp.js's SignaturePacket; everything else, including every
 * packet that packet parser rejects, goes through readSignature so openpgp.js's own rules
 * (which packets are ignored, which errors are fatal) decide.
 */
async function readSignaturePackets(armored: string): Promise<SignaturePacket[]> {
  const binary = dearmorSignature(armored);
  const body = binary && singleSignaturePacketBody(binary);
  if (body) {
    const pkt = new SignaturePacket();
    try {
      pkt.read(body); // openpgp.js's default config, as readSignature uses
      return [pkt];
    } catch {
      // fall through: readSignature classifies the failure
    }
  }
  const signature = binary ? await readSignature({ binarySignature: binary }) : await readSignature({ armoredSignature: armored });
  return [...signature.packets];
}

export async function verifyOpenPgp(armored: string, payload: Buffer, keys: readonly TrustedOpenPgpKey[], at: Date): Promise<OpenPgpResult> {
  let packets: SignaturePacket[];
  try {
    packets = await readSignaturePackets(armored);
  } catch (e) {
    return { ok: false, status: "malformed", detail: `OpenPGP signature cannot be parsed (${((e as Error).message.split("\n")[0] ?? "").slice(0, 120)})`, fingerprint: null };
  }
  const pkt = packets[0];
  if (!pkt) return { ok: false, status: "malformed", detail: "OpenPGP armor holds no signature packet", fingerprint: null };
  if (packets.length > 1) return { ok: false, status: "multiple_signatures", detail: `OpenPGP armor holds ${packets.length} signature packets`, fingerprint: null };
  // readSignature keeps packets of an unsupported version or algorithm as unparsed placeholders.
  if (!(pkt instanceof SignaturePacket)) return { ok: false, status: "unsupported_format", detail: "OpenPGP signature packet has an unsupported version or algorithm", fingerprint: null };
  const issuerHex = pkt.issuerKeyID.toHex();
  const issuer = issuerHex.toUpperCase();
  if (pkt.hashAlgorithm !== null && WEAK_HASHES.has(pkt.hashAlgorithm)) {
    return { ok: false, status: "weak_algorithm", detail: `signature uses the weak hash ${hashName(pkt.hashAlgorithm)}`, fingerprint: issuer };
  }
  if (pkt.publicKeyAlgorithm !== null && WEAK_PUBKEYS.has(pkt.publicKeyAlgorithm)) {
    return { ok: false, status: "weak_algorithm", detail: "signature uses a DSA or ElGamal key", fingerprint: issuer };
  }
  const candidates = signingCandidates(keys, pkt.issuerKeyID, issuerHex);
  if (candidates.length === 0) return { ok: false, status: "unknown_key", detail: `key ${issuer} is not trusted`, fingerprint: issuer };
  // The same key may be trusted from several sources with different bindings; keep every one that verifies.
  let ok: Extract<OpenPgpResult, { ok: true }> | undefined;
  let first: OpenPgpResult | undefined;
  for (const { trusted, signing } of candidates) {
    const r = await checkWith(trusted, signing, pkt, payload, at);
    if (r.ok) ok = ok ? { ...ok, trusted: [...ok.trusted, ...r.trusted] } : r;
    else first ??= r;
  }
  return ok ?? first ?? { ok: false, status: "unknown_key", detail: `key ${issuer} is not trusted`, fingerprint: issuer };
}
