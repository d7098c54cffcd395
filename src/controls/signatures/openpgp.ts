/**
 * OpenPGP detached signatures (what `gpg -bsau` makes for git) checked with openpgp.js.
 * openpgp.js judges the key at the signature's creation time, which the signer chooses; on
 * top of that, expiry is judged at the trusted time `at`. Revocation follows RFC 4880/9580:
 * hard revocations invalidate every signature, soft ones (superseded, retired) only later ones.
 */
import { config, enums, LiteralDataPacket, readSignature, SignaturePacket, type KeyID, type PublicKey, type Subkey } from "openpgp";
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

/**
 * ASCII armor → packet bytes, for the common well-formed case only (openpgp.js's armor reader
 * is several times slower). Returns undefined for anything unusual; the caller then lets
 * openpgp.js read the armor itself, so this never decides validity.
 */
export function dearmorSignature(armored: string): Uint8Array | undefined {
  const lines = armored.split("\n").map((l) => (l.endsWith("\r") ? l.slice(0, -1) : l));
  while (lines.length > 0 && lines[lines.length - 1] === "") lines.pop();
  if (lines[0] !== "-----BEGIN PGP SIGNATURE-----" || lines[lines.length - 1] !== "-----END PGP SIGNATURE-----") return undefined;
  let i = 1;
  while (i < lines.length - 1 && lines[i] !== "") {
    if (!/^[A-Za-z]+: /.test(lines[i] ?? "")) return undefined;
    i++;
  }
  if (lines[i] !== "") return undefined;
  const body = lines.slice(i + 1, -1);
  if (body.length > 0 && /^=[A-Za-z0-9+/]{4}$/.test(body[body.length - 1] ?? "")) body.pop();
  const b64 = body.join("");
  if (b64.length === 0 || b64.length % 4 !== 0 || !/^[A-Za-z0-9+/]+={0,2}$/.test(b64)) return undefined;
  return new Uint8Array(Buffer.from(b64, "base64"));
}

/** Expiry at the trusted time, memoised per key and time: one run judges every object at the same `at`. */
const expiryCache = new WeakMap<object, Map<number, Date | null>>();

