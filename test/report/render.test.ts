import { describe, test, expect } from "@jest/globals";
import { evaluate, type Verdict } from "../../src/engine/evaluate.js";
import type { Control } from "../../src/controls/control.js";
import type { ControlId, Finding } from "../../src/engine/findings.js";
import { EVIDENCE_SCHEMA, type Evidence, type LoadedPolicy, type PolicySource } from "../../src/evidence/types.js";
import { PolicySchema, type PolicyInput } from "../../src/policy/schema.js";
import { MAX_ANNOTATIONS, renderCheckOutput } from "../../src/report/render.js";
import { OUTPUT_LIMIT } from "../../src/report/truncate.js";

const REPO = "acme/app";
const SOURCE: PolicySource = { repository: REPO, path: ".github/vouch.yml", ref: "main", sha: "c".repeat(40) };
const DIGEST = "sha256:" + "ab".repeat(32);
const OBSERVED = "2026-11-25T12:00:00.000Z";

function valid(input: Omit<PolicyInput, "version">): LoadedPolicy {
  return { status: "valid", policy: PolicySchema.parse({ version: 1, ...input }), digest: DIGEST, sources: [SOURCE] };
}

function evidence(files: string[], ref = "refs/heads/main"): Evidence {
  return {
    schema: EVIDENCE_SCHEMA,
    repository: { id: 1, fullName: REPO },
    observedAt: OBSERVED,
    change: {
      kind: "pull_request",
      ref,
      baseSha: "a".repeat(40),
      headSha: "b".repeat(40),
      files: files.map((path) => ({ path, status: "modified" as const })),
      filesComplete: true,
    },
    gaps: [],
  };
}

/** A control that always reports the given findings. */
function fixed(id: ControlId, findings: Finding[], summary = `${id} ran`): Control {
  return {
    id,
    title: id,
    applies: () => true,
    evaluate: () => ({
      control: id,
      status: findings.some((f) => f.severity === "error") ? "fail" : "pass",
      summary,
      findings,
    }),
  };
}

const POLICY = valid({
  namespaces: [
    { name: "default-branch", refs: ["refs/heads/main"], review: { approvals: 1 } },
    { name: "payments", paths: ["services/payments/**"], signatures: { required: true } },
    { name: "docs", paths: ["docs/**"] },
  ],
  secrets: { enabled: false },
});

function failingVerdict(): Verdict {
  const review: Finding = {
    code: "review.missing_approval",
    control: "review",
    severity: "error",
    namespace: "default-branch",
    message: "Needs 1 approval from an eligible reviewer; bob approved an older head.",
    remedy: "Ask a maintainer other than the author to approve the current head.",
  };
  const unsigned: Finding = {
    code: "signatures.unsigned",
    control: "signatures",
    severity: "error",
    namespace: "payments",
    message: "Commit is not signed.",
    remedy: "Sign the commit with a key listed in the policy and force-push.",
    location: { path: "services/payments/pay.ts", line: 12, commit: "d".repeat(40) },
  };
  const stale: Finding = {
    code: "signatures.key_expiring",
    control: "signatures",
    severity: "warning",
    namespace: "payments",
    message: "alice's key expires in 5 days.",
    remedy: "Extend or rotate the key.",
  };
  const fyi: Finding = {
    code: "signatures.web_flow",
    control: "signatures",
    severity: "notice",
    message: "One commit was created by GitHub's web flow.",
    remedy: "Nothing to do.",
  };
  return evaluate(
    POLICY,
    evidence(["services/payments/pay.ts", "README.md"]),
    [fixed("review", [review], "0 of 1 approvals"), fixed("signatures", [unsigned, stale, fyi], "1 unsigned commit")],
  );
}

function sectionOf(markdown: string, heading: string): string {
  const start = markdown.indexOf(`### ${heading}`);
  if (start < 0) throw new Error(`no section ${heading}`);
  const next = markdown.indexOf("\n### ", start + 4);
  return markdown.slice(start, next < 0 ? undefined : next);
}

/** Table cells split on unescaped pipes only, as GitHub does. */
function cells(line: string): string[] {
  return line.split(/(?<!\\)\|/).slice(1, -1).map((c) => c.trim());
}

