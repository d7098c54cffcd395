/**
 * The `merge_queue` control: a merge group may land only content that Vouch already passed. Every
 * pull request in the group must target the group's base and carry a successful `vouch` check on
 * the head that was queued, and the group's tree must equal the tree obtained by merging exactly
 * those heads onto the base in queue order. The list of pull requests is only a claim; the tree
 * equality is what proves the group holds nothing else.
 */
import type { Control, ControlInput } from "../control.js";
import type { ControlResult, Finding } from "../../engine/findings.js";
import { statusOf } from "../../engine/findings.js";
import type { MergeGroupEvidence, QueuedPullRequest } from "../../evidence/merge-group.js";

/** Findings listed per differing path at most; the rest are summed up in one. */
const MAX_PATH_FINDINGS = 50;

const short = (sha: string) => sha.slice(0, 7);
const prList = (numbers: readonly number[]) => numbers.map((n) => `#${n}`).join(", ");

export const mergeQueueControl: Control = {
  id: "merge_queue",
  title: "Merge queue",
  applies(input) {
    return input.evidence.change.kind === "merge_group";
  },
  evaluate(input) {
    return evaluateGroup(input);
  },
};

function evaluateGroup(input: ControlInput): ControlResult {
  const { change } = input.evidence;
  const group = input.evidence.mergeGroup;
  const base = { control: "merge_queue" as const };
  if (!group) {
    return finish([
      {
        ...base,
        code: "merge_queue.evidence_missing",
        severity: "error",
        message: `The evidence has no merge-group data for ${short(change.headSha)}, so Vouch cannot tell whether it is made only of approved changes.`,
        remedy: "Re-run the check; if it persists, check that the server has git access configured.",
      },
    ]);
  }
  const findings: Finding[] = [];
  if (group.pullRequests.length === 0) {
    findings.push({
      ...base,
      code: "merge_queue.pull_requests_unknown",
      severity: "error",
      message: `No pull request could be identified in merge group ${group.headRef} (looked at: ${group.discoveredFrom.join("; ") || "nothing"}).`,
      remedy: "Merge through GitHub's merge queue with the merge or squash method, whose commits name their pull requests, and re-run the check.",
      location: { ref: group.headRef, commit: change.headSha },
    });
    return finish(findings);
  }
  const branch = change.ref.replace(/^refs\/heads\//, "");
  for (const pr of group.pullRequests) findings.push(...pullRequestFindings(pr, branch));
  findings.push(...treeFindings(group, change.headSha));
  if (findings.every((f) => f.severity !== "error")) {
    findings.push({
      ...base,
      code: "merge_queue.composed",
      severity: "notice",
      message: `The group's tree ${short(group.headTree)} equals ${branch} at ${short(change.baseSha ?? "")} with ${prList(group.pullRequests.map((p) => p.number))} merged in order, each passed by Vouch on its queued head.`,
      remedy: "Nothing to do.",
    });
  }
  return finish(findings);
}

function pullRequestFindings(pr: QueuedPullRequest, branch: string): Finding[] {
  const out: Finding[] = [];
  const base = { control: "merge_queue" as const, location: { commit: pr.headSha } };
  if (pr.baseRef !== branch) {
    out.push({
      ...base,
      code: "merge_queue.wrong_base",
      severity: "error",
      message: `Pull request #${pr.number} targets ${pr.baseRef}, not ${branch}, so its verdict does not cover landing on ${branch}.`,
      remedy: `Remove #${pr.number} from the queue, or retarget it to ${branch} and let Vouch judge it again.`,
    });
  }
  if (pr.vouchConclusion !== "success") {
    const what = pr.vouchConclusion === null ? "has no completed vouch check" : `has a vouch check that concluded ${pr.vouchConclusion}`;
    out.push({
      ...base,
      code: "merge_queue.pull_request_not_passed",
      severity: "error",
      message: `Pull request #${pr.number} ${what} on its queued head ${short(pr.headSha)}; only changes Vouch passed may land.`,
      remedy: `Get #${pr.number} approved as its vouch check asks (or re-run that check), then queue it again.`,
    });
  }
  return out;
}

function treeFindings(group: MergeGroupEvidence, headSha: string): Finding[] {
  const base = { control: "merge_queue" as const };
  if (group.conflict) {
    return [
      {
        ...base,
        code: "merge_queue.not_composable",
        severity: "error",
        message: `Merging pull request #${group.conflict.number} onto the queue conflicts in ${group.conflict.paths.slice(0, 10).join(", ") || "(paths not reported)"}, so the group's content cannot be the approved changes alone.`,
        remedy: `Update #${group.conflict.number} on the base branch, resolve the conflict there, get the result approved, and queue it again.`,
        location: { commit: headSha, ...(group.conflict.paths[0] ? { path: group.conflict.paths[0] } : {}) },
      },
    ];
  }
  if (group.composedTree === group.headTree) return [];
  const owners = (path: string) => group.pullRequests.filter((p) => p.changedPaths.includes(path)).map((p) => p.number);
  const out: Finding[] = group.differingPaths.slice(0, MAX_PATH_FINDINGS).map((path): Finding => {
    const by = owners(path);
    return {
      ...base,
      code: "merge_queue.unapproved_content",
      severity: "error",
      message:
        by.length > 0
          ? `${path} in the group differs from what the approved heads of ${prList(by)} produce when merged in queue order.`
          : `${path} in the group differs from the approved changes, and no queued pull request changes it.`,
      remedy: "Remove the group from the queue; content that no approved pull request contains must come in through a reviewed pull request.",
      location: { path, commit: headSha },
    };
  });
  const rest = group.differingPaths.length - Math.min(group.differingPaths.length, MAX_PATH_FINDINGS);
  if (out.length === 0 || rest > 0 || !group.differingPathsComplete) {
    out.push({
      ...base,
      code: "merge_queue.unapproved_content",
      severity: "error",
      message: `The group's tree ${short(group.headTree)} is not the tree the approved heads produce (${group.composedTree ? short(group.composedTree) : "none"})${rest > 0 || !group.differingPathsComplete ? `; more differing paths than listed` : ""}.`,
      remedy: "Remove the group from the queue and land the changes through reviewed pull requests.",
      location: { commit: headSha },
    });
  }
  return out;
}

function finish(findings: Finding[]): ControlResult {
  const status = statusOf(findings);
  return {
    control: "merge_queue",
    status,
    summary: status === "pass" ? "The merge group is made only of changes Vouch passed." : "The merge group contains changes Vouch has not passed.",
    findings,
  };
}
