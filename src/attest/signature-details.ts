/**
 * The signatures control's per-object provenance details, built from the raw objects it read and
 * its verdicts: digests an auditor recomputes from a clone (see src/ledger/clone-check.ts).
 */
import { createHash } from "node:crypto";
import type { RawObject } from "../git/objects.js";
import { splitSigned } from "../git/signed.js";
import type { ObjectVerdict } from "../controls/signatures/types.js";
import type { ControlDetails } from "./provenance.js";

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

export function signatureDetails(objects: readonly { raw: RawObject; verdict: ObjectVerdict }[]): NonNullable<ControlDetails["signatures"]> {
  return {
    objects: objects.map(({ raw, verdict }) => ({
      oid: raw.id,
      type: verdict.type,
      status: verdict.signature.status,
      format: verdict.signature.format ?? "none",
      keyFingerprint: verdict.signature.key,
      payloadDigest: signedPayloadDigest(raw),
      rawObjectDigest: rawObjectDigest(raw),
    })),
  };
}
