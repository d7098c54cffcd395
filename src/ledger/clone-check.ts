/**
 * `vouch audit verify --repo DIR`: check exported provenance against a clone. Each attested
 * revision must exist in the clone (read and re-hashed to its id), and each signed object's
 * recorded raw-object and payload digests must match the bytes in the clone.
 * Re-running signature verification needs the policy's trust store; callers can add it through
 * the signatures control's verifyLocalRevisions with the same hook.
 */
import { CatFileSource } from "../git/cat-file.js";
import { ObjectReadError } from "../git/objects.js";
import { rawObjectDigest, signedPayloadDigest } from "../attest/signature-details.js";
import { PROVENANCE_PREDICATE_TYPE } from "../attest/provenance.js";
import type { VerifiedEntry, VerifyFailure } from "./verify.js";

interface SigObject {
  oid: string;
  payloadDigest: string | null;
  rawObjectDigest: string;
}

export interface CloneChecker {
  onEntry: (e: VerifiedEntry) => Promise<void>;
  failures: VerifyFailure[];
  close(): void;
}

export function cloneChecker(repoDir: string): CloneChecker {
  const source = new CatFileSource(repoDir);
  const failures: VerifyFailure[] = [];
  const read = async (line: number, oid: string) => {
    try {
      return await source.read(oid);
    } catch (e) {
      const why = e instanceof ObjectReadError ? e.code : "error";
      failures.push({ line, message: `object ${oid} cannot be read from the clone (${why})` });
      return null;
    }
  };
  return {
    failures,
    close: () => source.close(),
    async onEntry(e) {
      if (e.predicateType !== PROVENANCE_PREDICATE_TYPE) return;
      await read(e.line, e.revision);
      const controls = (e.statement.predicate as { controls?: { control: string; details?: { objects?: SigObject[] } }[] }).controls ?? [];
      const objects = controls.find((c) => c.control === "signatures")?.details?.objects ?? [];
      for (const o of objects) {
        const raw = await read(e.line, o.oid);
        if (!raw) continue;
        if (rawObjectDigest(raw) !== o.rawObjectDigest) failures.push({ line: e.line, message: `object ${o.oid}: raw object digest differs from the clone` });
        if (o.payloadDigest !== null && signedPayloadDigest(raw) !== o.payloadDigest) {
          failures.push({ line: e.line, message: `object ${o.oid}: signed payload digest differs from the clone` });
        }
      }
    },
  };
}
