/** The one interface every control implements. Controls are pure: they read evidence and return findings. */
import type { Policy } from "../policy/schema.js";
import type { Evidence } from "../evidence/types.js";
import type { ControlId, ControlResult } from "../engine/findings.js";
import type { TouchedNamespace } from "../engine/namespaces.js";

export interface ControlInput {
  policy: Policy;
  evidence: Evidence;
  /** The protected namespaces this change touches, in policy order. */
  touched: readonly TouchedNamespace[];
}

export interface Control {
  id: ControlId;
  title: string;
  /** True when the policy asks this control to judge the change at all. */
  applies(input: ControlInput): boolean;
  evaluate(input: ControlInput): ControlResult;
}
