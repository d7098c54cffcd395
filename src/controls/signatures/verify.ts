/**
 * One verdict per commit or tag: the bytes are re-hashed to the id, the signed payload is
 * rebuilt as git does, the single signature is checked against the trust store at the
 * trusted time `at`, and the signer is bound to the committer (tagger). Never throws for bad
 * input: every failure becomes a non-`valid` verdict.
 */
import { hashObject, isObjectId, ObjectReadError, type ObjectSource, type RawObject } from "../../git/objects.js";
import { armorFormat, splitSigned, type SignedObject } from "../../git/signed.js";
import type { Person } from "../../git/headers.js";
import { verifyOpenPgp } from "./openpgp.js";
import { checkSshSignature, parseSshSignature } from "./ssh.js";
import { UnsupportedKeyError } from "./ssh-wire.js";
import { matchPatternList } from "./patterns.js";
import type { TrustStore, TrustedSshKey } from "./trust.js";
import { verdict, type ObjectVerdict, type SignatureVerdict } from "./types.js";

function personLabel(p: Person | undefined): string {
  return p ? `${p.name} <${p.email}>` : "nobody";
}

function role(obj: SignedObject): string {
  return obj.type === "commit" ? "committer" : "tagger";
}

function signerLabel(identity: string | null, email: string | null): string | null {
  if (identity && email) return `${identity} <${email}>`;
  return identity ?? email;
}

async function verifyOpenPgpObject(obj: SignedObject, armored: string, trust: TrustStore, at: Date): Promise<SignatureVerdict> {
  const r = await verifyOpenPgp(armored, obj.payload, trust.openpgp, at);
  const format = "openpgp" as const;
  if (!r.ok) {
    const who = r.trusted ? signerLabel(r.trusted.identity, r.trusted.emails[0] ?? null) : null;
    return verdict(r.status, r.detail, { format, key: r.fingerprint, signer: who });
  }
  const email = obj.signer?.email.toLowerCase();
  if (!trust.options.bindIdentity) {
    const t = r.trusted[0];
    return verdict("valid", `good OpenPGP signature by ${r.fingerprint}`, { format, key: r.fingerprint, signer: t ? signerLabel(t.identity, t.emails[0] ?? null) : null });
  }
  const bound = email === undefined ? undefined : r.trusted.find((t) => t.emails.includes(email));
  if (!bound) {
    const t = r.trusted[0];
    return verdict("identity_mismatch", `good signature, but key ${r.fingerprint} is not bound to ${role(obj)} ${personLabel(obj.signer)}`, {
      format,
      key: r.fingerprint,
      signer: t ? signerLabel(t.identity, t.emails[0] ?? null) : null,
    });
  }
  return verdict("valid", `good OpenPGP signature by ${r.fingerprint}`, { format, key: r.fingerprint, signer: signerLabel(bound.identity, email ?? null) });
}

function sshPrincipalMatches(entry: TrustedSshKey, email: string): boolean {
  if (entry.emails) return entry.emails.includes(email.toLowerCase());
  return matchPatternList(email, entry.principals);
}

/** Per trust list: key blob → its plain (non-CA) entries in file order. Built once; trust lists are immutable. */
const sshIndexes = new WeakMap<readonly TrustedSshKey[], Map<string, TrustedSshKey[]>>();

function sshEntriesFor(keys: readonly TrustedSshKey[], blob: Buffer): TrustedSshKey[] {
  let index = sshIndexes.get(keys);
  if (!index) {
    index = new Map();
    for (const e of keys) {
      if (e.certAuthority) continue;
      const id = e.keyBlob.toString("latin1");
      index.set(id, [...(index.get(id) ?? []), e]);
    }
    sshIndexes.set(keys, index);
  }
  return index.get(blob.toString("latin1")) ?? [];
}

