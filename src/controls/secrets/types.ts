/** Data types of the secret-leak detection core: rules, findings and scan results. */

/** `block` fails the check; `warn` is reported but does not fail it. */
export type SecretSeverity = "block" | "warn";

/** A sample a rule must match, with the secret it must extract (defaults to the whole sample). */
export interface PositiveSample {
  text: string;
  secret?: string;
}

/** What a validator sees: the extracted secret, the whole match and the whole fragment (for pairing rules). */
export interface ValidatorInput {
  secret: string;
  match: string;
  fragment: string;
  /** Offset of the match in the fragment, for validators that look at nearby lines. */
  index: number;
  /** The file's path: some shapes mean a literal in configuration files and a reference in code. */
  path: string;
}

/**
 * A validator confirms a candidate after the regex: `false` drops it, `true` keeps the rule's severity,
 * a severity overrides it (e.g. an AWS key id without a paired secret only warns).
 */
export type Validator = (input: ValidatorInput) => boolean | SecretSeverity;

export interface RuleAllowlist {
  /** Case-insensitive substrings of the secret that mark it as a placeholder. */
  stopwords?: string[];
  /** Regexes tested against the secret; a match drops the candidate. */
  regexes?: RegExp[];
  /** Regexes tested against the whole line; a match drops the candidate (e.g. `secret = os.environ[...]`). */
  lineRegexes?: RegExp[];
}

/** One detection rule, as data. Built-in rules are V8 regexes written by us. */
export interface SecretRule {
  id: string;
  description: string;
  /** Lower-case literals; the rule runs only when one occurs in the fragment. Empty: always runs. */
  keywords: string[];
  /** Must be global (`g`). Without the `m`-spanning rules, a match should stay on one line. */
  regex: RegExp;
  /** Capture group holding the secret: a name, an index, the first non-empty of several indexes, or unset for the first non-empty group (else the match). */
  secretGroup?: number | string | number[];
  /** Minimum Shannon entropy (bits per character) of the secret; candidates at or below are dropped. */
  entropy?: number;
  allowlist?: RuleAllowlist;
  severity: SecretSeverity;
  validate?: Validator;
  /** Only files whose repository-relative path matches are scanned with this rule. */
  path?: RegExp;
  /** Path-only rule: the file itself is the finding (key stores), whatever its content. */
  pathOnly?: boolean;
  /** The match may span several lines (private keys). */
  multiline?: boolean;
  /**
   * Every match starts at most this many characters before one of the rule's keywords (0: with the keyword).
   * The engine then tries the regex only there instead of along whole lines; for rules whose keywords are
   * everywhere (`key`, `pass`, `://`). Tested against the rule's samples.
   */
  reach?: number;
  /**
   * For rules without keywords: every match holds at least `length` consecutive characters from `chars` (ASCII).
   * The engine runs the regex only on fragments that hold such a run, found by sampling every `length / 2`
   * characters. Tested against the rule's samples.
   */
  run?: { chars: string; length: number };
  /**
   * For rules with a `reach`: every match starts with a run of characters from `chars` that ends at a character
   * from `then` (ASCII; for assignments, the name before the operator). At a keyword hit the engine first checks
   * that such a run can start there, and skips the regex when it cannot. Tested against the rule's samples.
   */
  lead?: {
    chars: string;
    then: string;
    /** Optional: whether the end character at `index` can start a match's operator (given the text around it). */
    fits?: (text: string, index: number) => boolean;
  };
  /** Whether the global value allowlist (templates, placeholders) applies; default true. */
  globalAllowlist?: boolean;
  samples: {
    match: PositiveSample[];
    noMatch: string[];
    /** Sample file path for path-constrained rules. */
    path?: string;
  };
}

/** One leaked secret. Lines and columns are 1-based; `endColumn` is exclusive (the column after the secret). */
export interface SecretFinding {
  path: string;
  line: number;
  column: number;
  /** Set only when the secret spans lines (private keys): the line `endColumn` refers to. */
  endLine?: number;
  endColumn: number;
  rule: string;
  severity: SecretSeverity;
  /** HMAC-SHA256 over rule, path and secret under a per-repository key, truncated; see docs/secrets.md. */
  fingerprint: string;
  /** Redacted: at most the first 4 characters of a long secret, then `…` and the length. */
  preview: string;
  description: string;
}

export type NotScannedReason = "too-large" | "binary";

export interface NotScanned {
  path: string;
  reason: NotScannedReason;
  bytes: number;
}

export type SuppressionReason = "inline-comment" | "allowlisted-regex" | "baseline" | "gitleaks-ignore";

/** A finding suppressed by a committer-controlled mechanism; the app shows these so bypasses stay visible. */
export interface SuppressedFinding {
  finding: SecretFinding;
  reason: SuppressionReason;
}

export interface ScanResult {
  findings: SecretFinding[];
  notScanned: NotScanned[];
  suppressed: SuppressedFinding[];
}

/** One added line of a diff hunk: its line number in the new file and its text (without the leading `+`). */
export interface AddedLine {
  line: number;
  text: string;
}
