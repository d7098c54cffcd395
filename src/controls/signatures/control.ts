/**
 * The `signatures` control: when a touched namespace requires signatures, every new commit and
 * tag must carry a valid signature by a trusted key bound to its committer (tagger). The adapter
 * verified the signatures (async, crypto-heavy) and recorded the verdicts in the evidence; this
 * control only judges them, so a saved verdict replays offline.
 */
import type { Control, ControlInput } from "../control.js";
import { type ControlResult, type Finding, statusOf } from "../../engine/findings.js";
import { evidenceMissingFinding, keySourceFinding, objectFinding, webFlowFinding } from "./findings.js";
import { isWebFlowKey } from "./web-flow.js";

/** Touched namespaces that require signatures, directly or through the top-level `signatures.required`. */
export function signatureNamespaces(input: ControlInput): string[] {
  const touched = new Set(input.touched.map((t) => t.name));
  return input.policy.namespaces
    .filter((ns) => touched.has(ns.name) && (ns.signatures?.required === true || input.policy.signatures.required))
    .map((ns) => ns.name);
}

export const signaturesControl: Control = {
  id: "signatures",
  title: "Signed commits and tags",
  applies(input) {
    return signatureNamespaces(input).length > 0;
  },
  evaluate(input) {
    return evaluateSignatures(input);
  },
};

function evaluateSignatures(input: ControlInput): ControlResult {
  const namespaces = signatureNamespaces(input);
  const evidence = input.evidence.signatures;
  if (!evidence) {
    // Fail closed: no verdicts is never the same as no unsigned commits.
    return { control: "signatures", status: "fail", summary: "No signature verdicts were gathered.", findings: [evidenceMissingFinding(namespaces)] };
  }
  const { policy } = input;
  // A finding names its namespace only when exactly one asked for signatures; otherwise all of them did.
  const ns = namespaces.length === 1 ? namespaces[0] : undefined;
  const findings: Finding[] = [];
  for (const key of evidence.keys) {
    // Key files are the CLI operator's choice; pinned keys count only through allow_github_web_flow below.
    if ((key.source === "policy" || key.source === "github") && !policy.signatures.keys.includes(key.source)) {
      findings.push(keySourceFinding(key.source, key.where, policy.signatures.keys));
    }
  }
  let valid = 0;
  let webFlow = 0;
  for (const o of evidence.objects) {
    if (o.signature.status !== "valid") {
      findings.push(objectFinding(o, ns));
    } else if (o.signature.format === "openpgp" && isWebFlowKey(o.signature.key)) {
      if (policy.signatures.allow_github_web_flow) {
        webFlow++;
        valid++;
      } else {
        findings.push(webFlowFinding(o, ns));
      }
    } else {
      valid++;
    }
  }
  const total = evidence.objects.length;
  const objects = (n: number) => `${n} new commit${n === 1 ? "" : "s"}/tag${n === 1 ? "" : "s"}`;
  const bad = total - valid;
  const status = statusOf(findings);
  const viaWebFlow = webFlow > 0 ? ` (${webFlow} signed by GitHub's web-flow key, which the policy allows)` : "";
  const summary =
    status === "pass"
      ? total === 0
        ? "No new commits or tags to verify."
        : `All ${objects(total)} validly signed by trusted keys${viaWebFlow}.`
      : bad > 0
        ? `${bad} of ${objects(total)} without a valid, trusted signature.`
        : "The signatures were verified with keys the policy does not trust.";
  return { control: "signatures", status, summary, findings };
}
