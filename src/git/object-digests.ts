/**
 * Digests of a raw commit or tag an auditor can recompute from any clone: the object exactly as
 * git stores it, and the bytes its signature covers. Recorded per object in the provenance.
 */
import { createHash } from "node:crypto";
import type { RawObject } from "./objects.js";
import { splitSigned } from "./signed.js";

const sha256 = (b: Uint8Array | string) => `sha256:${createHash("sha256").update(b).digest("hex")}`;

/** sha256 over the object exactly as git stores it: "<type> <len>\0" + body. */
export function rawObjectDigest(raw: RawObject): string {
  return sha256(Buffer.concat([Buffer.from(`${raw.type} ${raw.body.length}\0`, "ascii"), raw.body]));
}

/** sha256 of the bytes the signature covers (the object without its signature), or null when unreadable. */
export function signedPayloadDigest(raw: RawObject): string | null {
  if (raw.type !== "commit" && raw.type !== "tag") return null;
  try {
    return sha256(splitSigned(raw).payload);
  } catch {
    return null;
  }
}