describe("renderCheckOutput: summary", () => {
  test("opens with the conclusion and the one-line reason", () => {
    const v = failingVerdict();
    const out = renderCheckOutput(v, { repository: REPO, policySources: [SOURCE] });
    expect(out.title).toBe(v.title);
    expect(out.summary.split("\n")[0]).toMatch(/^## ❌ Failed: 2 problems\\: Needs 1 approval/);
  });

  test("has one row per touched namespace saying why it is touched and whether it failed", () => {
    const out = renderCheckOutput(failingVerdict(), { repository: REPO, policySources: [SOURCE] });
    const rows = sectionOf(out.summary, "Protected namespaces")
      .split("\n")
      .filter((l) => l.startsWith("| ") && !l.startsWith("| Namespace"))
      .map(cells);
    expect(rows).toHaveLength(2); // docs is not touched
    expect(rows[0]![0]).toBe("default\\-branch");
    expect(rows[0]![1]).toMatch(/❌ 1 error/);
    expect(rows[0]![2]).toBe("ref refs/heads/main");
    expect(rows[1]![0]).toBe("payments");
    expect(rows[1]![2]).toBe("paths services/payments/pay\\.ts");
  });

  test("has one row per control: pass, fail or not applicable", () => {
    const out = renderCheckOutput(failingVerdict(), { repository: REPO, policySources: [SOURCE] });
    const rows = sectionOf(out.summary, "Controls")
      .split("\n")
      .filter((l) => l.startsWith("| ") && !l.startsWith("| Control"))
      .map(cells);
    const byName = Object.fromEntries(rows.map((r) => [r[0], r]));
    expect(Object.keys(byName)).toEqual(["Policy", "Protected refs", "Signed commits and tags", "Two-party review", "Secret scanning"]);
    expect(byName["Policy"]![1]).toMatch(/pass/);
    expect(byName["Two-party review"]![1]).toMatch(/fail/);
    expect(byName["Two-party review"]![2]).toMatch(/0 of 1 approvals \(1 error\)/);
    expect(byName["Signed commits and tags"]![2]).toMatch(/1 error, 1 warning/);
    expect(byName["Secret scanning"]![1]).toMatch(/not applicable/);
  });

  test("a requirement with no control to judge it shows its control failing, not 'not applicable'", () => {
    const v = evaluate(POLICY, evidence(["README.md"]), []);
    const out = renderCheckOutput(v, { repository: REPO, policySources: [SOURCE] });
    const review = sectionOf(out.summary, "Controls").split("\n").find((l) => l.startsWith("| Two-party review"));
    expect(cells(review!)[1]).toMatch(/fail/);
  });

  test("lists each error and warning with what, where and the remedy; notices only in the text", () => {
    const out = renderCheckOutput(failingVerdict(), { repository: REPO, policySources: [SOURCE] });
    const errors = sectionOf(out.summary, "Errors (2)");
    expect(errors).toContain("**review\\.missing\\_approval**: Needs 1 approval");
    expect(errors).toContain("Fix: Ask a maintainer other than the author");
    expect(errors).toContain("services/payments/pay\\.ts:12 · commit `dddddddddddd` · namespace payments");
    expect(errors).toContain("Fix: Sign the commit with a key");
    const warnings = sectionOf(out.summary, "Warnings (1)");
    expect(warnings).toContain("alice's key expires in 5 days");
    expect(warnings).toContain("Fix: Extend or rotate the key");
    expect(out.summary).not.toContain("web flow");
    expect(out.summary).toContain("1 notice in the details");
    expect(out.text).toContain("web flow");
  });

  test("ends with the policy digest and the observation time", () => {
    const out = renderCheckOutput(failingVerdict(), {
      repository: REPO,
      policySources: [SOURCE],
      attestation: { digest: "sha256:" + "12".repeat(32), url: "https://vouch.example/a/(1)" },
    });
    const tail = out.summary.slice(out.summary.lastIndexOf("\n---\n"));
    expect(tail).toContain(`\`${DIGEST}\``);
    expect(tail).toContain("2026\\-11\\-25T12\\:00\\:00\\.000Z");
    expect(tail).toContain("(https://vouch.example/a/%281%29)");
    expect(out.summary.indexOf("### Errors")).toBeLessThan(out.summary.indexOf(DIGEST));
  });

  test("a passing change that touches nothing says so", () => {
    const v = evaluate(POLICY, evidence(["README.md"], "refs/heads/feature"), []);
    const out = renderCheckOutput(v, { repository: REPO, policySources: [SOURCE] });
    expect(v.conclusion).toBe("success");
    expect(out.summary).toMatch(/^## ✅ Passed: No protected namespace touched/);
    expect(out.summary).toContain("This change touches no protected namespace.");
    expect(out.summary).not.toContain("### Errors");
    expect(out.annotations).toEqual([]);
  });

  test("no policy: neutral, and the summary says how to add one", () => {
    const v = evaluate({ status: "missing", sources: [] }, evidence(["a"]));
    const out = renderCheckOutput(v, { repository: REPO, policySources: [] });
    expect(out.summary).toMatch(/^## ⚪ Not evaluated/);
    expect(out.summary).toContain("Add `.github/vouch.yml` to the default branch");
    expect(out.summary).toContain("policy none");
  });
});

describe("renderCheckOutput: the invalid policy", () => {
  const loaded: LoadedPolicy = {
    status: "invalid",
    digest: "sha256:" + "00".repeat(32),
    sources: [SOURCE],
    errors: [
      { path: ".github/vouch.yml", line: 7, column: 5, field: "namespaces.0.review.approvals", message: "expected a number" },
      { path: ".github/vouch.yml", line: 12, column: 3, field: "", message: "bad indentation" },
    ],
  };

  test("fails with an annotation on each offending line of .github/vouch.yml", () => {
    const v = evaluate(loaded, evidence(["a"]));
    const out = renderCheckOutput(v, { repository: REPO, policySources: loaded.sources });
    expect(v.conclusion).toBe("failure");
    expect(out.annotations).toEqual([
      expect.objectContaining({
        path: ".github/vouch.yml",
        start_line: 7,
        end_line: 7,
        start_column: 5,
        end_column: 5,
        annotation_level: "failure",
        title: "policy.invalid",
        message: expect.stringContaining("Fix: Fix the policy file on the base branch"),
      }),
      expect.objectContaining({ path: ".github/vouch.yml", start_line: 12, annotation_level: "failure" }),
    ]);
    expect(out.annotations[0]!.message).toContain("namespaces.0.review.approvals: expected a number");
    expect(out.summary).toContain("\\.github/vouch\\.yml:7:5");
  });

  test("an error in the organization baseline is not drawn on this repository's file", () => {
    const baseline: PolicySource = { repository: "acme/.github", path: ".github/vouch.yml", ref: "main" };
    const v = evaluate({ ...loaded, sources: [baseline] }, evidence(["a"]));
    const out = renderCheckOutput(v, { repository: REPO, policySources: [baseline] });
    expect(out.annotations).toEqual([]);
    expect(out.summary).toContain("\\.github/vouch\\.yml:7:5 in acme/\\.github");
  });
});

describe("renderCheckOutput: escaping", () => {
  const nasty = "x|y`z<script>alert(1)</script>\n| injected | row |";
  const v = evaluate(
    valid({ namespaces: [{ name: "ns", paths: ["**"] }], secrets: { enabled: false } }),
    evidence([nasty, "a[link](javascript:alert(1))*b*"]),
    [
      fixed("secrets", [
        {
          code: "secrets.aws_key",
          control: "secrets",
          severity: "error",
          namespace: "ns",
          message: `Login @evil</td>&amp; committed a key in ${nasty}`,
          remedy: "Rotate `it` | now",
          location: { path: nasty, line: 3, commit: "not-a-sha`|" },
        },
      ]),
    ],
  );
  const out = renderCheckOutput(v, { repository: REPO, policySources: [SOURCE] });

  test("user text cannot open HTML, code spans or links", () => {
    for (const md of [out.summary, out.text]) {
      expect(md).not.toMatch(/<script|<\/td|<\/script/i);
      expect(md).toContain("&lt;script&gt;");
      expect(md).toContain("&amp;amp;");
      expect(md).not.toContain("[link](");
      expect(md).not.toMatch(/(?<!\\)`z/);
      expect(md).toContain("Rotate \\`it\\` \\| now");
    }
  });

  test("table rows keep their column count and stay on one line", () => {
    const tableLines = out.summary.split("\n").filter((l) => l.startsWith("|") && !l.startsWith("|---"));
    for (const line of tableLines) expect(cells(line)).toHaveLength(3);
    expect(out.summary).not.toMatch(/^\| injected/m);
    expect(out.text).not.toMatch(/^\| injected/m);
  });

  test("the annotation keeps the raw path (it is data, not Markdown)", () => {
    expect(out.annotations[0]!.path).toBe(nasty);
  });
});

describe("renderCheckOutput: limits", () => {
  function many(n: number): Verdict {
    const findings: Finding[] = Array.from({ length: n }, (_, i) => ({
      code: "secrets.generic",
      control: "secrets",
      severity: "error",
      namespace: "ns",
      message: `Possible secret number ${i} in a file with a rather long description to fill the output`,
      remedy: "Remove the secret from history and rotate it.",
      location: { path: `src/file-${i}.ts`, line: i + 1 },
    }));
    return evaluate(valid({ namespaces: [{ name: "ns", paths: ["**"] }], secrets: { enabled: true } }), evidence(["a"]), [
      fixed("secrets", findings),
    ]);
  }

  test("thousands of findings: summary and text fit, the footer survives, the note counts hidden findings", () => {
    const out = renderCheckOutput(many(3000), { repository: REPO, policySources: [SOURCE] });
    expect(out.summary.length).toBeLessThanOrEqual(OUTPUT_LIMIT);
    expect(out.text.length).toBeLessThanOrEqual(OUTPUT_LIMIT);
    const m = /output truncated:\*\* [\d,]+ more characters \(([\d,]+) findings\)/.exec(out.summary);
    expect(m).not.toBeNull();
    const shown = (out.summary.match(/^\d+\. \*\*secrets\\\.generic\*\*/gm) ?? []).length;
    const fullyShown = (out.summary.match(/^ {3}- Fix: Remove the secret/gm) ?? []).length;
    expect(shown).toBeGreaterThan(100);
    expect(Number(m![1]!.replace(/,/g, ""))).toBe(3000 - fullyShown);
    expect(out.summary).toContain(`\`${DIGEST}\``);
    expect(out.text).toMatch(/output truncated:.*\(\d[\d,]* findings\)/);
  });

  test("annotations are capped and the summary says where the rest are", () => {
    const out = renderCheckOutput(many(MAX_ANNOTATIONS + 5), { repository: REPO, policySources: [SOURCE] });
    expect(out.annotations).toHaveLength(MAX_ANNOTATIONS);
    expect(out.summary).toContain("1,005 findings point at lines; the first 1,000 are annotated, the rest are listed in the details");
  });

  test("a custom cap is honoured", () => {
    const out = renderCheckOutput(many(10), { repository: REPO, policySources: [SOURCE], maxAnnotations: 3 });
    expect(out.annotations.map((a) => a.path)).toEqual(["src/file-0.ts", "src/file-1.ts", "src/file-2.ts"]);
  });
});

describe("renderCheckOutput: text", () => {
  test("holds every finding, the namespace match reasons and the policy sources", () => {
    const out = renderCheckOutput(failingVerdict(), { repository: REPO, policySources: [SOURCE] });
    expect(out.text).toMatch(/^## Findings \(4\)/);
    expect(out.text).toContain("❌ error, review: **review\\.missing\\_approval**");
    expect(out.text).toContain("ℹ️ notice, signatures: **signatures\\.web\\_flow**");
    expect(out.text).toContain("### payments");
    expect(out.text).toContain("Touched by paths services/payments/pay\\.ts");
    expect(out.text).toContain("Files in it (1): services/payments/pay\\.ts");
    expect(out.text).toContain("acme/app: \\.github/vouch\\.yml at main (`cccccccccccc`)");
  });
});
