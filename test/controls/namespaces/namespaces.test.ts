import { describe, expect, test } from "@jest/globals";
import { namespacesControl } from "../../../src/controls/namespaces/index.js";
import { classifyPush } from "../../../src/controls/namespaces/operations.js";
import { touchedNamespaces } from "../../../src/engine/namespaces.js";
import { evaluate } from "../../../src/engine/evaluate.js";
import type { ControlResult } from "../../../src/engine/findings.js";
import { EVIDENCE_SCHEMA, type Evidence, type PushInfo } from "../../../src/evidence/types.js";
import { PolicySchema, type Policy, type PolicyInput } from "../../../src/policy/schema.js";

const ZERO = "0".repeat(40);
const BEFORE = "1".repeat(40);
const AFTER = "2".repeat(40);

function policy(input: Omit<PolicyInput, "version">): Policy {
  return PolicySchema.parse({ version: 1, ...input });
}

const protectedMain = policy({
  identities: { rel: { github: "releaser", github_id: 70 } },
  namespaces: [
    { name: "main", refs: ["refs/heads/main"], forbid: ["direct-push", "force-push", "deletion"] },
    { name: "releases", refs: ["refs/tags/v*"], owners: ["rel"], forbid: ["move", "deletion", "direct-push"] },
    { name: "payments", paths: ["services/payments/**"], forbid: ["direct-push"], review: { approvals: 1 } },
  ],
});

function push(ref: string, p: Partial<PushInfo> = {}, files: string[] = ["src/a.ts"]): Evidence {
  const info: PushInfo = { before: BEFORE, after: AFTER, created: false, deleted: false, forced: false, pusher: { login: "mallory", id: 66 }, ...p };
  return {
    schema: EVIDENCE_SCHEMA,
    repository: { id: 1, fullName: "acme/app" },
    observedAt: "2026-11-25T12:00:00.000Z",
    change: {
      kind: "push",
      ref,
      baseSha: info.created ? null : info.before,
      headSha: info.deleted ? info.before : info.after,
      files: info.deleted ? [] : files.map((path) => ({ path, status: "modified" as const })),
      filesComplete: true,
      push: info,
    },
    gaps: [],
  };
}

function judge(e: Evidence, p: Policy = protectedMain): ControlResult {
  return namespacesControl.evaluate({ policy: p, evidence: e, touched: touchedNamespaces(p.namespaces, e.change) });
}
const codes = (r: ControlResult) => r.findings.map((f) => `${f.severity}:${f.code}:${f.namespace}`);

