/** What every control reports: findings with a stable code, a severity, where, and how to fix it. */

export type ControlId = "policy" | "namespaces" | "signatures" | "review" | "merge_queue" | "secrets";

export type Severity = "error" | "warning" | "notice";

/** Where a finding points. Paths are repository-relative; lines and columns are 1-based. */
export interface Location {
  path?: string;
  line?: number;
  column?: number;
  endLine?: number;
  endColumn?: number;
  commit?: string;
  ref?: string;
}

export interface Finding {
  /** Stable machine-readable code, `<control>.<reason>`, e.g. `policy.invalid`. Never reworded. */
  code: string;
  control: ControlId;
  severity: Severity;
  /** What is wrong, in one or two sentences, naming the person, rule or object involved. */
  message: string;
  /** What to do about it. */
  remedy: string;
  location?: Location;
  /** The namespace whose requirement produced this finding, when there is one. */
  namespace?: string;
}

export type ControlStatus = "pass" | "fail" | "not_applicable";

export interface ControlResult {
  control: ControlId;
  status: ControlStatus;
  /** One line for the check-run summary table. */
  summary: string;
  findings: Finding[];
}

/** A control fails when any of its findings is an error. */
export function statusOf(findings: readonly Finding[], applicable = true): ControlStatus {
  if (findings.some((f) => f.severity === "error")) return "fail";
  return applicable ? "pass" : "not_applicable";
}