async function expiredAt(key: PublicKey | Subkey, primary: PublicKey, at: Date): Promise<Date | null> {
  let perKey = expiryCache.get(key);
  if (!perKey) {
    perKey = new Map();
    expiryCache.set(key, perKey);
  }
  const hit = perKey.get(at.getTime());
  if (hit !== undefined) return hit;
  const result = await computeExpiredAt(key, primary, at);
  if (perKey.size > 16) perKey.clear();
  perKey.set(at.getTime(), result);
  return result;
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

/**
 * openpgp.js's judgement of a key at time T (getSigningKey) only compares T with times written
 * in the key: packet creation times, signature and key expiry times. Between two consecutive
 * such times the answer cannot change, so it is memoised per interval; large pushes signed by
 * one key then check the key once instead of once per commit.
 */
interface KeyTimeline {
  events: number[];
  results: Map<string, Promise<void>>;
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

function signingKeyValidAt(key: PublicKey, keyID: Parameters<PublicKey["getSigningKey"]>[0], date: Date): Promise<void> {
  const t = timelineOf(key);
  const memo = `${keyID?.toHex() ?? ""}${intervalOf(t.events, date.getTime())}`;
  let result = t.results.get(memo);
  if (!result) {
    result = key.getSigningKey(keyID, date, undefined, config).then(() => undefined);
    result.catch(() => undefined);
    if (t.results.size > 1024) t.results.clear();
    t.results.set(memo, result);
  }
  return result;
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
  await signingKeyValidAt(trusted.key, signing.getKeyID(), created);
}

interface SigningCandidate {
  trusted: TrustedOpenPgpKey;
  /** The trusted key's first (sub)key with the issuer key id: what openpgp.js's getKeys(id)[0] returns. */
  signing: PublicKey | Subkey;
}

/** openpgp.js's KeyID.isWildcard (all zeros), which its typings do not expose. */
const isWildcard = (keyID: KeyID): boolean => /^0+$/.test(keyID.toHex());

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
      const keyID = signing.getKeyID();
      if (isWildcard(keyID)) index = null;
      const id = keyID.toHex();
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
function signingCandidates(keys: readonly TrustedOpenPgpKey[], issuer: KeyID): SigningCandidate[] {
  const index = isWildcard(issuer) ? null : keyIndex(keys);
  if (index) return index.get(issuer.toHex()) ?? [];
  // Wildcards match every key in openpgp.js; rare enough to ask it directly.
  return keys.flatMap((trusted) => {
    const signing = trusted.key.getKeys(issuer)[0];
    return signing ? [{ trusted, signing }] : [];
  });
}

async function checkWith(trusted: TrustedOpenPgpKey, signing: PublicKey | Subkey, pkt: SignaturePacket, payload: Buffer, at: Date): Promise<OpenPgpResult> {
  const fingerprint = signing.getFingerprint();
  try {
    await verifyWithKey(trusted, signing, pkt, payload, at);
  } catch (e) {
    return { ok: false, ...classify((e as Error).message), fingerprint, trusted };
  }
  try {
    const expired = await expiredAt(signing, trusted.key, at);
    if (expired) return { ok: false, status: "expired_key", detail: `key expired ${expired.toISOString()}, before the trusted time ${at.toISOString()}`, fingerprint, trusted };
  } catch (e) {
    return { ok: false, ...classify((e as Error).message), fingerprint, trusted };
  }
  return { ok: true, trusted: [trusted], fingerprint, created: pkt.created };
}

/**
 * The body of `bytes` when it is exactly one signature packet with a definite length (the only
 * shape gpg writes for git), else undefined. Only the packet framing (RFC 9580 4.2) is read
 * here; the body is for openpgp.js's own SignaturePacket parser.
 */
export function singleSignaturePacketBody(bytes: Uint8Array): Uint8Array | undefined {
  const first = bytes[0];
  if (first === undefined || (first & 0x80) === 0) return undefined;
  let start: number;
  let length: number;
  if (first & 0x40) {
    if ((first & 0x3f) !== enums.packet.signature) return undefined;
    const l0 = bytes[1];
    if (l0 === undefined) return undefined;
    if (l0 < 192) [start, length] = [2, l0];
    else if (l0 < 224) [start, length] = [3, ((l0 - 192) << 8) + (bytes[2] ?? 0) + 192];
    else if (l0 === 255) [start, length] = [6, (((bytes[2] ?? 0) << 24) | ((bytes[3] ?? 0) << 16) | ((bytes[4] ?? 0) << 8) | (bytes[5] ?? 0)) >>> 0];
    else return undefined; // partial lengths: not allowed for signatures; openpgp.js reports it
  } else {
    if ((first & 0x3f) >> 2 !== enums.packet.signature) return undefined;
    const lengthType = first & 0x03;
    if (lengthType === 0) [start, length] = [2, bytes[1] ?? 0];
    else if (lengthType === 1) [start, length] = [3, ((bytes[1] ?? 0) << 8) | (bytes[2] ?? 0)];
    else if (lengthType === 2) [start, length] = [5, (((bytes[1] ?? 0) << 24) | ((bytes[2] ?? 0) << 16) | ((bytes[3] ?? 0) << 8) | (bytes[4] ?? 0)) >>> 0];
    else return undefined; // indeterminate length
  }
  // Anything after the packet (a second signature, padding, garbage) goes the long way.
  if (start > bytes.length || start + length !== bytes.length) return undefined;
  return bytes.subarray(start);
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
  const issuer = pkt.issuerKeyID.toHex().toUpperCase();
  if (pkt.hashAlgorithm !== null && WEAK_HASHES.has(pkt.hashAlgorithm)) {
    return { ok: false, status: "weak_algorithm", detail: `signature uses the weak hash ${hashName(pkt.hashAlgorithm)}`, fingerprint: issuer };
  }
  if (pkt.publicKeyAlgorithm !== null && WEAK_PUBKEYS.has(pkt.publicKeyAlgorithm)) {
    return { ok: false, status: "weak_algorithm", detail: "signature uses a DSA or ElGamal key", fingerprint: issuer };
  }
  const candidates = signingCandidates(keys, pkt.issuerKeyID);
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