describe("namespaces control on pushes", () => {
  test("edge case 20: a direct push to main that is not the merge of a passed pull request is a violation naming the pusher", () => {
    const r = judge(push("refs/heads/main"));
    expect(r.status).toBe("fail");
    expect(codes(r)).toEqual(["error:namespaces.direct_push:main"]);
    const f = r.findings[0]!;
    expect(f.message).toBe('mallory pushed 2222222 directly to refs/heads/main, which namespace "main" forbids. It was not the merge of a pull request.');
    expect(f.location).toEqual({ ref: "refs/heads/main", commit: AFTER });
  });

  test("edge case 6: the merge of a pull request Vouch passed is the reviewed path, not a direct push", () => {
    const r = judge(push("refs/heads/main", { viaPullRequest: { number: 12, passed: true, headSha: "3".repeat(40) } }));
    expect(r.status).toBe("pass");
    expect(codes(r)).toEqual(["notice:namespaces.merged_pull_request:main"]);
    const failedPr = judge(push("refs/heads/main", { viaPullRequest: { number: 13, passed: false } }));
    expect(failedPr.findings[0]?.message).toMatch(/merged pull request #13, which Vouch did not pass/);
    expect(failedPr.status).toBe("fail");
  });

  test("a force-push is caught, and its new content is a direct push too", () => {
    const r = judge(push("refs/heads/main", { forced: true }));
    expect(codes(r)).toEqual(["error:namespaces.force_push:main", "error:namespaces.direct_push:main"]);
    expect(r.findings[0]?.remedy).toMatch(/restore refs\/heads\/main to 1{40}/);
    // A force-push that lands a passed pull request is still a force-push.
    expect(codes(judge(push("refs/heads/main", { forced: true, viaPullRequest: { number: 1, passed: true } })))).toContain(
      "error:namespaces.force_push:main",
    );
  });

  test("deleting a protected branch or release tag is a violation pointing at what was deleted", () => {
    for (const ref of ["refs/heads/main", "refs/tags/v1.0"]) {
      const r = judge(push(ref, { deleted: true, after: ZERO }));
      expect(r.findings.map((f) => f.code)).toEqual(["namespaces.deletion"]);
      expect(r.findings[0]?.location?.commit).toBe(BEFORE);
    }
  });

  test("moving a release tag is a violation; a namespace forbidding only force-push catches it too", () => {
    expect(codes(judge(push("refs/tags/v1.0", { forced: true })))).toEqual(["error:namespaces.tag_moved:releases"]);
    const p = policy({ namespaces: [{ name: "tags", refs: ["refs/tags/**"], forbid: ["force-push"] }] });
    expect(codes(judge(push("refs/tags/x", { forced: true }), p))).toEqual(["error:namespaces.force_push:tags"]);
  });

  test("creating a release tag is allowed for its owners only (numeric id matched)", () => {
    const created = { before: ZERO, created: true };
    expect(judge(push("refs/tags/v2.0", { ...created, pusher: { login: "releaser-renamed", id: 70 } })).status).toBe("pass");
    const r = judge(push("refs/tags/v2.0", created));
    expect(codes(r)).toEqual(["error:namespaces.direct_push:releases"]);
    expect(r.findings[0]?.message).toMatch(/mallory created tag refs\/tags\/v2.0 .* not an owner of namespace "releases" \(rel\)/);
  });

  test("a new protected branch at content already on the default branch is allowed; with new content it is a direct push", () => {
    const p = policy({ namespaces: [{ name: "release", refs: ["refs/heads/release/*"], forbid: ["direct-push"] }] });
    expect(judge(push("refs/heads/release/1", { before: ZERO, created: true }, []), p).status).toBe("pass");
    expect(codes(judge(push("refs/heads/release/1", { before: ZERO, created: true }, ["x.ts"]), p))).toEqual([
      "error:namespaces.direct_push:release",
    ]);
    // An incomplete file list cannot prove the branch adds nothing.
    const partial = push("refs/heads/release/1", { before: ZERO, created: true }, []);
    partial.change.filesComplete = false;
    expect(judge(partial, p).status).toBe("fail");
  });

  test("the repository's first push is reported as unreviewable, not as a violation", () => {
    const r = judge(push("refs/heads/main", { before: ZERO, created: true, initial: true }));
    expect(r.status).toBe("pass");
    expect(codes(r)).toEqual(["warning:namespaces.initial_push:main"]);
  });

  test("namespaces of paths alone do not judge pushes to any branch; operations not forbidden pass", () => {
    const feature = push("refs/heads/feature", { forced: true }, ["services/payments/x.ts"]);
    expect(namespacesControl.applies({ policy: protectedMain, evidence: feature, touched: touchedNamespaces(protectedMain.namespaces, feature.change) })).toBe(false);
    const lax = policy({ namespaces: [{ name: "dev", refs: ["refs/heads/dev"], forbid: ["deletion"] }] });
    expect(judge(push("refs/heads/dev", { forced: true }), lax).findings).toEqual([]);
  });

  test("an unreviewed push to a namespace requiring review warns even when direct pushes are not forbidden", () => {
    const p = policy({ namespaces: [{ name: "main", refs: ["refs/heads/main"], review: { approvals: 2 } }] });
    const r = judge(push("refs/heads/main"), p);
    expect(r.status).toBe("pass");
    expect(codes(r)).toEqual(["warning:namespaces.unreviewed_push:main"]);
  });

  test("a push without push details fails closed; pull requests are not this control's to judge", () => {
    const e = push("refs/heads/main");
    delete e.change.push;
    expect(judge(e).findings.map((f) => f.code)).toEqual(["namespaces.evidence_missing"]);
    const asPr: Evidence = { ...e, change: { ...e.change, kind: "pull_request" } };
    expect(namespacesControl.applies({ policy: protectedMain, evidence: asPr, touched: touchedNamespaces(protectedMain.namespaces, asPr.change) })).toBe(false);
  });

  test("registered with evaluate(), a force-push fails the verdict", () => {
    const p = policy({ namespaces: [{ name: "main", refs: ["refs/heads/main"], forbid: ["force-push"] }], secrets: { enabled: false } });
    const v = evaluate({ status: "valid", policy: p, digest: "sha256:00", sources: [] }, push("refs/heads/main", { forced: true }), [namespacesControl]);
    expect(v.conclusion).toBe("failure");
    expect(v.title).toMatch(/force-pushed refs\/heads\/main/);
  });
});

describe("classifyPush", () => {
  test("a deletion is only a deletion, whatever else the payload claims", () => {
    const e = push("refs/heads/main", { deleted: true, forced: true, after: ZERO });
    expect(classifyPush(e.change, e.change.push!)).toEqual([{ op: "deletion" }]);
  });
});
