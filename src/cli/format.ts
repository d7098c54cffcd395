/** Text forms shared by the commands. */
import type { PolicyError } from "../evidence/types.js";

/** `file:line:col: message`, the form editors and CI log parsers recognise. */
export function formatPolicyError(e: PolicyError): string {
  const field = e.field ? `${e.field.replace(/^baseline:/, "")}: ` : "";
  return `${e.path}:${e.line}:${e.column}: ${field}${e.message}`;
}
