/**
 * Raw git objects as bytes. Everything signature-related works on Buffers and never
 * round-trips through strings, because any normalisation breaks the signed payload.
 */
import { createHash } from "node:crypto";

export type ObjectType = "commit" | "tag" | "tree" | "blob";
export type HashAlgorithm = "sha1" | "sha256";

export interface RawObject {
  /** Hex object id (40 chars for SHA-1 repositories, 64 for SHA-256). */
  id: string;
  type: ObjectType;
  /** The object content, without the `<type> <len>\0` prefix. */
  body: Buffer;
}

/** Where raw objects come from: a local clone today, objects fetched over smart HTTP later. */
export interface ObjectSource {
  /** Resolves the object; rejects with ObjectReadError when it is missing, too large, or does not hash to `id`. */
  read(id: string): Promise<RawObject>;
}

export class ObjectReadError extends Error {
  constructor(
    message: string,
    readonly code: "missing" | "too_large" | "hash_mismatch" | "bad_id" | "io",
  ) {
    super(message);
    this.name = "ObjectReadError";
  }
}

const HEX_ID = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/;

export function isObjectId(id: string): boolean {
  return HEX_ID.test(id);
}

/** The object format follows from the id length, so the parser stays hash-agnostic. */
export function algorithmOf(id: string): HashAlgorithm {
  if (!isObjectId(id)) throw new ObjectReadError(`not a full object id: ${JSON.stringify(id.slice(0, 80))}`, "bad_id");
  return id.length === 40 ? "sha1" : "sha256";
}

/** The id git gives `body` as an object of `type`: hash("<type> <len>\0" + body). */
export function hashObject(type: string, body: Uint8Array, algorithm: HashAlgorithm): string {
  return createHash(algorithm).update(`${type} ${body.length}\0`).update(body).digest("hex");
}

/** Throws unless the bytes really are the object they claim to be. */
export function assertObjectId(raw: RawObject): void {
  const actual = hashObject(raw.type, raw.body, algorithmOf(raw.id));
  if (actual !== raw.id) {
    throw new ObjectReadError(`object ${raw.id} hashes to ${actual}`, "hash_mismatch");
  }
}
