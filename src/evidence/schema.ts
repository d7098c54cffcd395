/**
 * The evidence as a zod schema, mirroring `types.ts` and `review.ts`, so its JSON Schema
 * (`policies/evidence.schema.json`) can be generated and saved evidence validated before replay.
 * The type assertions at the bottom make the compiler reject any drift between the two.
 */
import { z } from "zod";
import { EVIDENCE_SCHEMA, type Evidence } from "./types.js";
import { SIGNATURE_STATUSES } from "../controls/signatures/types.js";

export const EVIDENCE_JSON_SCHEMA_ID = "https://vouch.dev/evidence/v1/evidence.schema.json";

const Sha = z.string().min(1).describe("A git object id (hex).");

const Person = z
  .object({
    login: z.string().nullable(),
    id: z.number().int().nullable().describe("Numeric GitHub id; kept so renames do not matter."),
    email: z.string().nullable().optional(),
    name: z.string().nullable().optional(),
    type: z.enum(["User", "Bot", "Organization"]).optional(),
  })
  .strict();

const Account = z
  .object({
    login: z.string().nullable(),
    id: z.number().int().nullable(),
    type: z.enum(["User", "Bot", "Organization", "Mannequin", "EnterpriseUserAccount"]).optional(),
  })
  .strict();

const GitActor = z
  .object({
    name: z.string().nullable(),
    email: z.string().nullable(),
    user: Account.nullable().describe("The GitHub account GitHub mapped the email to, when it did."),
  })
  .strict();

const CommitFacts = z
  .object({
    oid: Sha,
    tree: Sha,
    parents: z.array(Sha),
    author: GitActor,
    committer: GitActor,
    coAuthors: z.array(GitActor).describe("Co-authored-by trailers of the commit message."),
  })
  .strict();

const ReviewFact = z
  .object({
    author: Account,
    state: z.enum(["APPROVED", "CHANGES_REQUESTED", "COMMENTED", "DISMISSED", "PENDING"]),
    dismissed: z.boolean(),
    commitOid: Sha.nullable().describe("The head commit the review was submitted on."),
    commitTree: Sha.nullable(),
    submittedAt: z.string(),
    canPush: z.boolean().nullable().describe("Whether the reviewer had write access; null when unknown."),
  })
  .strict();

const ReviewEvidence = z
  .object({
    commits: z.array(CommitFacts),
    reviews: z.array(ReviewFact),
    pushers: z.array(Account),
    pushersComplete: z.boolean(),
    headTree: Sha,
  })
  .strict();

const TeamSnapshot = z
  .object({
    team: z.string().regex(/^@[^/]+\/.+$/).describe("@org/slug"),
    members: z.array(Account),
    resolvedAt: z.string(),
  })
  .strict();

const PushInfo = z
  .object({
    before: Sha,
    after: Sha,
    created: z.boolean(),
    deleted: z.boolean(),
    forced: z.boolean(),
    pusher: Person,
    viaPullRequest: z
      .object({ number: z.number().int().positive(), passed: z.boolean(), headSha: Sha.optional() })
      .strict()
      .optional()
      .describe("The pull request this push merged, when it was one."),
    initial: z.boolean().optional().describe("The repository's first push."),
  })
  .strict();

const ChangedFile = z
  .object({
    path: z.string(),
    previousPath: z.string().optional(),
    status: z.enum(["added", "modified", "removed", "renamed", "copied", "changed", "unchanged"]),
  })
  .strict();

const PullRequestInfo = z
  .object({
    number: z.number().int().positive(),
    author: Person,
    headRef: z.string(),
    headRepository: z.string().nullable(),
    draft: z.boolean(),
  })
  .strict();

const Change = z
  .object({
    kind: z.enum(["pull_request", "push", "merge_group", "local"]),
    ref: z.string(),
    baseSha: Sha.nullable(),
    headSha: Sha,
    files: z.array(ChangedFile),
    filesComplete: z.boolean(),
    pullRequest: PullRequestInfo.optional(),
    push: PushInfo.optional(),
  })
  .strict();

const SignedObject = z
  .object({
    id: Sha,
    type: z.enum(["commit", "tag"]),
    signature: z
      .object({
        status: z.enum(SIGNATURE_STATUSES),
        format: z.enum(["openpgp", "ssh", "x509"]).nullable(),
        signer: z.string().nullable().describe("The identity the key is bound to, when known."),
        key: z.string().nullable().describe("OpenPGP fingerprint of the signing (sub)key, or SSH SHA256: fingerprint."),
        detail: z.string(),
      })
      .strict(),
    signedBy: z
      .object({ name: z.string(), email: z.string() })
      .strict()
      .nullable()
      .optional()
      .describe("The committer (commit) or tagger (tag) the signature must be bound to."),
    rawObjectDigest: z.string().optional().describe("sha256: of the raw object as read."),
    payloadDigest: z.string().nullable().optional().describe("sha256: of the bytes the signature covers."),
    trustedAt: z.string().optional().describe("When Vouch first observed the object: key validity was judged at this time."),
  })
  .strict();

const SignatureEvidence = z
  .object({
    trustedAt: z.string().describe("The time key validity was judged at (ISO 8601)."),
    objects: z.array(SignedObject),
    keys: z.array(
      z
        .object({
          fingerprint: z.string(),
          source: z.enum(["policy", "github", "file", "pinned"]).describe("pinned: shipped with Vouch (GitHub's web-flow keys)."),
          where: z.string().describe("The policy entry, API endpoint or file the key came from."),
          fetchedAt: z.string(),
          digest: z.string().optional().describe("sha256: of the key material as obtained."),
        })
        .strict(),
    ),
  })
  .strict();

