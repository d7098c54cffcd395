/**
 * Deterministic fake values for rule samples. Samples are built at load time so that no token-shaped literal
 * sits in our sources (which would trip this scanner, and GitHub push protection, on our own repository).
 */
import { tokenChecksum } from "../checksum.js";

export const UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
export const LOWER = "abcdefghijklmnopqrstuvwxyz";
export const DIGITS = "0123456789";
export const ALNUM = UPPER + LOWER + DIGITS;
export const HEX = "0123456789abcdef";
export const B64 = ALNUM + "+/";
export const B64URL = ALNUM + "-_";
export const BASE32 = UPPER + "234567";

/** `n` characters from `alphabet`, the same for the same seed (mulberry32). */
export function fake(alphabet: string, n: number, seed: number): string {
  let s = seed >>> 0;
  let out = "";
  for (let i = 0; i < n; i++) {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    const r = ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    out += alphabet[Math.floor(r * alphabet.length)];
  }
  return out;
}

/** A GitHub/npm-format token with a correct (`valid`) or deliberately wrong checksum. */
export function checksummedToken(prefix: string, seed: number, valid = true): string {
  const random = fake(ALNUM, 30, seed);
  const sum = tokenChecksum(random);
  const wrong = sum === "000000" ? "000001" : "000000";
  return `${prefix}_${random}${valid ? sum : wrong}`;
}

/** A base64url JSON segment, as in a JWT. */
export function b64json(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString("base64url");
}
