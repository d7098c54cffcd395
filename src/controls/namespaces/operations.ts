/**
 * What a push did to a ref, in the policy's terms: deletion, force-push, moving a tag, or a direct
 * push (new content that did not arrive as the merge of a pull request Vouch passed).
 */
import type { Change, PushInfo } from "../../evidence/types.js";

export type RefKind = "branch" | "tag" | "other";

export function refKind(ref: string): RefKind {
  return ref.startsWith("refs/heads/") ? "branch" : ref.startsWith("refs/tags/") ? "tag" : "other";
}

export type PushOperation =
  | { op: "deletion" }
  | { op: "force-push" }
  | { op: "move" }
  /** A tag created; direct-push on tags means only the namespace's owners may create them. */
  | { op: "tag-create" }
  /** New content on a branch that did not arrive through a passed pull request. */
  | { op: "direct-push"; pullRequest?: { number: number; passed: boolean } }
  /** The merge of a pull request Vouch passed: the reviewed path. */
  | { op: "merge"; pullRequest: { number: number } }
  /** A new branch at content already on the default branch: nothing new to review. */
  | { op: "branch-create" }
  /** The repository's first push: there was nothing to review against. */
  | { op: "initial" };

const ZERO = /^0+$/;

/** Classifies one push. A push can be both forced and direct; both are returned. */
export function classifyPush(change: Change, push: PushInfo): PushOperation[] {
  const kind = refKind(change.ref);
  if (push.deleted || ZERO.test(push.after)) return [{ op: "deletion" }];
  const created = push.created || ZERO.test(push.before);
  if (push.initial) return [{ op: "initial" }];
  if (kind === "tag") return created ? [{ op: "tag-create" }] : [{ op: "move" }];
  const ops: PushOperation[] = [];
  if (push.forced && !created) ops.push({ op: "force-push" });
  const via = push.viaPullRequest;
  if (via?.passed) ops.push({ op: "merge", pullRequest: { number: via.number } });
  else if (created && change.files.length === 0 && change.filesComplete && !via) ops.push({ op: "branch-create" });
  else ops.push({ op: "direct-push", ...(via ? { pullRequest: { number: via.number, passed: via.passed } } : {}) });
  return ops;
}