const SecretSeverity = z.enum(["block", "warn"]);

const SecretEvidence = z
  .object({
    commits: z.number().int().nonnegative().describe("How many commits were scanned."),
    findings: z.array(
      z
        .object({
          commit: Sha,
          path: z.string(),
          line: z.number().int().positive(),
          column: z.number().int().positive(),
          endLine: z.number().int().positive().optional(),
          endColumn: z.number().int().positive().describe("Exclusive: the column after the secret."),
          rule: z.string(),
          severity: SecretSeverity,
          fingerprint: z.string().describe("Keyed HMAC of rule, path and secret; never the secret."),
          preview: z.string().describe("Redacted preview; never the secret."),
          description: z.string(),
        })
        .strict(),
    ),
    notScanned: z.array(
      z
        .object({
          commit: Sha,
          path: z.string(),
          reason: z.enum(["too-large", "binary"]),
          bytes: z.number().int().nonnegative().nullable(),
        })
        .strict(),
    ),
    suppressed: z.array(
      z
        .object({
          commit: Sha,
          path: z.string(),
          line: z.number().int().positive(),
          rule: z.string(),
          reason: z.enum(["inline-comment", "allowlisted-regex", "baseline", "gitleaks-ignore"]),
          fingerprint: z.string(),
        })
        .strict(),
    ),
  })
  .strict();

const CodeownersEvidence = z
  .object({
    path: z.string().nullable().describe("The file used (.github/CODEOWNERS, CODEOWNERS or docs/CODEOWNERS, the first that exists), or null."),
    ref: z.string().describe("The branch it was read from."),
    sha: z.string().optional(),
    rules: z.array(z.object({ line: z.number().int().positive(), pattern: z.string(), owners: z.array(z.string()) }).strict()),
    errors: z.array(z.object({ line: z.number().int().nonnegative(), message: z.string() }).strict()).describe("Malformed lines (line 0: the whole file)."),
  })
  .strict();

const MergeGroupEvidence = z
  .object({
    headRef: z.string().describe("The group's branch, gh-readonly-queue/<base>/pr-<N>-<sha>."),
    headTree: Sha.describe("The tree of the group's head commit: what will land."),
    pullRequests: z
      .array(
        z
          .object({
            number: z.number().int().positive(),
            headSha: Sha.describe("The head commit GitHub queued."),
            baseRef: z.string().describe("The branch the pull request targets."),
            vouchConclusion: z.string().nullable().describe("Conclusion of this app's latest vouch check run on headSha; null when none."),
            checkRunId: z.number().int().nullable(),
            changedPaths: z.array(z.string()).describe("Paths the pull request changes relative to where it meets the queue."),
          })
          .strict(),
      )
      .describe("The pull requests found in the group, in queue order."),
    discoveredFrom: z.array(z.string()).describe("Where the pull requests were found (head ref, commit subjects)."),
    composedTree: Sha.nullable().describe("The base with every queued head merged in order; null when a merge conflicted."),
    conflict: z.object({ number: z.number().int().positive(), paths: z.array(z.string()) }).strict().nullable(),
    differingPaths: z.array(z.string()).describe("Paths whose content differs between the composed tree and the group's tree."),
    differingPathsComplete: z.boolean(),
  })
  .strict();

export const EvidenceSchema = z
  .object({
    schema: z.literal(EVIDENCE_SCHEMA),
    repository: z.object({ id: z.number().int().nullable(), fullName: z.string() }).strict(),
    observedAt: z.string().describe("When Vouch gathered this evidence (ISO 8601)."),
    change: Change,
    gaps: z.array(z.object({ what: z.string(), reason: z.string() }).strict()),
    review: ReviewEvidence.optional(),
    codeowners: CodeownersEvidence.optional().describe("The base branch's CODEOWNERS, parsed, when the policy seeds owners from it."),
    mergeGroup: MergeGroupEvidence.optional().describe("A merge group's pull requests, their verdicts and the recomposed tree."),
    teams: z.array(TeamSnapshot).optional(),
    signatures: SignatureEvidence.optional().describe("Signature verdicts of the change's new commits and tags."),
    secrets: SecretEvidence.optional().describe("Secret-scan results over the lines the change's new commits add (redacted)."),
  })
  .strict();

export function evidenceJsonSchema(): Record<string, unknown> {
  const { $schema, ...rest } = z.toJSONSchema(EvidenceSchema, { io: "input" }) as Record<string, unknown>;
  return {
    $schema,
    $id: EVIDENCE_JSON_SCHEMA_ID,
    title: "Vouch evidence",
    description:
      "What Vouch evaluated for one change: the change, its commits and reviews, team snapshots, signature verdicts, secret-scan results, and any gaps. `vouch evaluate --evidence FILE` replays it. See docs/review.md.",
    ...rest,
  };
}

/** The committed form of `policies/evidence.schema.json`. */
export function evidenceJsonSchemaText(): string {
  return `${JSON.stringify(evidenceJsonSchema(), null, 2)}\n`;
}

// Compile-time drift guard: the schema's output and the Evidence interface must be mutually assignable.
type Parsed = z.output<typeof EvidenceSchema>;
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
export const EVIDENCE_SCHEMA_MATCHES_TYPES: Same<Parsed, Evidence> = true;
