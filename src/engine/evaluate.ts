/**
 * evaluate(policy, evidence) -> verdict. Pure and deterministic: no I/O, no clock, no Probot.
 * Fail closed: an invalid policy, an evidence gap, or a requirement no control can judge
 * all make the verdict fail.
 */
import type { Evidence, LoadedPolicy } from "../evidence/types.js";
import type { Policy } from "../policy/schema.js";
import type { Control, ControlInput } from "../controls/control.js";
import { policyErrorFinding } from "../controls/policy/findings.js";
import { namespacesControl } from "../controls/namespaces/index.js";
import { reviewControl } from "../controls/review/index.js";
import { signaturesControl } from "../controls/signatures/control.js";
import { secretsControl } from "../controls/secrets/control.js";
import { mergeQueueControl } from "../controls/merge-queue/index.js";
import type { ControlId, ControlResult, Finding } from "./findings.js";
import { type TouchedNamespace, touchedNamespaces } from "./namespaces.js";
import { applyCodeowners } from "./codeowners.js";

export type Conclusion = "success" | "failure" | "neutral";

export interface Verdict {
  conclusion: Conclusion;
  /** One line: what the verdict is and the main reason. */
  title: string;
  policyDigest: string | null;
  observedAt: string;
  headSha: string;
  ref: string;
  namespaces: TouchedNamespace[];
  controls: ControlResult[];
  /** Every finding of every control, errors first. */
  findings: Finding[];
}

/** The controls shipped in this build. Later controls register here. */
export const CONTROLS: readonly Control[] = [namespacesControl, reviewControl, mergeQueueControl, signaturesControl, secretsControl];

const SEVERITY_ORDER = { error: 0, warning: 1, notice: 2 } as const;

export function evaluate(loaded: LoadedPolicy, evidence: Evidence, controls: readonly Control[] = CONTROLS): Verdict {
  const base = { observedAt: evidence.observedAt, headSha: evidence.change.headSha, ref: evidence.change.ref };
  if (loaded.status === "missing") {
    return {
      ...base,
      conclusion: "neutral",
      title: "No Vouch policy: add .github/vouch.yml to the default branch",
      policyDigest: null,
      namespaces: [],
      controls: [],
      findings: [],
    };
  }
  if (loaded.status === "invalid") {
    const findings = loaded.errors.map(policyErrorFinding);
    return {
      ...base,
      conclusion: "failure",
      title: `Invalid policy: ${findings.length} error${findings.length === 1 ? "" : "s"} in ${loaded.errors[0]?.path ?? "the policy"}`,
      policyDigest: loaded.digest,
      namespaces: [],
      controls: [{ control: "policy", status: "fail", summary: "The policy is invalid; nothing else was judged.", findings }],
      findings,
    };
  }
  return evaluateValid(loaded, evidence, controls);
}

function evaluateValid(
  loaded: Extract<LoadedPolicy, { status: "valid" }>,
  evidence: Evidence,
  controls: readonly Control[],
): Verdict {
  // `from_codeowners` namespaces become one namespace per CODEOWNERS rule owning a changed path.
  const { policy, findings: codeownersFindings } = applyCodeowners(loaded.policy, evidence);
  const touched = touchedNamespaces(policy.namespaces, evidence.change);
  const input: ControlInput = { policy, evidence, touched };

  const results: ControlResult[] = [
    { control: "policy", status: "pass", summary: `Policy ${loaded.digest.slice(0, 19)}… is valid.`, findings: [] },
  ];
  for (const control of controls) {
    if (control.applies(input)) results.push(control.evaluate(input));
  }
  const gapFindings = evidence.gaps.map(
    (g): Finding => ({
      code: "evidence.incomplete",
      control: "policy",
      severity: "error",
      message: `Could not gather ${g.what}: ${g.reason}`,
      remedy: "Re-run the check once the cause is fixed; Vouch never passes a change it could not fully inspect.",
    }),
  );
  const unavailable = unjudgedRequirements(policy, touched, new Set(controls.map((c) => c.id)));
  if (gapFindings.length + unavailable.length + codeownersFindings.length > 0) {
    const extra = [...codeownersFindings, ...gapFindings, ...unavailable];
    const failed = extra.some((f) => f.severity === "error");
    results[0] = {
      ...results[0]!,
      status: failed ? "fail" : "pass",
      summary: failed ? "Some requirements could not be judged." : results[0]!.summary,
      findings: extra,
    };
  }

  const findings = results
    .flatMap((r) => r.findings)
    .sort((a, b) => SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity]);
  const errors = findings.filter((f) => f.severity === "error");
  const conclusion: Conclusion = errors.length > 0 ? "failure" : "success";
  const title =
    conclusion === "success"
      ? touched.length === 0
        ? "No protected namespace touched"
        : `All requirements met for ${touched.map((t) => t.name).join(", ")}`
      : `${errors.length} problem${errors.length === 1 ? "" : "s"}: ${errors[0]!.message}`;
  return {
    observedAt: evidence.observedAt,
    headSha: evidence.change.headSha,
    ref: evidence.change.ref,
    conclusion,
    title: title.length > 200 ? `${title.slice(0, 199)}…` : title,
    policyDigest: loaded.digest,
    namespaces: touched,
    controls: results,
    findings,
  };
}

/**
 * Requirements the policy places on the touched namespaces that no registered control judges.
 * Each is an error: a requirement nobody checks must not read as met.
 */
function unjudgedRequirements(policy: Policy, touched: readonly TouchedNamespace[], have: Set<ControlId>): Finding[] {
  const out: Finding[] = [];
  const need = (control: ControlId, namespace: string, what: string) => {
    if (have.has(control)) return;
    out.push({
      code: "control.unavailable",
      control,
      severity: "error",
      namespace,
      message: `Namespace "${namespace}" requires ${what}, but this Vouch build has no ${control} control to verify it.`,
      remedy: `Upgrade Vouch to a release with the ${control} control, or remove the requirement from the policy.`,
    });
  };
  for (const t of touched) {
    const ns = policy.namespaces.find((n) => n.name === t.name);
    if (!ns) continue;
    if (ns.review && ns.review.approvals > 0) need("review", ns.name, `${ns.review.approvals} approval(s)`);
    if (ns.signatures?.required || policy.signatures.required) need("signatures", ns.name, "signed commits and tags");
    if (ns.forbid.length > 0) need("namespaces", ns.name, `no ${ns.forbid.join(", ")}`);
    if (policy.secrets.enabled) need("secrets", ns.name, "secret scanning of added lines");
  }
  return out;
}

