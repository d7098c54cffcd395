/** Policy validity: the first finding source. An invalid or loosening policy fails the check at the offending line. */
import type { PolicyError } from "../../evidence/types.js";
import type { Finding } from "../../engine/findings.js";

export function policyErrorFinding(error: PolicyError): Finding {
  return {
    code: error.field.startsWith("baseline:") ? "policy.loosens_baseline" : "policy.invalid",
    control: "policy",
    severity: "error",
    message: error.field ? `${error.field.replace(/^baseline:/, "")}: ${error.message}` : error.message,
    remedy: error.field.startsWith("baseline:")
      ? "A repository may only tighten the organization baseline. Remove or strengthen this setting, or change the baseline in the organization's .github repository."
      : "Fix the policy file on the base branch (run `npx vouch policy check .github/vouch.yml` locally); until then every change is judged failing.",
    location: { path: error.path, line: error.line, column: error.column },
  };
}
