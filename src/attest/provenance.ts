/**
 * Vouch's source provenance predicate (https://vouch.dev/source-provenance/v1): what Vouch
 * observed about one revision and how each control judged it, with digests of the evidence so a
 * third party can recompute the cryptographic claims offline. The zod schema below is the
 * contract; policies/provenance.schema.json is generated from it (drift-tested) and
 * docs/attestations.md explains every field.
 */
import { createHash } from "node:crypto";
import { z } from "zod";
import type { Evidence, LoadedPolicy } from "../evidence/types.js";
import type { Verdict } from "../engine/evaluate.js";
import type { ControlId } from "../engine/findings.js";
import { GitOid, makeStatement, type Statement, type Subject } from "./statement.js";
import { keysUsed, signatureDetailsFromEvidence } from "./signature-details.js";

export const PROVENANCE_PREDICATE_TYPE = "https://vouch.dev/source-provenance/v1";

const Sha256Digest = z.string().regex(/^sha256:[0-9a-f]{64}$/, { message: "a digest is sha256:<64 hex>" });
const IsoTime = z.iso.datetime({ offset: true });
const ControlName = z.enum(["policy", "namespaces", "signatures", "review", "merge_queue", "secrets"]);

/** A digest of one piece of evidence a control used, named so a verifier knows what to recompute. */
const EvidenceDigest = z
  .object({
    name: z.string().min(1).describe("What was digested, e.g. `evidence`, `commit:<oid>`, `api:GET /repos/o/r/pulls/1/reviews`."),
    digest: Sha256Digest,
  })
  .strict();

/** Signatures control: one entry per commit or tag it judged. */
const SignatureObject = z
  .object({
    oid: GitOid,
    type: z.enum(["commit", "tag"]),
    status: z.string().min(1).describe("valid, invalid, unsigned, unknown_key, expired_key, … (see docs/attestations.md)."),
    format: z.enum(["openpgp", "ssh", "x509", "none"]),
    keyFingerprint: z.string().nullable(),
    payloadDigest: Sha256Digest.nullable().describe("sha256 of the signed payload rebuilt from the raw object."),
    rawObjectDigest: Sha256Digest.describe("sha256 of the raw object bytes as read (header + content)."),
    trustedAt: IsoTime.optional().describe("The trusted time key validity was judged at: when Vouch first observed the object."),
  })
  .strict();

const ReviewDetails = z
  .object({
    pullRequest: z.number().int().positive().nullable(),
    eligibleApprovers: z.array(z.number().int().positive()).describe("Numeric GitHub ids of the approvals that counted."),
    required: z.number().int().min(0),
    reviewedTree: GitOid.nullable(),
    assertedBy: z.literal("github-api"),
  })
  .strict();

/** Secrets: counts and fingerprints only. A fingerprint is a digest, so no secret value fits here. */
const SecretsDetails = z
  .object({
    linesScanned: z.number().int().min(0),
    findings: z.number().int().min(0),
    suppressed: z.number().int().min(0),
    byRule: z.record(z.string(), z.number().int().min(0)),
    fingerprints: z.array(Sha256Digest),
    rulesDigest: Sha256Digest.nullable(),
  })
  .strict();

const SignaturesDetails = z.object({ objects: z.array(SignatureObject) }).strict();

/** Per-control details, keyed by the control that reports them; each shape is strict. */
export interface ControlDetails {
  signatures?: z.infer<typeof SignaturesDetails>;
  review?: z.infer<typeof ReviewDetails>;
  secrets?: z.infer<typeof SecretsDetails>;
}
const DetailsUnion = z.union([SignaturesDetails, ReviewDetails, SecretsDetails]);

const ControlEntry = z
  .object({
    control: ControlName,
    status: z.enum(["pass", "fail", "not_applicable"]),
    summary: z.string(),
    findings: z.array(
      z
        .object({
          code: z.string(),
          severity: z.enum(["error", "warning", "notice"]),
          namespace: z.string().optional(),
          path: z.string().optional(),
          line: z.number().int().optional(),
          commit: z.string().optional(),
        })
        .strict(),
    ),
    evidenceDigests: z.array(EvidenceDigest),
    details: DetailsUnion.optional().describe("Control-specific details: signature objects, review approvers, or secret counts."),
  })
  .strict();