function verifySshObject(obj: SignedObject, armored: string, trust: TrustStore, at: Date): SignatureVerdict {
  const format = "ssh" as const;
  let sig;
  try {
    sig = parseSshSignature(armored);
  } catch (e) {
    const status = e instanceof UnsupportedKeyError ? "unsupported_format" : "malformed";
    return verdict(status, (e as Error).message, { format });
  }
  const check = checkSshSignature(sig, obj.payload);
  if (!check.ok) return verdict(check.status, check.detail, { format, key: check.fingerprint ?? null });
  const key = check.fingerprint;
  const entries = sshEntriesFor(trust.ssh, sig.publicKeyBlob);
  if (entries.length === 0) return verdict("unknown_key", `SSH key ${key} is not trusted`, { format, key });
  const email = obj.signer?.email;
  const candidates = trust.options.bindIdentity ? entries.filter((e) => email !== undefined && sshPrincipalMatches(e, email)) : entries;
  if (candidates.length === 0) {
    return verdict("identity_mismatch", `good signature, but SSH key ${key} has no principal matching ${role(obj)} ${personLabel(obj.signer)}`, {
      format,
      key,
      signer: signerLabel(entries[0]?.identity ?? null, entries[0]?.principals ?? null),
    });
  }
  let failure: SignatureVerdict | undefined;
  for (const e of candidates) {
    const signer = signerLabel(e.identity, trust.options.bindIdentity ? (email ?? null) : e.principals);
    if (e.namespaces !== undefined && !matchPatternList("git", e.namespaces)) {
      failure ??= verdict("unknown_key", `SSH key ${key} is not allowed to sign in namespace "git" (${e.origin})`, { format, key, signer });
    } else if (e.validAfter && at.getTime() < e.validAfter.getTime()) {
      failure ??= verdict("expired_key", `SSH key ${key} is not valid until ${e.validAfter.toISOString()} (${e.origin})`, { format, key, signer });
    } else if (e.validBefore && at.getTime() >= e.validBefore.getTime()) {
      failure ??= verdict("expired_key", `SSH key ${key} stopped being valid ${e.validBefore.toISOString()} (${e.origin})`, { format, key, signer });
    } else {
      return verdict("valid", `good SSH signature by ${key}`, { format, key, signer });
    }
  }
  return failure ?? verdict("unknown_key", `SSH key ${key} is not trusted`, { format, key });
}

/** SSH and the failures before any cryptography answer at once; only OpenPGP needs a promise. */
function verifySignature(obj: SignedObject, trust: TrustStore, at: Date): SignatureVerdict | Promise<SignatureVerdict> {
  if (obj.signatures.length === 0) {
    const note = obj.otherSignatures.length > 0 ? " (only a signature for the other hash algorithm is present)" : "";
    return verdict("unsigned", `${obj.type} is not signed${note}`);
  }
  if (obj.signatures.length > 1) return verdict("multiple_signatures", `${obj.type} carries ${obj.signatures.length} signatures; exactly one is accepted`, { format: armorFormat(obj.signatures[0] ?? "") });
  const sig = obj.signatures[0] ?? Buffer.alloc(0);
  const format = armorFormat(sig);
  // Armor is ASCII; anything else in it is corruption, which the parsers then reject.
  const armored = sig.toString("latin1");
  switch (format) {
    case "openpgp":
      return verifyOpenPgpObject(obj, armored, trust, at);
    case "ssh":
      return verifySshObject(obj, armored, trust, at);
    case "x509":
      return verdict("unsupported_format", "X.509/gitsign signature recognised but not verified: no X.509 trust root is configured (full support may come later)", { format });
    default:
      return verdict("malformed", "signature block has no recognised armor");
  }
}

async function verifyMergetags(obj: SignedObject, trust: TrustStore, at: Date): Promise<SignatureVerdict | undefined> {
  for (const tag of obj.mergetags) {
    const v = await verifyParsed(tag, trust, at);
    if (v.status !== "valid") return { ...v, detail: `mergetag ${tag.id.slice(0, 12)}: ${v.detail}` };
    const target = splitSigned(tag).target;
    if (!target || !obj.parents.includes(target)) {
      return verdict("malformed", `mergetag ${tag.id.slice(0, 12)} points at ${String(target).slice(0, 64)}, which is not a parent`, { format: v.format, key: v.key, signer: v.signer });
    }
  }
  return undefined;
}

