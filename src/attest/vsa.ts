/** SLSA Verification Summary Attestation (Source track) for one revision, pointing at its provenance. */
import { makeStatement, type Statement, type Subject } from "./statement.js";

export const VSA_PREDICATE_TYPE = "https://slsa.dev/verification_summary/v1";

export interface VsaPredicate {
  verifier: { id: string; version?: Record<string, string> };
  timeVerified: string;
  resourceUri: string;
  policy: { uri: string; digest?: Record<string, string> };
  inputAttestations: { uri: string; digest: Record<string, string> }[];
  verificationResult: "PASSED" | "FAILED";
  verifiedLevels: string[];
  slsaVersion: "1.2";
}

export interface VsaInput {
  verifierId: string;
  verifierVersion: string;
  timeVerified: string;
  /** e.g. git+https://github.com/acme/widget */
  resourceUri: string;
  /** Where the policy lives, e.g. https://github.com/acme/widget/blob/<sha>/.github/vouch.yml */
  policyUri: string;
  /** `sha256:<hex>` or null when there was no valid policy. */
  policyDigest: string | null;
  /** Where the provenance can be fetched, and sha256 hex of its statement bytes. */
  provenance: { uri: string; sha256: string };
  result: "PASSED" | "FAILED";
  verifiedLevels: string[];
  subject: Subject;
}

function digestSet(d: string | null): Record<string, string> | undefined {
  if (!d) return undefined;
  const [alg, hex] = d.split(":", 2);
  return alg && hex ? { [alg]: hex } : undefined;
}

export function vsaStatement(input: VsaInput): Statement<VsaPredicate> {
  const digest = digestSet(input.policyDigest);
  return makeStatement([input.subject], VSA_PREDICATE_TYPE, {
    verifier: { id: input.verifierId, version: { vouch: input.verifierVersion } },
    timeVerified: input.timeVerified,
    resourceUri: input.resourceUri,
    policy: { uri: input.policyUri, ...(digest ? { digest } : {}) },
    inputAttestations: [{ uri: input.provenance.uri, digest: { sha256: input.provenance.sha256 } }],
    verificationResult: input.result,
    // What held, even on FAILED: level 3 needs every control to pass, so a failure caps the claim below it.
    verifiedLevels: input.verifiedLevels,
    slsaVersion: "1.2",
  });
}
