/**
 * The evidence the engine evaluates. Adapters (GitHub API, local clone) produce it;
 * `evaluate()` reads it and does no I/O. Its JSON form is what `vouch evaluate` replays,
 * so every field is plain data.
 */
import type { Policy } from "../policy/schema.js";
import type { PushPullRequest, ReviewEvidence, TeamSnapshot } from "./review.js";
import type { MergeGroupEvidence } from "./merge-group.js";
import type { CodeownersEvidence } from "./codeowners.js";
import type { SignatureFormat, SignatureStatus } from "../controls/signatures/types.js";
import type { SecretFinding } from "../controls/secrets/types.js";


export const EVIDENCE_SCHEMA = "https://vouch.dev/evidence/v1";

/** A policy error with its place in the file. */
export interface PolicyError {
  path: string;
  line: number;
  column: number;
  message: string;
  /** Dotted path of the offending field, e.g. `namespaces.0.review.approvals`; empty for syntax errors. */
  field: string;
}

export interface PolicySource {
  /** Repository the file came from, as owner/name. */
  repository: string;
  path: string;
  /** The ref it was read from (a pull request's base, the default branch for pushes). */
  ref: string;
  /** Blob or commit id of what was read, when known. */
  sha?: string;
}

/**
 * The policy as loaded: `valid` carries the effective (merged) policy,
 * `invalid` the errors, `missing` means neither the repository nor the organization has one.
 */
export type LoadedPolicy =
  | { status: "valid"; policy: Policy; digest: string; sources: PolicySource[] }
  | { status: "invalid"; errors: PolicyError[]; digest: string | null; sources: PolicySource[] }
  | { status: "missing"; sources: PolicySource[] };

export interface Person {
  login: string | null;
  /** Numeric GitHub id; kept so renames do not matter. */
  id: number | null;
  email?: string | null;
  name?: string | null;
  type?: "User" | "Bot" | "Organization";
}

export type FileStatus = "added" | "modified" | "removed" | "renamed" | "copied" | "changed" | "unchanged";

export interface ChangedFile {
  path: string;
  /** For renames and copies: where the file came from. Both ends count for namespace matching. */
  previousPath?: string;
  status: FileStatus;
}

export interface PullRequestInfo {
  number: number;
  author: Person;
  headRef: string;
  headRepository: string | null;
  draft: boolean;
}

export interface PushInfo {
  before: string;
  after: string;
  created: boolean;
  deleted: boolean;
  forced: boolean;
  pusher: Person;
  /** The pull request this push merged, when the app found one; absent means the push was not a pull request's merge. */
  viaPullRequest?: PushPullRequest;
  /** The repository had no commits before this push (its first push): there was nothing to review against. */
  initial?: boolean;
}

/** The change under evaluation: which ref it targets and what it touches. */
export interface Change {
  kind: "pull_request" | "push" | "merge_group" | "local";
  /** Full name of the ref the change lands on, e.g. `refs/heads/main` or `refs/tags/v1.0`. */
  ref: string;
  baseSha: string | null;
  headSha: string;
  files: ChangedFile[];
  /** False when the file list is known to be partial (API limits): path-scoped namespaces then count as touched. */
  filesComplete: boolean;
  pullRequest?: PullRequestInfo;
  push?: PushInfo;
}

/** Something the adapter could not gather. Any gap makes the verdict fail: missing evidence is never a pass. */
export interface EvidenceGap {
  what: string;
  reason: string;
}

export interface Evidence {
  schema: typeof EVIDENCE_SCHEMA;
  repository: { id: number | null; fullName: string };
  /** The trusted observation time (ISO 8601): when Vouch gathered this evidence. */
  observedAt: string;
  change: Change;
  gaps: EvidenceGap[];
  /** Commits, reviews and pushers of a pull request, for the review control. */
  review?: ReviewEvidence;
  /** The base branch's CODEOWNERS, parsed, when a namespace seeds owners from it (`from_codeowners`). */
  codeowners?: CodeownersEvidence;
  /** Memberships of the GitHub teams the policy names, read at gather time. */
  teams?: TeamSnapshot[];
  /** The pull requests of a merge group, their verdicts and the recomposed tree, for the merge-queue control. */
  mergeGroup?: MergeGroupEvidence;
  /** Signature verdicts of the change's new commits and tags, for the signatures control. */
  signatures?: SignatureEvidence;
  /** Secret-scan results over the lines each new commit adds, for the secrets control. Redacted: never a secret value. */
  secrets?: SecretEvidence;
}

/** What the secret scan of a change's new commits found. Previews are redacted and fingerprints keyed HMACs. */
export interface SecretEvidence {
  /** How many commits were scanned. */
  commits: number;
  findings: SecretFindingEvidence[];
  /** Files a commit changed that could not be read line by line: never silently passed. */
  notScanned: SecretNotScannedEvidence[];
  /** Findings a committer-controlled mechanism suppressed, kept so bypasses stay visible. */
  suppressed: SecretSuppressedEvidence[];
}

/** A scanner finding (redacted: never the secret) with the commit that added the line; `endColumn` is exclusive. */
export type SecretFindingEvidence = SecretFinding & { commit: string };

export interface SecretNotScannedEvidence {
  commit: string;
  path: string;
  reason: "too-large" | "binary";
  /** Size in bytes, or null when the object source did not say. */
  bytes: number | null;
}

export interface SecretSuppressedEvidence {
  commit: string;
  path: string;
  line: number;
  rule: string;
  reason: "inline-comment" | "allowlisted-regex" | "baseline" | "gitleaks-ignore";
  fingerprint: string;
}

/**
 * Signature verdicts, computed by the adapter (verification is async and crypto-heavy) and
 * judged by the pure signatures control. Plain data, so a saved verdict replays offline.
 */
export interface SignatureEvidence {
  /** The time key validity was judged at (ISO 8601): when Vouch first observed the objects, or `--at`. */
  trustedAt: string;
  /** One verdict per new commit or tag, in the order they were verified. */
  objects: SignedObjectEvidence[];
  /** The keys that were trusted, and where each came from. */
  keys: TrustedKeyEvidence[];
}

export interface SignedObjectEvidence {
  id: string;
  type: "commit" | "tag";
  signature: {
    status: SignatureStatus;
    format: SignatureFormat | null;
    signer: string | null;
    key: string | null;
    detail: string;
  };
  /** The committer (commit) or tagger (tag) the signature must be bound to, when it could be read. */
  signedBy?: { name: string; email: string } | null;
  /** `sha256:` of the raw object as read (header + content), for the provenance. */
  rawObjectDigest?: string;
  /** `sha256:` of the bytes the signature covers, or null when the object could not be parsed. */
  payloadDigest?: string | null;
  /** When Vouch first observed this object: the time its key validity was judged at. Defaults to `trustedAt`. */
  trustedAt?: string;
}

export interface TrustedKeyEvidence {
  /** OpenPGP primary-key fingerprint (hex) or SSH `SHA256:` fingerprint. */
  fingerprint: string;
  /**
   * `policy`: pinned in the policy; `github`: held by GitHub for the user; `file`: a key file given
   * to the CLI; `pinned`: shipped with Vouch (GitHub's web-flow keys).
   */
  source: "policy" | "github" | "file" | "pinned";
  /** Which policy entry, API endpoint or file it came from. */
  where: string;
  /** When the key was read or fetched (ISO 8601). */
  fetchedAt: string;
  /** `sha256:` of the key material as obtained (OpenPGP packets, SSH key blob). */
  digest?: string;
}
