/**
 * The CODEOWNERS file a policy's `from_codeowners` namespace reads, as found on the base branch and
 * parsed. Kept in the evidence, so `vouch evaluate` seeds the same owners offline.
 */
import type { CodeownersError, CodeownersRule } from "../policy/codeowners.js";

export interface CodeownersEvidence {
  /** The file used (the first of .github/CODEOWNERS, CODEOWNERS, docs/CODEOWNERS that exists), or null when none does. */
  path: string | null;
  /** The branch it was read from (the pull request's base). */
  ref: string;
  /** Blob id of the file, when known. */
  sha?: string;
  rules: CodeownersRule[];
  errors: CodeownersError[];
}
