/**
 * The `namespaces` control: on a push to a protected ref, the operations the namespace forbids
 * (direct push, force-push, deletion, moving a tag) are violations. A GitHub App cannot reject a
 * push, so these findings fail the check on the pushed commit and are recorded for the ledger.
 * Only namespaces that list refs judge pushes: a namespace of paths alone protects content on its
 * way in through review, not any particular ref.
 */
import type { Control, ControlInput } from "../control.js";
import type { Finding } from "../../engine/findings.js";
import { statusOf } from "../../engine/findings.js";
import type { Change, PushInfo } from "../../evidence/types.js";
import type { NamespacePolicy, Policy } from "../../policy/schema.js";
import { displayName } from "../review/people.js";
import { principalIncludes, resolvePrincipal } from "../review/principals.js";
import { type PushOperation, classifyPush } from "./operations.js";

const short = (sha: string) => sha.slice(0, 7);

function judgedNamespaces(input: ControlInput): NamespacePolicy[] {
  const touched = new Set(input.touched.map((t) => t.name));
  return input.policy.namespaces.filter(
    (ns) => touched.has(ns.name) && ns.refs.length > 0 && (ns.forbid.length > 0 || (ns.review?.approvals ?? 0) > 0),
  );
}

export const namespacesControl: Control = {
  id: "namespaces",
  title: "Protected namespaces",
  applies(input) {
    return input.evidence.change.kind === "push" && judgedNamespaces(input).length > 0;
  },
  evaluate(input) {
    const { evidence } = input;
    const change = evidence.change;
    const namespaces = judgedNamespaces(input);
    const push = change.push;
    if (!push) {
      const findings: Finding[] = [
        {
          code: "namespaces.evidence_missing",
          control: "namespaces",
          severity: "error",
          message: `The evidence of this push to ${change.ref} does not say what the push did (before, after, forced, deleted), so its operations could not be judged.`,
          remedy: "Re-run the check from the push event.",
          location: { ref: change.ref },
        },
      ];
      return { control: "namespaces", status: "fail", summary: "The push could not be judged.", findings };
    }
    const ops = classifyPush(change, push);
    const findings = namespaces.flatMap((ns) => ops.flatMap((op) => judge(ns, op, change, push, input.policy, evidence.teams ?? [])));
    const status = statusOf(findings);
    const what = ops.map((o) => o.op).join(" + ");
    const summary =
      status === "pass"
        ? `Push to ${change.ref} (${what}) breaks no rule of ${namespaces.map((n) => n.name).join(", ")}.`
        : `Push to ${change.ref} (${what}) violates ${[...new Set(findings.filter((f) => f.severity === "error").map((f) => f.namespace))].join(", ")}.`;
    return { control: "namespaces", status, summary, findings };
  },
};

function judge(
  ns: NamespacePolicy,
  op: PushOperation,
  change: Change,
  push: PushInfo,
  policy: Policy,
  teams: NonNullable<ControlInput["evidence"]["teams"]>,
): Finding[] {
  const who = push.pusher.login ? displayName(push.pusher) : (push.pusher.name ?? "an unknown pusher");
  const ref = change.ref;
  const base = { control: "namespaces" as const, namespace: ns.name };
  const at = (commit: string) => ({ location: { ref, commit } });
  const forbids = (o: NamespacePolicy["forbid"][number]) => ns.forbid.includes(o);
  const error = (code: string, message: string, remedy: string, commit: string): Finding => ({
    ...base,
    code,
    severity: "error",
    message,
    remedy,
    ...at(commit),
  });

  switch (op.op) {
    case "deletion":
      return forbids("deletion")
        ? [error("namespaces.deletion", `${who} deleted ${ref} (was ${short(push.before)}), which namespace "${ns.name}" forbids.`, `Recreate ${ref} at ${push.before}, and block deletions of it with a ruleset; Vouch can only report them.`, push.before)]
        : [];
    case "force-push":
      return forbids("force-push")
        ? [error("namespaces.force_push", `${who} force-pushed ${ref} from ${short(push.before)} to ${short(push.after)}, rewriting history that namespace "${ns.name}" protects.`, `If the rewrite was not intended, restore ${ref} to ${push.before}; block force pushes to it with a ruleset.`, push.after)]
        : [];
    case "move":
      if (forbids("move")) {
        return [error("namespaces.tag_moved", `${who} moved tag ${ref} from ${short(push.before)} to ${short(push.after)}; namespace "${ns.name}" makes its tags immutable.`, `Point ${ref} back at ${push.before} and publish a new tag instead.`, push.after)];
      }
      // A moved tag is a forced ref update: a namespace that forbids force-pushes forbids it too.
      return forbids("force-push")
        ? [error("namespaces.force_push", `${who} force-updated tag ${ref} from ${short(push.before)} to ${short(push.after)}, which namespace "${ns.name}" forbids.`, `Point ${ref} back at ${push.before} and publish a new tag instead.`, push.after)]
        : [];
    case "tag-create": {
      if (!forbids("direct-push") || ns.owners.length === 0) return [];
      const owners = ns.owners.map((p) => resolvePrincipal(p, policy, teams));
      const pusher = { login: push.pusher.login, id: push.pusher.id };
      if (owners.some((o) => principalIncludes(o, pusher))) return [];
      return [error("namespaces.direct_push", `${who} created tag ${ref} at ${short(push.after)} but is not an owner of namespace "${ns.name}" (${ns.owners.join(", ")}).`, `Delete the tag if it was not intended; only ${ns.owners.join(", ")} may create tags in "${ns.name}".`, push.after)];
    }
    case "direct-push": {
      const via = op.pullRequest
        ? ` It merged pull request #${op.pullRequest.number}, which Vouch did not pass.`
        : " It was not the merge of a pull request.";
      if (forbids("direct-push")) {
        return [error("namespaces.direct_push", `${who} pushed ${short(push.after)} directly to ${ref}, which namespace "${ns.name}" forbids.${via}`, `Land changes to ${ref} through a pull request that passes Vouch; review the pushed commits now and revert them if they were not meant to land. Require the vouch check in a ruleset so GitHub blocks this.`, push.after)];
      }
      if ((ns.review?.approvals ?? 0) > 0) {
        return [{ ...base, code: "namespaces.unreviewed_push", severity: "warning", message: `${who} pushed ${short(push.after)} to ${ref} without the review namespace "${ns.name}" requires.${via}`, remedy: `Review the pushed commits after the fact; add direct-push to the namespace's forbid list to make this a violation.`, ...at(push.after) }];
      }
      return [];
    }
    case "merge":
      return [{ ...base, code: "namespaces.merged_pull_request", severity: "notice", message: `${who} pushed ${short(push.after)} to ${ref} as the merge of pull request #${op.pullRequest.number}, which Vouch passed.`, remedy: "Nothing to do.", ...at(push.after) }];
    case "branch-create":
      return [];
    case "initial":
      return forbids("direct-push") || (ns.review?.approvals ?? 0) > 0
        ? [{ ...base, code: "namespaces.initial_push", severity: "warning", message: `${who} made the repository's first push (${ref} at ${short(push.after)}); there was nothing to review it against.`, remedy: "Review the initial content once; from now on changes to this ref go through pull requests.", ...at(push.after) }]
        : [];
  }
}
