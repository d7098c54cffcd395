/**
 * Fast paths for the shape gpg writes for git: ASCII armor around exactly one signature packet
 * with a definite length. Both only ever decline: anything unusual returns undefined and the
 * caller lets openpgp.js read the input itself, so neither decides validity.
 */
import { enums } from "openpgp";

const BEGIN = "-----BEGIN PGP SIGNATURE-----";
const END = "-----END PGP SIGNATURE-----";

/** Base64 alphabet membership by character code (ASCII only). */
const BASE64 = new Uint8Array(128);
for (const c of "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/") BASE64[c.charCodeAt(0)] = 1;
const EQUALS = 0x3d;
const CR = 0x0d;

const isLetter = (c: number): boolean => (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);

/** `Name: ` at the start of [start, end): an armor header line (RFC 9580 6.2). */
function isHeaderLine(s: string, start: number, end: number): boolean {
  let i = start;
  while (i < end && isLetter(s.charCodeAt(i))) i++;
  return i > start && i + 2 <= end && s.charCodeAt(i) === 0x3a && s.charCodeAt(i + 1) === 0x20;
}

/** `=` and four base64 characters filling [start, end): the armor checksum line. */
function isChecksumLine(s: string, start: number, end: number): boolean {
  if (end - start !== 5 || s.charCodeAt(start) !== EQUALS) return false;
  for (let i = start + 1; i < end; i++) if (BASE64[s.charCodeAt(i)] !== 1) return false;
  return true;
}

/**
 * ASCII armor → packet bytes, for the common well-formed case only (openpgp.js's armor reader
 * is several times slower): the BEGIN line, `Name: value` headers, an empty line, base64 lines
 * (padding only at the very end), an optional `=XXXX` checksum line, the END line; LF or CRLF
 * line ends, trailing empty lines ignored. One pass, no line strings.
 */
export function dearmorSignature(armored: string): Uint8Array | undefined {
  // Line i spans [starts[i], ends[i]) without its "\n" and without one "\r" before it.
  const starts: number[] = [];
  const ends: number[] = [];
  for (let pos = 0; ; ) {
    const nl = armored.indexOf("\n", pos);
    const stop = nl < 0 ? armored.length : nl;
    starts.push(pos);
    ends.push(stop > pos && armored.charCodeAt(stop - 1) === CR ? stop - 1 : stop);
    if (nl < 0) break;
    pos = nl + 1;
  }
  let n = starts.length;
  while (n > 0 && ends[n - 1] === starts[n - 1]) n--;
  const is = (i: number, text: string): boolean => ends[i]! - starts[i]! === text.length && armored.startsWith(text, starts[i]);
  if (n < 2 || !is(0, BEGIN) || !is(n - 1, END)) return undefined;
  let i = 1;
  while (i < n - 1 && ends[i] !== starts[i]) {
    if (!isHeaderLine(armored, starts[i]!, ends[i]!)) return undefined;
    i++;
  }
  if (i >= n - 1) return undefined; // no empty line before the END line
  let last = n - 2; // the last body line
  if (last > i && isChecksumLine(armored, starts[last]!, ends[last]!)) last--;
  // The joined body must be base64 with at most two `=` at its very end.
  let length = 0;
  let padding = 0;
  for (let l = i + 1; l <= last; l++) {
    for (let k = starts[l]!; k < ends[l]!; k++) {
      const c = armored.charCodeAt(k);
      if (c === EQUALS) padding++;
      else if (padding > 0 || BASE64[c] !== 1) return undefined;
      length++;
    }
  }
  if (length === 0 || length === padding || padding > 2 || length % 4 !== 0) return undefined;
  // Node's base64 decoder skips the line breaks between the lines checked above.
  const region = armored.slice(starts[i + 1], ends[last]);
  return new Uint8Array(Buffer.from(region, "base64"));
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
