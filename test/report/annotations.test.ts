import { describe, test, expect } from "@jest/globals";
import type { Finding } from "../../src/engine/findings.js";
import { MAX_ANNOTATION_TITLE, annotationFor, annotationsFor, clip } from "../../src/report/annotations.js";

const REPO = "acme/app";

function finding(overrides: Partial<Finding> = {}): Finding {
  return {
    code: "secrets.aws_access_key",
    control: "secrets",
    severity: "error",
    message: "An AWS access key id was added (AKIA…XYZ).",
    remedy: "Remove it from history and rotate the key.",
    location: { path: "src/config.ts", line: 10 },
    ...overrides,
  };
}

describe("annotationFor", () => {
  test.each([
    ["error", "failure"],
    ["warning", "warning"],
    ["notice", "notice"],
  ] as const)("severity %s becomes annotation_level %s", (severity, level) => {
    expect(annotationFor(finding({ severity }), REPO)?.annotation_level).toBe(level);
  });

  test("the message carries what is wrong, the commit and the remedy", () => {
    const a = annotationFor(finding({ location: { path: "src/config.ts", line: 10, commit: "e".repeat(40) } }), REPO)!;
    expect(a.message).toBe(
      `An AWS access key id was added (AKIA…XYZ).\n\nCommit: ${"e".repeat(40)}\n\nFix: Remove it from history and rotate the key.`,
    );
    expect(a.title).toBe("secrets.aws_access_key");
  });

  test("columns only when the annotation is on one line", () => {
    const single = annotationFor(finding({ location: { path: "a", line: 3, column: 4, endColumn: 9 } }), REPO)!;
    expect(single).toMatchObject({ start_line: 3, end_line: 3, start_column: 4, end_column: 9 });
    const multi = annotationFor(finding({ location: { path: "a", line: 3, endLine: 5, column: 4, endColumn: 9 } }), REPO)!;
    expect(multi).toMatchObject({ start_line: 3, end_line: 5 });
    expect(multi).not.toHaveProperty("start_column");
    expect(multi).not.toHaveProperty("end_column");
  });

  test("nonsensical positions are repaired rather than sent to GitHub", () => {
    const a = annotationFor(finding({ location: { path: "./a.ts", line: 0, endLine: -2, column: 0 } }), REPO)!;
    expect(a).toMatchObject({ path: "a.ts", start_line: 1, end_line: 1 });
    expect(a).not.toHaveProperty("start_column");
    const b = annotationFor(finding({ location: { path: "a.ts", line: 8, endLine: 2, column: 7, endColumn: 1 } }), REPO)!;
    expect(b).toMatchObject({ start_line: 8, end_line: 8, start_column: 7, end_column: 7 });
  });

  test("findings without a path or a line get no annotation", () => {
    expect(annotationFor(finding({ location: undefined }), REPO)).toBeNull();
    expect(annotationFor(finding({ location: { path: "a.ts" } }), REPO)).toBeNull();
    expect(annotationFor(finding({ location: { line: 3, commit: "abc" } }), REPO)).toBeNull();
    expect(annotationFor(finding({ location: { path: "/", line: 3 } }), REPO)).toBeNull();
  });

  test("the title stays within 255 characters, even with astral characters at the cut", () => {
    const a = annotationFor(finding({ code: "x".repeat(240), namespace: "😀".repeat(40) }), REPO)!;
    expect(a.title!.length).toBeLessThanOrEqual(MAX_ANNOTATION_TITLE);
    expect(a.title).toMatch(/…$/);
    expect(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])/.test(a.title!)).toBe(false);
  });

  test("a very long message is clipped", () => {
    const a = annotationFor(finding({ message: "m".repeat(100_000) }), REPO)!;
    expect(a.message.length).toBeLessThanOrEqual(4000);
  });
});

describe("annotationsFor", () => {
  test("keeps finding order and skips unlocated findings", () => {
    const list = annotationsFor(
      [finding({ location: { path: "b", line: 1 } }), finding({ location: undefined }), finding({ location: { path: "a", line: 2 } })],
      REPO,
    );
    expect(list.map((a) => a.path)).toEqual(["b", "a"]);
  });

  test("a path that only the organization baseline has is not annotated here; the repository's own file is", () => {
    const f = finding({ code: "policy.invalid", location: { path: ".github/vouch.yml", line: 4 } });
    const baseline = { repository: "acme/.github", path: ".github/vouch.yml", ref: "main" };
    expect(annotationsFor([f], REPO, [baseline])).toEqual([]);
    expect(annotationsFor([f], REPO, [baseline, { repository: "Acme/App", path: ".github/vouch.yml", ref: "main" }])).toHaveLength(1);
  });
});

describe("clip", () => {
  test("returns short strings unchanged and cuts long ones to the limit", () => {
    expect(clip("abc", 3)).toBe("abc");
    expect(clip("abcd", 3)).toBe("ab…");
  });
});
