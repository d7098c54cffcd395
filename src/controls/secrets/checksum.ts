/** Offline checksums some token formats carry, so a look-alike can be told from a real token without a network call. */
import { crc32 } from "node:zlib";

const BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

export function base62(n: number): string {
  if (n === 0) return "0";
  let out = "";
  let v = n;
  while (v > 0) {
    out = BASE62[v % 62] + out;
    v = Math.floor(v / 62);
  }
  return out;
}

/** Checksum of GitHub's 2021 token format (also npm's): base62 of the CRC32 of the random part, 6 characters. */
export function tokenChecksum(randomPart: string): string {
  return base62(crc32(Buffer.from(randomPart, "utf8"))).padStart(6, "0");
}

/**
 * True when `token` is `<prefix>_<30 random><6 checksum>` with a matching checksum.
 * The prefix is everything up to the last `_`.
 */
export function hasValidTokenChecksum(token: string): boolean {
  const sep = token.lastIndexOf("_");
  const body = token.slice(sep + 1);
  if (sep < 0 || body.length !== 36) return false;
  return tokenChecksum(body.slice(0, 30)) === body.slice(30);
}