const KeyUsed = z
  .object({
    id: z.string().min(1).describe("Fingerprint or key id as the control names it."),
    type: z.enum(["openpgp", "ssh", "x509", "ed25519"]),
    source: z.string().min(1).describe("Where it came from: `policy:<path>@<sha>`, `GET /users/<login>/gpg_keys`, …"),
    obtainedAt: IsoTime,
    digest: Sha256Digest.describe("sha256 of the key material (or the API response) as obtained."),
  })
  .strict();

export const ProvenancePredicate = z
  .object({
    verifier: z.object({ id: z.string().min(1), version: z.string().min(1) }).strict(),
    repository: z
      .object({ id: z.number().int().positive().nullable(), fullName: z.string().min(1), uri: z.string().min(1) })
      .strict(),
    ref: z.string().min(1),
    revision: GitOid,
    change: z
      .object({
        kind: z.enum(["pull_request", "push", "merge_group", "local"]),
        base: GitOid.nullable(),
        pullRequest: z.number().int().positive().nullable(),
        forced: z.boolean(),
        deleted: z.boolean(),
        actorId: z.number().int().positive().nullable().describe("Pusher or pull request author, by numeric GitHub id."),
      })
      .strict(),
    observedAt: IsoTime.describe("Vouch's trusted observation time: when it gathered the evidence."),
    policy: z
      .object({
        status: z.enum(["valid", "invalid", "missing"]),
        digest: Sha256Digest.nullable(),
        sources: z.array(
          z.object({ repository: z.string(), path: z.string(), ref: z.string(), sha: z.string().optional() }).strict(),
        ),
      })
      .strict(),
    evidenceDigest: Sha256Digest.describe("sha256 of the canonical JSON of the evidence the engine evaluated."),
    conclusion: z.enum(["success", "failure", "neutral"]),
    result: z.enum(["PASSED", "FAILED"]),
    namespaces: z.array(z.string()),
    controls: z.array(ControlEntry),
    gaps: z.array(z.object({ what: z.string(), reason: z.string() }).strict()),
    keys: z.array(KeyUsed),
    continuity: z
      .object({
        previous: z
          .object({ digest: Sha256Digest, revision: GitOid })
          .strict()
          .nullable()
          .describe("The previous attestation for the same repository and ref: sha256 of its statement bytes."),
        since: z.record(z.string(), IsoTime).describe("Per verified property, when its unbroken run began."),
        lapse: z.string().nullable().describe("Why continuity was reset at this revision, or null."),
      })
      .strict(),
  })
  .strict();
export type ProvenancePredicate = z.infer<typeof ProvenancePredicate>;
export type KeyUsed = z.infer<typeof KeyUsed>;

/** JSON with object keys sorted at every level: a stable text to digest. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => {
    if (v && typeof v === "object" && !Array.isArray(v)) {
      return Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    }
    return v;
  });
}

export function sha256Digest(data: string | Uint8Array): string {
  return `sha256:${createHash("sha256").update(data).digest("hex")}`;
}

export interface ProvenanceInput {
  verdict: Verdict;
  evidence: Evidence;
  policy: LoadedPolicy;
  verifier: { id: string; version: string };
  /** Base URL of the forge, e.g. https://github.com (GHES: its host). */
  serverUrl: string;
  /** Per-control details the controls report (signature objects, approvers, secret counts). */
  details?: ControlDetails;
  /** Extra evidence digests per control. */
  evidenceDigests?: Partial<Record<ControlId, { name: string; digest: string }[]>>;
  keys?: KeyUsed[];
  continuity: ProvenancePredicate["continuity"];
}

