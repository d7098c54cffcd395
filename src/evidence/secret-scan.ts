/**
 * Secret-scan evidence: the lines each new commit adds, scanned commit by commit over any ObjectSource, so the
 * app (objects over HTTP) and the CLI (a local clone) produce the same findings and fingerprints.
 */
import { parseBaseline } from "../controls/secrets/baseline.js";
import { scanAddedLines, type ScanOptions } from "../controls/secrets/engine.js";
import type { GitleaksIgnoreEntry } from "../controls/secrets/gitleaks.js";
import { defaultRuleset, rulesetFromPolicy, type Ruleset } from "../controls/secrets/ruleset.js";
import type { ScanResult } from "../controls/secrets/types.js";
import { touchedNamespaces } from "../engine/namespaces.js";
import { CatFileSource } from "../git/cat-file.js";
import { commitChanges, newCommits } from "../git/commit-changes.js";
import type { ObjectSource } from "../git/objects.js";
import type { Policy } from "../policy/schema.js";
import { readAtRevision, type LocalRange } from "./local.js";
import type { Change, SecretEvidence } from "./types.js";

/**
 * The fingerprint key of a repository: its lower-cased `owner/name` under a version label. Anyone who can read
 * the repository can compute it, and that is accepted (docs/decisions/0013-secret-fingerprint-key.md): the app and
 * the CLI need no shared secret to agree, and fingerprints still differ between repositories.
 */
export function secretFingerprintKey(repositoryFullName: string): string {
  const name = repositoryFullName.trim().toLowerCase();
  if (name === "") throw new Error("secret scan: the repository name for the fingerprint key is empty");
  return `vouch-secrets-v1:${name}`;
}

/** A bad baseline file or policy regex: the scan cannot run as the policy asks. Messages never quote file content. */
export class SecretScanInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SecretScanInputError";
  }
}

export interface ScanCommitsOptions {
  fingerprintKey: string | Uint8Array;
  /** The policy's `secrets` settings: disabled rules, allowlists. Ignored when `ruleset` is given. */
  secrets?: Policy["secrets"];
  /** A compiled ruleset (e.g. with imported .gitleaks.toml rules); default: from `secrets`, else built-in. */
  ruleset?: Ruleset;
  /** Text of the baseline file as committed at the base revision (`secrets.baseline`); null or absent: none. */
  baselineText?: string | null;
  /** Where the baseline came from, for error messages. */
  baselineSource?: string;
  /** Baseline entries expire by this date (default: now). */
  today?: Date;
  gitleaksIgnore?: readonly GitleaksIgnoreEntry[];
  /** Added text above this many bytes per file is reported as not scanned (engine default 2 MiB). */
  maxBytes?: number;
  /** Blobs above this many bytes are not read (commitChanges default 4 MiB). */
  maxBlobBytes?: number;
}

function rulesetFor(options: ScanCommitsOptions): Ruleset | undefined {
  if (options.ruleset) return options.ruleset;
  if (!options.secrets) return undefined;
  try {
    return rulesetFromPolicy(options.secrets);
  } catch (error) {
    // Errors from rule compilation name the field, never the regex (which may be a literal secret).
    throw new SecretScanInputError(error instanceof Error ? error.message : "secret scan: invalid policy settings");
  }
}

function baselineFor(options: ScanCommitsOptions): ReadonlySet<string> | undefined {
  if (options.baselineText === undefined || options.baselineText === null) return undefined;
  try {
    return parseBaseline(options.baselineText, options.baselineSource ?? options.secrets?.baseline ?? "baseline").active(options.today);
  } catch (error) {
    throw new SecretScanInputError(error instanceof Error ? error.message : "secret scan: invalid baseline");
  }
}

/**
 * Scans every line each commit adds against its first parent, in the order given. A secret added in one commit
 * and removed in the next is found in the first. Binary files are skipped but key files are still flagged by
 * path; blobs too large to read are listed as not scanned.
 */
