/**
 * Splits a commit or tag into the exact bytes git signed and the signature(s) over them,
 * following git's own rules (gitformat-signature, hash-function-transition):
 * - commits: every `gpgsig` and `gpgsig-sha256` header is removed from the payload; the
 *   native one (`gpgsig` in SHA-1 repositories, `gpgsig-sha256` in SHA-256 ones) is the signature;
 * - tags: the signature is the trailing armored block of the message, starting at the last line
 *   that begins with a known armor marker; signature headers for the other hash are removed too.
 */
import { algorithmOf, hashObject, type HashAlgorithm, type RawObject } from "./objects.js";
import { headerText, MalformedObjectError, parseHeaders, parsePerson, type HeaderField, type Person } from "./headers.js";

export type ArmorFormat = "openpgp" | "ssh" | "x509";

const ARMOR_MARKERS: ReadonlyArray<readonly [string, ArmorFormat]> = [
  ["-----BEGIN PGP SIGNATURE-----", "openpgp"],
  ["-----BEGIN PGP MESSAGE-----", "openpgp"],
  ["-----BEGIN SIGNED MESSAGE-----", "x509"],
  ["-----BEGIN SSH SIGNATURE-----", "ssh"],
];

/** The format a signature block announces by its first line, or null when it is none git knows. */
export function armorFormat(signature: Buffer | string): ArmorFormat | null {
  const text = typeof signature === "string" ? signature : signature.subarray(0, 64).toString("latin1");
  for (const [marker, format] of ARMOR_MARKERS) if (text.startsWith(marker)) return format;
  return null;
}

/** Offsets of every line in `buf[from..]` that starts with a known armor marker. */
function armorLineStarts(buf: Buffer, from: number): number[] {
  const starts: number[] = [];
  let pos = from;
  while (pos < buf.length) {
    if (buf[pos] === 0x2d /* '-' */ && armorFormat(buf.subarray(pos, pos + 40)) !== null) starts.push(pos);
    const nl = buf.indexOf(0x0a, pos);
    if (nl < 0) break;
    pos = nl + 1;
  }
  return starts;
}

export interface SignedObject {
  id: string;
  type: "commit" | "tag";
  algorithm: HashAlgorithm;
  /** The bytes the signature covers. */
  payload: Buffer;
  /** Native-hash signatures found. More than one (headers or armored blocks) is rejected by the verifier. */
  signatures: Buffer[];
  /** Signatures made for the other hash algorithm of a dual-hash object; recorded, not verified. */
  otherSignatures: Buffer[];
  /** Committer (commit) or tagger (tag): the person the signer must be. */
  signer: Person | undefined;
  /** Commit parents; empty for tags. */
  parents: string[];
  /** Tag target; undefined for commits. */
  target: string | undefined;
  /** Embedded tag objects from `mergetag` headers (commits only), as raw objects with computed ids. */
  mergetags: RawObject[];
}

function withoutFields(body: Buffer, drop: readonly HeaderField[], end = body.length): Buffer {
  const parts: Buffer[] = [];
  let pos = 0;
  for (const f of [...drop].sort((a, b) => a.start - b.start)) {
    parts.push(body.subarray(pos, f.start));
    pos = f.end;
  }
  parts.push(body.subarray(pos, end));
  return Buffer.concat(parts);
}

function countBlocks(sig: Buffer): number {
  return Math.max(1, armorLineStarts(sig, 0).length);
}

function single(fields: readonly HeaderField[], name: string): string | undefined {
  const matching = fields.filter((f) => f.name === name);
  if (matching.length > 1) throw new MalformedObjectError(`more than one ${name} header`);
  const f = matching[0];
  return f ? headerText(f) : undefined;
}

/** Parses a commit or tag. Throws MalformedObjectError on structure git itself would not produce. */
export function splitSigned(raw: RawObject): SignedObject {
  if (raw.type !== "commit" && raw.type !== "tag") throw new MalformedObjectError(`a ${raw.type} carries no signature`);
  const algorithm = algorithmOf(raw.id);
  const { fields, messageStart } = parseHeaders(raw.body);
  const sigFields = fields.filter((f) => f.name === "gpgsig" || f.name === "gpgsig-sha256");
  const nativeName = algorithm === "sha1" ? "gpgsig" : "gpgsig-sha256";

  if (raw.type === "commit") {
    const tree = single(fields, "tree");
    if (!tree) throw new MalformedObjectError("commit without a tree header");
    const committer = single(fields, "committer");
    const signer = committer === undefined ? undefined : parsePerson(committer);
    if (!signer) throw new MalformedObjectError("commit without a well-formed committer");
    const native = sigFields.filter((f) => f.name === nativeName).map((f) => f.value);
    // A header holding several armored blocks counts as several signatures.
    const signatures = native.flatMap((sig) => new Array<Buffer>(countBlocks(sig)).fill(sig));
    return {
      id: raw.id,
      type: "commit",
      algorithm,
      payload: withoutFields(raw.body, sigFields),
      signatures,
      otherSignatures: sigFields.filter((f) => f.name !== nativeName).map((f) => f.value),
      signer,
      parents: fields.filter((f) => f.name === "parent").map(headerText),
      target: undefined,
      mergetags: fields
        .filter((f) => f.name === "mergetag")
        .map((f) => ({ id: hashObject("tag", f.value, algorithm), type: "tag" as const, body: f.value })),
    };
  }

  const target = single(fields, "object");
  if (!target) throw new MalformedObjectError("tag without an object header");
  const tagger = single(fields, "tagger");
  const signer = tagger === undefined ? undefined : parsePerson(tagger);
  const blocks = armorLineStarts(raw.body, messageStart);
  const last = blocks[blocks.length - 1];
  const sigStart = last ?? raw.body.length;
  // Every armored block in the message is a signature as far as we are concerned: git would
  // silently treat all but the last as message text, which lets a second signer hide.
  const signatures = blocks.map((start, i) => raw.body.subarray(start, blocks[i + 1] ?? raw.body.length));
  return {
    id: raw.id,
    type: "tag",
    algorithm,
    payload: withoutFields(raw.body, sigFields, sigStart),
    signatures,
    otherSignatures: sigFields.map((f) => f.value),
    signer,
    parents: [],
    target,
    mergetags: [],
  };
}
