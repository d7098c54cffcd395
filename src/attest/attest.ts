/**
 * The two attestations for one evaluated revision: Vouch's source provenance and a SLSA Source
 * VSA pointing at it, each an in-toto Statement in a DSSE envelope signed by the app's key.
 */
import type { Evidence, LoadedPolicy } from "../evidence/types.js";
import type { Verdict } from "../engine/evaluate.js";
import type { ControlId } from "../engine/findings.js";
import { IN_TOTO_PAYLOAD_TYPE, sha256Hex, signEnvelope, type Envelope, type Signer } from "./dsse.js";
import { levelFacts, verifiedLevels, type LevelClaims } from "./levels.js";
import {
  buildProvenancePredicate,
  provenanceStatement,
  provenanceSubject,
  resultOf,
  type ControlDetails,
  type KeyUsed,
  type ProvenancePredicate,
} from "./provenance.js";
import { serializeStatement, type Statement } from "./statement.js";
import { vsaStatement, type VsaPredicate } from "./vsa.js";

/** What the ledger knows about the previous attestation for the same repository and ref. */
export interface PreviousAttestation {
  /** sha256 hex of the previous provenance statement bytes. */
  sha256: string;
  revision: string;
  /** Properties that held then, with when each run began (its provenance's continuity.since). */
  since: Record<string, string>;
}

export interface AttestInput {
  verdict: Verdict;
  evidence: Evidence;
  policy: LoadedPolicy;
  signer: Signer;
  verifier: { id: string; version: string };
  /** Forge base URL, e.g. https://github.com. */
  serverUrl: string;
  /** Base URL of Vouch's HTTP API where attestations are served by digest, e.g. https://vouch.example/attestations. */
  attestationBaseUrl: string;
  previous: PreviousAttestation | null;
  /** The repository's ledger chain verified up to its head. */
  chainVerified: boolean;
  details?: ControlDetails;
  evidenceDigests?: Partial<Record<ControlId, { name: string; digest: string }[]>>;
  keys?: KeyUsed[];
}

export interface SignedStatement<P> {
  statement: Statement<P>;
  envelope: Envelope;
  /** sha256 hex of the statement bytes (the envelope's payload): the attestation's digest. */
  sha256: string;
}

export interface Attestations {
  provenance: SignedStatement<ProvenancePredicate>;
  vsa: SignedStatement<VsaPredicate>;
  levels: LevelClaims;
}

function sign<P>(statement: Statement<P>, signer: Signer): SignedStatement<P> {
  const bytes = serializeStatement(statement);
  return { statement, envelope: signEnvelope(bytes, IN_TOTO_PAYLOAD_TYPE, signer), sha256: sha256Hex(bytes) };
}

export function attestRevision(input: AttestInput): Attestations {
  const { verdict, evidence, policy, previous } = input;
  const baseRevision = evidence.change.push?.before ?? evidence.change.baseSha;
  const facts = levelFacts(policy, verdict, evidence, {
    chainVerified: input.chainVerified,
    previous: previous ? { revision: previous.revision, properties: Object.keys(previous.since) } : null,
    baseRevision: baseRevision ?? null,
  });
  const levels = verifiedLevels(facts);
  // Each property's run starts at this observation unless it continued unbroken from the previous one.
  const since: Record<string, string> = {};
  for (const p of levels.properties) {
    const earlier = levels.lapse === null ? previous?.since[p] : undefined;
    since[p] = earlier ?? verdict.observedAt;
  }
  const predicate = buildProvenancePredicate({
    verdict,
    evidence,
    policy,
    verifier: input.verifier,
    serverUrl: input.serverUrl,
    ...(input.details ? { details: input.details } : {}),
    ...(input.evidenceDigests ? { evidenceDigests: input.evidenceDigests } : {}),
    ...(input.keys ? { keys: input.keys } : {}),
    continuity: {
      previous: previous ? { digest: `sha256:${previous.sha256}`, revision: previous.revision } : null,
      since,
      lapse: levels.lapse,
    },
  });
  const provenance = sign(provenanceStatement(predicate, input.serverUrl), input.signer);
  const source = policy.sources[policy.sources.length - 1];
  const server = input.serverUrl.replace(/\/+$/, "");
  const policyUri = source
    ? `${server}/${source.repository}/blob/${source.sha ?? source.ref.replace(/^refs\/heads\//, "")}/${source.path}`
    : `${server}/${evidence.repository.fullName}/.github/vouch.yml`;
  const vsa = sign(
    vsaStatement({
      verifierId: input.verifier.id,
      verifierVersion: input.verifier.version,
      timeVerified: verdict.observedAt,
      resourceUri: predicate.repository.uri,
      policyUri,
      policyDigest: verdict.policyDigest,
      provenance: { uri: `${input.attestationBaseUrl.replace(/\/+$/, "")}/${provenance.sha256}`, sha256: provenance.sha256 },
      result: resultOf(verdict),
      verifiedLevels: levels.verifiedLevels,
      subject: provenanceSubject(predicate, input.serverUrl),
    }),
    input.signer,
  );
  return { provenance, vsa, levels };
}
