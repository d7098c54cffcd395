/**
 * The `secrets` control: when a touched namespace exists and the policy enables scanning, every line the change's
 * new commits add must be free of blocking secrets. The adapter scanned the commits (I/O) into redacted evidence;
 * this control only judges it, so a saved verdict replays offline.
 */
import type { Control, ControlInput } from "../control.js";
import { type ControlResult, type Finding, statusOf } from "../../engine/findings.js";
import { defaultRuleset } from "./ruleset.js";
import { evidenceMissingFinding, leakFinding, notScannedFinding, suppressedFinding } from "./findings.js";

export const secretsControl: Control = {
  id: "secrets",
  title: "No secrets in added lines",
  applies(input) {
    return input.policy.secrets.enabled && input.touched.length > 0;
  },
  evaluate(input) {
    return evaluateSecrets(input);
  },
};

/** Whether a path names a key file (id_rsa, *.p12, ...) under a path rule the policy has not disabled. */
function keyFileTest(disabled: readonly string[]): (path: string) => boolean {
  const rules = defaultRuleset().pathRules.filter((r) => !disabled.includes(r.id));
  return (path) =>
    rules.some((r) => {
      if (!r.path) return false;
      r.path.lastIndex = 0;
      return r.path.test(path);
    });
}

function evaluateSecrets(input: ControlInput): ControlResult {
  const evidence = input.evidence.secrets;
  if (!evidence) {
    // Fail closed: no scan is never the same as no secrets.
    return { control: "secrets", status: "fail", summary: "The added lines were not scanned for secrets.", findings: [evidenceMissingFinding()] };
  }
  const isKeyFile = keyFileTest(input.policy.secrets.disable);
  const findings: Finding[] = [
    ...evidence.findings.map(leakFinding),
    ...evidence.notScanned.map((n) => notScannedFinding(n, isKeyFile(n.path))),
    ...evidence.suppressed.map(suppressedFinding),
  ];
  const blocking = evidence.findings.filter((f) => f.severity === "block").length;
  const warnings = evidence.findings.length - blocking;
  const commits = `${evidence.commits} new commit${evidence.commits === 1 ? "" : "s"}`;
  const extra = [
    warnings > 0 ? `${warnings} possible` : "",
    evidence.notScanned.length > 0 ? `${evidence.notScanned.length} file(s) not scanned` : "",
    evidence.suppressed.length > 0 ? `${evidence.suppressed.length} suppressed` : "",
  ].filter(Boolean);
  const status = statusOf(findings);
  const summary =
    (blocking > 0 ? `${blocking} secret${blocking === 1 ? "" : "s"} added in ${commits}` : `No blocking secret in the lines added by ${commits}`) +
    (extra.length > 0 ? ` (${extra.join(", ")}).` : ".");
  return { control: "secrets", status, summary, findings };
}
