import { describe, expect, test } from "@jest/globals";
import { touchedNamespace, touchedNamespaces } from "../../src/engine/namespaces.js";
import { PolicySchema, type NamespacePolicy } from "../../src/policy/schema.js";
import type { Change, ChangedFile } from "../../src/evidence/types.js";

function ns(input: Record<string, unknown>): NamespacePolicy {
  const policy = PolicySchema.parse({ version: 1, namespaces: [{ name: "n", ...input }] });
  return policy.namespaces[0]!;
}

function change(ref: string, files: (string | ChangedFile)[], filesComplete = true): Change {
  return {
    kind: "pull_request",
    ref,
    baseSha: "a".repeat(40),
    headSha: "b".repeat(40),
    files: files.map((f) => (typeof f === "string" ? { path: f, status: "modified" as const } : f)),
    filesComplete,
  };
}

describe("namespace matching by ref", () => {
  test("an exact branch ref matches only that branch", () => {
    const n = ns({ refs: ["refs/heads/main"] });
    expect(touchedNamespace(n, change("refs/heads/main", ["a.txt"]))?.reasons).toEqual(["ref refs/heads/main"]);
    expect(touchedNamespace(n, change("refs/heads/main2", ["a.txt"]))).toBeNull();
    expect(touchedNamespace(n, change("refs/tags/main", ["a.txt"]))).toBeNull();
  });

  test("a single star stays within one ref component, a double star crosses them", () => {
    const single = ns({ refs: ["refs/heads/release/*"] });
    expect(touchedNamespace(single, change("refs/heads/release/1.0", []))).not.toBeNull();
    expect(touchedNamespace(single, change("refs/heads/release/1.0/hotfix", []))).toBeNull();
    const double = ns({ refs: ["refs/heads/release/**"] });
    expect(touchedNamespace(double, change("refs/heads/release/1.0/hotfix", []))).not.toBeNull();
  });

  test("tag namespaces match tags, not branches of the same name", () => {
    const tags = ns({ refs: ["refs/tags/v*"] });
    expect(touchedNamespace(tags, change("refs/tags/v1.2.3", []))).not.toBeNull();
    expect(touchedNamespace(tags, change("refs/heads/v1.2.3", []))).toBeNull();
  });

  test("matching is case-sensitive, as git refs are", () => {
    expect(touchedNamespace(ns({ refs: ["refs/heads/main"] }), change("refs/heads/Main", []))).toBeNull();
  });
});

describe("namespace matching by path", () => {
  const payments = ns({ paths: ["services/payments/**"] });

  test("a path namespace without refs applies on any ref when a file under it changes", () => {
    const t = touchedNamespace(payments, change("refs/heads/feature", ["services/payments/api.ts", "README.md"]));
    expect(t?.matchedPaths).toEqual(["services/payments/api.ts"]);
    expect(t?.reasons).toEqual(["paths services/payments/api.ts"]);
  });

  test("files outside the globs do not touch it", () => {
    expect(touchedNamespace(payments, change("refs/heads/main", ["services/paymentsX/a.ts", "docs/services/payments/x.md"]))).toBeNull();
  });

  test("either end of a rename counts: moving a file out of a protected path touches it", () => {
    const moved: ChangedFile = { path: "attic/api.ts", previousPath: "services/payments/api.ts", status: "renamed" };
    expect(touchedNamespace(payments, change("refs/heads/main", [moved]))?.matchedPaths).toEqual(["attic/api.ts"]);
  });

  test("dotfiles match globs (a .github file is not hidden from **)", () => {
    expect(touchedNamespace(ns({ paths: ["**"] }), change("refs/heads/main", [".github/vouch.yml"]))).not.toBeNull();
    expect(touchedNamespace(ns({ paths: [".github/**"] }), change("refs/heads/main", [".github/workflows/ci.yml"]))).not.toBeNull();
  });

  test("patterns match the full path: *.pem only at the root, **/*.pem anywhere", () => {
    expect(touchedNamespace(ns({ paths: ["*.pem"] }), change("refs/heads/main", ["keys/a.pem"]))).toBeNull();
    expect(touchedNamespace(ns({ paths: ["**/*.pem"] }), change("refs/heads/main", ["keys/a.pem"]))).not.toBeNull();
  });

  test("a leading ! is a literal, not a negation that would unprotect everything else", () => {
    expect(touchedNamespace(ns({ paths: ["!secret"] }), change("refs/heads/main", ["other.txt"]))).toBeNull();
  });

  test("refs and paths together: both must match", () => {
    const n = ns({ refs: ["refs/heads/main"], paths: ["services/payments/**"] });
    expect(touchedNamespace(n, change("refs/heads/dev", ["services/payments/a.ts"]))).toBeNull();
    expect(touchedNamespace(n, change("refs/heads/main", ["README.md"]))).toBeNull();
    expect(touchedNamespace(n, change("refs/heads/main", ["services/payments/a.ts"]))?.reasons).toEqual([
      "ref refs/heads/main",
      "paths services/payments/a.ts",
    ]);
  });

  test("an incomplete file list fails closed: path namespaces count as touched", () => {
    const t = touchedNamespace(payments, change("refs/heads/main", ["README.md"], false));
    expect(t).not.toBeNull();
    expect(t?.reasons.join(" ")).toMatch(/incomplete/);
  });

  test("long match lists are summarised in the reason but kept whole in matchedPaths", () => {
    const files = Array.from({ length: 8 }, (_, i) => `services/payments/f${i}.ts`);
    const t = touchedNamespace(payments, change("refs/heads/main", files));
    expect(t?.matchedPaths).toHaveLength(8);
    expect(t?.reasons[0]).toMatch(/and 3 more$/);
  });
});

test("touchedNamespaces keeps policy order and holds a change to every namespace it touches", () => {
  const policy = PolicySchema.parse({
    version: 1,
    namespaces: [
      { name: "main", refs: ["refs/heads/main"] },
      { name: "docs", paths: ["docs/**"] },
      { name: "payments", paths: ["services/payments/**"] },
    ],
  });
  const touched = touchedNamespaces(policy.namespaces, change("refs/heads/main", ["docs/a.md", "services/payments/b.ts"]));
  expect(touched.map((t) => t.name)).toEqual(["main", "docs", "payments"]);
});