function detailsFor(details: ControlDetails | undefined, control: ControlId, evidence: Evidence): { details?: z.infer<typeof DetailsUnion> } {
  if (control === "signatures" && details?.signatures) return { details: details.signatures };
  // By default the signatures control's details come from its evidence, so every caller records them.
  if (control === "signatures" && evidence.signatures) return { details: signatureDetailsFromEvidence(evidence.signatures) };
  if (control === "review" && details?.review) return { details: details.review };
  if (control === "secrets" && details?.secrets) return { details: details.secrets };
  return {};
}

export function resultOf(verdict: Verdict): "PASSED" | "FAILED" {
  return verdict.conclusion === "success" ? "PASSED" : "FAILED";
}

export function buildProvenancePredicate(input: ProvenanceInput): ProvenancePredicate {
  const { verdict, evidence, policy } = input;
  const change = evidence.change;
  const evidenceDigest = sha256Digest(canonicalJson(evidence));
  const predicate: ProvenancePredicate = {
    verifier: input.verifier,
    repository: {
      id: evidence.repository.id,
      fullName: evidence.repository.fullName,
      uri: `git+${input.serverUrl.replace(/\/+$/, "")}/${evidence.repository.fullName}`,
    },
    ref: verdict.ref,
    revision: verdict.headSha,
    change: {
      kind: change.kind,
      base: change.baseSha && GitOid.safeParse(change.baseSha).success ? change.baseSha : null,
      pullRequest: change.pullRequest?.number ?? null,
      forced: change.push?.forced ?? false,
      deleted: change.push?.deleted ?? false,
      actorId: change.push?.pusher.id ?? change.pullRequest?.author.id ?? null,
    },
    observedAt: verdict.observedAt,
    policy: { status: policy.status, digest: verdict.policyDigest, sources: policy.sources.map((s) => ({ ...s })) },
    evidenceDigest,
    conclusion: verdict.conclusion,
    result: resultOf(verdict),
    namespaces: verdict.namespaces.map((n) => n.name),
    controls: verdict.controls.map((c) => ({
      control: c.control,
      status: c.status,
      summary: c.summary,
      findings: c.findings.map((f) => ({
        code: f.code,
        severity: f.severity,
        ...(f.namespace !== undefined ? { namespace: f.namespace } : {}),
        ...(f.location?.path !== undefined ? { path: f.location.path } : {}),
        ...(f.location?.line !== undefined ? { line: f.location.line } : {}),
        ...(f.location?.commit !== undefined ? { commit: f.location.commit } : {}),
      })),
      evidenceDigests: [{ name: "evidence", digest: evidenceDigest }, ...(input.evidenceDigests?.[c.control] ?? [])],
      ...detailsFor(input.details, c.control, evidence),
    })),
    gaps: evidence.gaps.map((g) => ({ ...g })),
    keys: input.keys ?? keysUsed(evidence.signatures?.keys ?? []),
    continuity: input.continuity,
  };
  // Validate what we sign: a predicate that breaks its own schema must never be attested.
  return ProvenancePredicate.parse(predicate);
}

export function provenanceSubject(predicate: ProvenancePredicate, serverUrl: string): Subject {
  return {
    uri: `${serverUrl.replace(/\/+$/, "")}/${predicate.repository.fullName}/commit/${predicate.revision}`,
    digest: { gitCommit: predicate.revision },
    annotations: { sourceRefs: [predicate.ref] },
  };
}

export function provenanceStatement(predicate: ProvenancePredicate, serverUrl: string): Statement<ProvenancePredicate> {
  return makeStatement([provenanceSubject(predicate, serverUrl)], PROVENANCE_PREDICATE_TYPE, predicate);
}

/** The JSON Schema committed as policies/provenance.schema.json. */
export function provenanceJsonSchema(): Record<string, unknown> {
  return {
    ...z.toJSONSchema(ProvenancePredicate, { target: "draft-2020-12" }),
    $id: "https://vouch.dev/schemas/source-provenance-v1.json",
    title: "Vouch source provenance predicate v1",
    description: `Predicate of in-toto Statements with predicateType ${PROVENANCE_PREDICATE_TYPE}.`,
  };
}
