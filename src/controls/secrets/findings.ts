/** The words of the secrets control: one finding per leaked secret, per file that could not be scanned, and per bypass. */
import type { Finding } from "../../engine/findings.js";
import type { SecretFindingEvidence, SecretNotScannedEvidence, SecretSuppressedEvidence } from "../../evidence/types.js";

export const LEAK_REMEDY =
  "Rotate the credential first (it is exposed from the moment it was pushed), then remove it from history; to accept a false positive add `vouch:allow` on the line or a baseline entry.";

const short = (commit: string) => commit.slice(0, 12);

/**
 * A secret a commit added. Codes are `secrets.leak` (blocking) and `secrets.possible_leak` (warning), with the
 * rule id in the message: rule ids can come from an imported .gitleaks.toml, and codes must stay a fixed set.
 */
export function leakFinding(f: SecretFindingEvidence): Finding {
  const block = f.severity === "block";
  return {
    code: block ? "secrets.leak" : "secrets.possible_leak",
    control: "secrets",
    severity: block ? "error" : "warning",
    message: `${f.description} (rule ${f.rule}) added by commit ${short(f.commit)}: ${f.preview}.`,
    remedy: LEAK_REMEDY,
    location: {
      path: f.path,
      line: f.line,
      column: f.column,
      ...(f.endLine !== undefined ? { endLine: f.endLine } : {}),
      // Evidence end columns are exclusive (SARIF); a finding's location is inclusive, as check-run annotations are.
      endColumn: Math.max(f.column, f.endColumn - 1),
      commit: f.commit,
    },
  };
}

/** A file added or changed that was not read line by line. A key file cannot be passed unread, so it fails. */
export function notScannedFinding(n: SecretNotScannedEvidence, keyFile: boolean): Finding {
  const what = n.reason === "binary" ? "is binary" : `is too large to scan${n.bytes !== null ? ` (${n.bytes} bytes)` : ""}`;
  return {
    code: "secrets.not_scanned",
    control: "secrets",
    severity: keyFile ? "error" : "warning",
    message: `${n.path} ${what}, so commit ${short(n.commit)}'s version of it was not scanned for secrets${keyFile ? "; its name marks it as a key file" : ""}.`,
    remedy: keyFile
      ? "Key files do not belong in the repository: rotate the key, remove the file from history, and load it from a secret store at run time."
      : "Check the file by hand; if it is generated or vendored, add it to `secrets.allow.paths` in the policy.",
    location: { path: n.path, commit: n.commit },
  };
}

/** A bypass: shown as a notice so that every suppression stays visible in the check run. */
export function suppressedFinding(s: SecretSuppressedEvidence): Finding {
  const how = {
    "inline-comment": "an inline vouch:allow comment",
    "allowlisted-regex": "a policy allowlist regex",
    baseline: "a baseline entry",
    "gitleaks-ignore": "a .gitleaksignore entry",
  }[s.reason];
  return {
    code: "secrets.suppressed",
    control: "secrets",
    severity: "notice",
    message: `A ${s.rule} finding added by commit ${short(s.commit)} was suppressed by ${how}.`,
    remedy: "Nothing to do if the value is not a real credential; otherwise rotate it and remove the suppression.",
    location: { path: s.path, line: s.line, commit: s.commit },
  };
}

export function evidenceMissingFinding(): Finding {
  return {
    code: "secrets.evidence_missing",
    control: "secrets",
    severity: "error",
    message: "The lines this change adds were not scanned for secrets.",
    remedy: "Re-run the check; Vouch never passes a change it could not scan. If it keeps failing, see the app's logs.",
  };
}