async function verifyParsed(raw: RawObject, trust: TrustStore, at: Date): Promise<SignatureVerdict> {
  let obj: SignedObject;
  try {
    obj = splitSigned(raw);
  } catch (e) {
    return verdict("malformed", `cannot parse ${raw.type}: ${(e as Error).message}`);
  }
  const pending = verifySignature(obj, trust, at);
  const own = pending instanceof Promise ? await pending : pending;
  if (own.status !== "valid" || obj.mergetags.length === 0) return own;
  return (await verifyMergetags(obj, trust, at)) ?? own;
}

function typeOf(raw: RawObject): "commit" | "tag" {
  return raw.type === "tag" ? "tag" : "commit";
}

/** The verdict for one raw commit or tag at the trusted time `at`. */
export async function verifyObject(raw: RawObject, trust: TrustStore, at: Date): Promise<ObjectVerdict> {
  const base = { id: raw.id, type: typeOf(raw) };
  try {
    if (raw.type !== "commit" && raw.type !== "tag") return { ...base, signature: verdict("malformed", `object is a ${String(raw.type)}, not a commit or tag`) };
    if (!isObjectId(raw.id)) return { ...base, signature: verdict("malformed", "object id is not a full hex id") };
    const algorithm = raw.id.length === 40 ? "sha1" : "sha256";
    if (hashObject(raw.type, raw.body, algorithm) !== raw.id) {
      return { ...base, signature: verdict("malformed", "object bytes do not hash to its id") };
    }
    return { ...base, signature: await verifyParsed(raw, trust, at) };
  } catch (e) {
    // Defence in depth: a bug or an unforeseen library error must fail closed, not crash the run.
    return { ...base, signature: verdict("malformed", `verification failed: ${(e as Error).message}`) };
  }
}

export interface VerifyRevisionsOptions {
  /** Objects read and verified concurrently (default 32); verification awaits WebCrypto, so overlap pays. */
  concurrency?: number;
}

/**
 * Verifies objects by id, streaming, in input order, each at its trusted time (`at`, or `at(id)`
 * when each object has its own first-observation time): memory stays bounded by the concurrency
 * window however many ids there are. Objects that do not hash to their id, or are too large,
 * become `malformed` verdicts; a missing object or a broken source is an input error and rejects.
 */
export async function* verifyRevisions(
  source: ObjectSource,
  ids: Iterable<string> | AsyncIterable<string>,
  trust: TrustStore,
  at: Date | ((id: string) => Date),
  options: VerifyRevisionsOptions = {},
): AsyncGenerator<ObjectVerdict> {
  const window = Math.max(1, options.concurrency ?? 32);
  const timeOf = typeof at === "function" ? at : () => at;
  const settle = async (id: string): Promise<ObjectVerdict> => {
    try {
      return await verifyObject(await source.read(id), trust, timeOf(id));
    } catch (e) {
      if (e instanceof ObjectReadError && (e.code === "hash_mismatch" || e.code === "too_large")) {
        return { id, type: "commit", signature: verdict("malformed", e.message) };
      }
      throw e;
    }
  };
  const pending: Array<Promise<ObjectVerdict>> = [];
  try {
    for await (const id of ids) {
      const p = settle(id);
      p.catch(() => undefined); // observed when its turn comes; avoids an unhandled rejection meanwhile
      pending.push(p);
      if (pending.length >= window) {
        const next = pending.shift();
        if (next) yield await next;
      }
    }
    while (pending.length > 0) {
      const next = pending.shift();
      if (next) yield await next;
    }
  } finally {
    pending.length = 0;
  }
}
