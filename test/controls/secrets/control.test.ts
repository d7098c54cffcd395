import { describe, expect, test } from "@jest/globals";
import { secretsControl } from "../../../src/controls/secrets/control.js";
import { LEAK_REMEDY } from "../../../src/controls/secrets/findings.js";
import { evaluate } from "../../../src/engine/evaluate.js";
import { namespacesControl } from "../../../src/controls/namespaces/index.js";
import { type Evidence, type LoadedPolicy, type SecretEvidence, type SecretFindingEvidence } from "../../../src/evidence/types.js";
import { pullRequestEvidence } from "../../helpers/evidence.js";
import { PolicySchema, type PolicyInput } from "../../../src/policy/schema.js";
import { renderCheckOutput } from "../../../src/report/render.js";

const C1 = "1".repeat(40);

function loaded(input: Omit<PolicyInput, "version">): Extract<LoadedPolicy, { status: "valid" }> {
  return {
    status: "valid",
    policy: PolicySchema.parse({ version: 1, ...input }),
    digest: `sha256:${"ab".repeat(32)}`,
    sources: [{ repository: "acme/app", path: ".github/vouch.yml", ref: "main" }],
  };
}

function evidence(files: string[], secrets?: SecretEvidence): Evidence {
  return pullRequestEvidence(files, secrets ? { secrets } : {});
}

const finding = (extra: Partial<SecretFindingEvidence> = {}): SecretFindingEvidence => ({
  commit: C1,
  path: "src/aws.ts",
  line: 3,
  column: 18,
  endColumn: 38,
  rule: "aws-access-key-id",
  severity: "block",
  fingerprint: "f".repeat(32),
  preview: "AKIA…(20)",
  description: "AWS access key id",
  ...extra,
});

const scan = (extra: Partial<SecretEvidence> = {}): SecretEvidence => ({ commits: 2, findings: [], notScanned: [], suppressed: [], ...extra });

const SRC = { namespaces: [{ name: "src", paths: ["src/**"] }] };
const controls = [namespacesControl, secretsControl];

describe("secrets control", () => {
  test("applies when a protected namespace is touched and scanning is enabled", () => {
    const input = (policy: Omit<PolicyInput, "version">, files: string[]) => ({ policy: loaded(policy).policy, evidence: evidence(files), touched: [] as { name: string }[] });
    const touched = [{ name: "src", reasons: [] }] as never;
    expect(secretsControl.applies({ ...input(SRC, ["src/a.ts"]), touched })).toBe(true);
    expect(secretsControl.applies({ ...input(SRC, ["docs/a.md"]), touched: [] })).toBe(false);
    expect(secretsControl.applies({ ...input({ ...SRC, secrets: { enabled: false } }, ["src/a.ts"]), touched })).toBe(false);
  });

  // The evidence's end column is exclusive (38); the annotation must end on the secret's last character (37).
  test("a blocking secret fails the verdict with an error on the exact line, naming the rule and the redacted preview", () => {
    const v = evaluate(loaded(SRC), evidence(["src/aws.ts"], scan({ findings: [finding()] })), controls);
    expect(v.conclusion).toBe("failure");
    const f = v.findings.find((x) => x.control === "secrets")!;
    expect(f).toMatchObject({
      code: "secrets.leak",
      severity: "error",
      remedy: LEAK_REMEDY,
      location: { path: "src/aws.ts", line: 3, column: 18, endColumn: 37, commit: C1 },
    });
    expect(f.message).toContain("aws-access-key-id");
    expect(f.message).toContain("AKIA…(20)");
    expect(f.remedy).toMatch(/rotate/i);
    expect(f.remedy).toContain("vouch:allow");
    const out = renderCheckOutput(v, { repository: "acme/app", policySources: [] });
    expect(out.annotations).toContainEqual(
      expect.objectContaining({ path: "src/aws.ts", start_line: 3, end_line: 3, start_column: 18, end_column: 37, annotation_level: "failure" }),
    );
  });

  test("a warn finding and a suppressed finding do not fail the verdict, but both are shown", () => {
    const v = evaluate(
      loaded(SRC),
      evidence(["src/a.ts"], scan({
        findings: [finding({ severity: "warn", rule: "generic-secret-assignment" })],
        suppressed: [{ commit: C1, path: "src/b.ts", line: 4, rule: "github-token", reason: "baseline", fingerprint: "e".repeat(32) }],
      })),
      controls,
    );
    expect(v.conclusion).toBe("success");
    const codes = v.findings.filter((f) => f.control === "secrets").map((f) => [f.code, f.severity]);
    expect(codes).toEqual([
      ["secrets.possible_leak", "warning"],
      ["secrets.suppressed", "notice"],
    ]);
    expect(v.controls.find((c) => c.control === "secrets")!.summary).toMatch(/1 possible.*1 suppressed/);
  });

  test("a file that was not scanned warns, and fails when its name marks a key file", () => {
    const big = scan({ notScanned: [{ commit: C1, path: "src/data.json", reason: "too-large", bytes: 9_000_000 }] });
    const v1 = evaluate(loaded(SRC), evidence(["src/data.json"], big), controls);
    expect(v1.conclusion).toBe("success");
    expect(v1.findings).toContainEqual(expect.objectContaining({ code: "secrets.not_scanned", severity: "warning" }));
    const key = scan({ notScanned: [{ commit: C1, path: "src/deploy/id_ed25519", reason: "binary", bytes: null }] });
    const v2 = evaluate(loaded(SRC), evidence(["src/deploy/id_ed25519"], key), controls);
    expect(v2.conclusion).toBe("failure");
    expect(v2.findings).toContainEqual(expect.objectContaining({ code: "secrets.not_scanned", severity: "error" }));
    // With the key-file rule disabled by the policy, the same file only warns.
    const v3 = evaluate(loaded({ ...SRC, secrets: { disable: ["private-key-file"] } }), evidence(["src/deploy/id_ed25519"], key), controls);
    expect(v3.conclusion).toBe("success");
  });

  test("missing scan evidence fails closed", () => {
    const v = evaluate(loaded(SRC), evidence(["src/a.ts"]), controls);
    expect(v.conclusion).toBe("failure");
    expect(v.findings).toContainEqual(expect.objectContaining({ code: "secrets.evidence_missing", severity: "error", control: "secrets" }));
  });

  test("clean evidence passes with a summary counting the commits", () => {
    const v = evaluate(loaded(SRC), evidence(["src/a.ts"], scan()), controls);
    expect(v.conclusion).toBe("success");
    expect(v.controls.find((c) => c.control === "secrets")).toMatchObject({ status: "pass", summary: "No blocking secret in the lines added by 2 new commits." });
  });

  test("not applicable when no protected namespace is touched, even with findings", () => {
    const v = evaluate(loaded(SRC), evidence(["docs/a.md"], scan({ findings: [finding({ path: "docs/a.md" })] })), controls);
    expect(v.conclusion).toBe("success");
    expect(v.controls.map((c) => c.control)).not.toContain("secrets");
  });
});