export async function scanCommits(source: ObjectSource, commitIds: readonly string[], options: ScanCommitsOptions): Promise<SecretEvidence> {
  const ruleset = rulesetFor(options) ?? defaultRuleset();
  const baseline = baselineFor(options);
  const evidence: SecretEvidence = { commits: 0, findings: [], notScanned: [], suppressed: [] };
  const seen = new Set<string>();
  const changeOptions = options.maxBlobBytes !== undefined ? { maxBlobBytes: options.maxBlobBytes } : {};
  for (const commit of commitIds) {
    const scanOptions: ScanOptions = {
      fingerprintKey: options.fingerprintKey,
      commit,
      ruleset,
      ...(baseline ? { baseline } : {}),
      ...(options.gitleaksIgnore ? { gitleaksIgnore: options.gitleaksIgnore } : {}),
      ...(options.maxBytes !== undefined ? { maxBytes: options.maxBytes } : {}),
    };
    for (const change of await commitChanges(source, commit, changeOptions)) {
      if (change.status === "removed") continue;
      // No lines for binary or oversized blobs, but scanning the empty list still flags key files by name.
      const result = scanAddedLines(change.path, change.addedLines, scanOptions);
      if (change.binary || change.tooLarge) {
        // Paths the policy or the default skip list exclude are not scanned on purpose: nothing to report.
        const reason = change.binary ? "binary" : "too-large";
        if (!ruleset.isSkippedPath(change.path)) evidence.notScanned.push({ commit, path: change.path, reason, bytes: null });
      }
      record(evidence, commit, result, seen);
    }
    evidence.commits += 1;
  }
  return evidence;
}

/**
 * A merge commit re-adds (against its first parent) the lines its other parents' new commits already added:
 * the same secret at the same place is reported once, for the oldest commit that added it.
 */
function record(evidence: SecretEvidence, commit: string, result: ScanResult, seen: Set<string>): void {
  const first = (key: string): boolean => {
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  };
  for (const f of result.findings) {
    if (!first(`f\0${f.fingerprint}\0${f.line}\0${f.column}`)) continue;
    evidence.findings.push({
      commit,
      path: f.path,
      line: f.line,
      column: f.column,
      ...(f.endLine !== undefined ? { endLine: f.endLine } : {}),
      endColumn: f.endColumn,
      rule: f.rule,
      severity: f.severity,
      fingerprint: f.fingerprint,
      preview: f.preview,
      description: f.description,
    });
  }
  for (const n of result.notScanned) if (first(`n\0${n.path}\0${n.reason}\0${n.bytes}`)) evidence.notScanned.push({ commit, path: n.path, reason: n.reason, bytes: n.bytes });
  for (const s of result.suppressed) {
    if (!first(`s\0${s.finding.fingerprint}\0${s.finding.line}\0${s.finding.column}`)) continue;
    evidence.suppressed.push({ commit, path: s.finding.path, line: s.finding.line, rule: s.finding.rule, reason: s.reason, fingerprint: s.finding.fingerprint });
  }
}

/** Scanning is asked for when the policy enables it and the change touches a protected namespace (as the control applies). */
export function secretsRequired(policy: Policy, change: Change): boolean {
  return policy.secrets.enabled && touchedNamespaces(policy.namespaces, change).length > 0;
}

/** Commits scanned per range at most; a larger range is an error, never a partial scan. */
export const MAX_SCANNED_COMMITS = 10_000;

export interface RangeScanTarget {
  head: string;
  /** Commits whose history is not new (the base, the push's `before`). */
  exclude: readonly string[];
  secrets: Policy["secrets"];
  repositoryFullName: string;
  /** The baseline file as committed at the base revision, or null when the policy names none or it is absent. */
  baselineText: string | null;
}

/**
 * Secret evidence for the new commits between `exclude` and `head` over any ObjectSource: what the app calls with
 * its HTTP object source. More than MAX_SCANNED_COMMITS new commits throws CommitLimitError (never a partial scan).
 */
export async function rangeSecretEvidence(source: ObjectSource, target: RangeScanTarget): Promise<SecretEvidence> {
  const commits = await newCommits(source, { head: target.head, exclude: target.exclude, limit: MAX_SCANNED_COMMITS });
  const baselinePath = target.secrets.baseline;
  return scanCommits(source, commits, {
    fingerprintKey: secretFingerprintKey(target.repositoryFullName),
    secrets: target.secrets,
    ...(baselinePath ? { baselineText: target.baselineText, baselineSource: baselinePath } : {}),
  });
}

/**
 * Secret evidence for a range of a local clone (`vouch verify`, `vouch scan --repo`), with the baseline file as
 * committed at the base revision. Throws LocalGitError, SecretScanInputError, ObjectReadError or CommitLimitError.
 */
export async function localSecretEvidence(
  repo: string,
  range: LocalRange,
  secrets: Policy["secrets"],
  repositoryFullName: string,
): Promise<SecretEvidence> {
  const baselinePath = secrets.baseline;
  const baselineText = baselinePath && range.base ? await readAtRevision(repo, range.base, baselinePath) : null;
  const source = new CatFileSource(repo);
  try {
    return await rangeSecretEvidence(source, { head: range.head, exclude: range.base ? [range.base] : [], secrets, repositoryFullName, baselineText });
  } finally {
    source.close();
  }
}
