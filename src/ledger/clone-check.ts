/**
 * `vouch audit verify --repo`: check exported provenance against a clone. Each attested revision
 * must exist in the clone (read and re-hashed to its id); each signed object's recorded raw-object
 * and payload digests must match the bytes in the clone; and each object's signature is verified
 * again from those bytes with the engine `vouch verify` uses, at the recorded trusted time, with
 * the keys rebuilt independently of the attestation (src/ledger/recorded-trust.ts). Any
 * difference in status, format or key from what the attestation recorded is a failure.
 */
import { CatFileSource } from "../git/cat-file.js";
import { ObjectReadError, type RawObject } from "../git/objects.js";
import { rawObjectDigest, signedPayloadDigest } from "../git/object-digests.js";
import { verifyObject } from "../controls/signatures/verify.js";
import type { SignatureVerdict } from "../controls/signatures/types.js";
import { PROVENANCE_PREDICATE_TYPE, type ProvenancePredicate } from "../attest/provenance.js";
import { githubLoginOf, RecordedTrustResolver, type AuditorTrustInput } from "./recorded-trust.js";
import type { VerifiedEntry, VerifyFailure } from "./verify.js";

interface SigObject {
  oid: string;
  status: string;
  format: string;
  keyFingerprint: string | null;
  payloadDigest: string | null;
  rawObjectDigest: string;
  trustedAt?: string;
}

type Predicate = Partial<Pick<ProvenancePredicate, "observedAt" | "policy" | "keys">> & {
  controls?: { control: string; details?: { objects?: SigObject[] } }[];
};

export interface CloneChecker {
  onEntry: (e: VerifiedEntry) => Promise<void>;
  failures: VerifyFailure[];
  /** Signed objects whose signature was verified again and agreed with the attestation. */
  reverified: () => number;
  close(): void;
}

const describe = (status: string, format: string | null, key: string | null) => `${status} (${format ?? "none"}, key ${key ?? "none"})`;

/** Fingerprints compare without case: OpenPGP hex is printed either way. */
const sameKey = (a: string | null, b: string | null) => (a ?? "").toLowerCase() === (b ?? "").toLowerCase();

export function cloneChecker(repoDir: string, trustInput: AuditorTrustInput = {}): CloneChecker {
  const source = new CatFileSource(repoDir);
  const resolver = new RecordedTrustResolver(repoDir, source, trustInput);
  const failures: VerifyFailure[] = [];
  let agreed = 0;
  const read = async (line: number, oid: string): Promise<RawObject | null> => {
    try {
      return await source.read(oid);
    } catch (e) {
      const why = e instanceof ObjectReadError ? e.code : "error";
      failures.push({ line, message: `object ${oid} cannot be read from the clone (${why})` });
      return null;
    }
  };

  const reverify = async (line: number, predicate: Predicate, o: SigObject, raw: RawObject): Promise<void> => {
    const at = new Date(o.trustedAt ?? predicate.observedAt ?? "");
    if (Number.isNaN(at.getTime())) {
      failures.push({ line, message: `object ${o.oid}: the attestation records no trusted time to verify its signature at` });
      return;
    }
    const { trust, policyProblem } = await resolver.trustFor({
      policy: predicate.policy ?? { status: "missing", digest: null, sources: [] },
      keyIds: (predicate.keys ?? []).map((k) => k.id),
      githubKeys: (predicate.keys ?? []).flatMap((k) => {
        const login = githubLoginOf(k.source);
        return login === null ? [] : [{ id: k.id, login }];
      }),
    });
    const v: SignatureVerdict = (await verifyObject(raw, trust, at)).signature;
    const format = v.format ?? "none";
    if (v.status === o.status && format === o.format && sameKey(v.key, o.keyFingerprint)) {
      agreed++;
      return;
    }
    const recordedKey = (predicate.keys ?? []).find((k) => o.keyFingerprint !== null && sameKey(k.id, o.keyFingerprint));
    const hints = [
      policyProblem,
      v.status === "unknown_key" && recordedKey
        ? githubLoginOf(recordedKey.source) !== null
          ? `the attestation says key ${recordedKey.id} was fetched from ${recordedKey.source.slice("github:".length)} at ${recordedKey.obtainedAt}; keys GitHub holds are not in the clone: supply it with --openpgp-keyring or --allowed-signers (e.g. from https://github.com/${githubLoginOf(recordedKey.source)}.gpg)`
          : `the attestation says key ${recordedKey.id} came from ${recordedKey.source}; supply it with --openpgp-keyring or --allowed-signers if the clone's policy does not pin it`
        : null,
    ].filter((h): h is string => h !== null);
    failures.push({
      line,
      message:
        `object ${o.oid}: the attestation records ${describe(o.status, o.format, o.keyFingerprint)} at ${at.toISOString()}, ` +
        `but verifying it again from the clone gives ${describe(v.status, format, v.key)}: ${v.detail}` +
        (hints.length > 0 ? ` (${hints.join("; ")})` : ""),
    });
  };

  return {
    failures,
    reverified: () => agreed,
    close: () => source.close(),
    async onEntry(e) {
      if (e.predicateType !== PROVENANCE_PREDICATE_TYPE) return;
      await read(e.line, e.revision);
      const predicate = e.statement.predicate as Predicate;
      const objects = (predicate.controls ?? []).find((c) => c.control === "signatures")?.details?.objects ?? [];
      for (const o of objects) {
        const raw = await read(e.line, o.oid);
        if (!raw) continue;
        let digestsMatch = true;
        if (rawObjectDigest(raw) !== o.rawObjectDigest) {
          digestsMatch = false;
          failures.push({ line: e.line, message: `object ${o.oid}: raw object digest differs from the clone` });
        }
        if (o.payloadDigest !== null && signedPayloadDigest(raw) !== o.payloadDigest) {
          digestsMatch = false;
          failures.push({ line: e.line, message: `object ${o.oid}: signed payload digest differs from the clone` });
        }
        // Different bytes already fail; verifying them would only restate it.
        if (digestsMatch) await reverify(e.line, predicate, o, raw);
      }
    },
  };
}
