import { describe, test, expect } from "@jest/globals";
import { BUILTIN_RULES } from "../../../src/controls/secrets/rules/index.js";
import { KEY_FILE_SAMPLES } from "../../../src/controls/secrets/rules/keyfiles.js";
import { compileRuleset } from "../../../src/controls/secrets/ruleset.js";
import { scanText } from "../../../src/controls/secrets/engine.js";
import { previewOf } from "../../../src/controls/secrets/redact.js";

const ruleset = compileRuleset();
const key = "test-fingerprint-key";

function scan(path: string, text: string) {
  return scanText(path, text, { fingerprintKey: key, ruleset });
}

describe("every built-in rule's samples", () => {
  const contentRules = BUILTIN_RULES.filter((r) => !r.pathOnly);

  test("every content rule has positive and negative samples", () => {
    for (const rule of contentRules) {
      expect({ id: rule.id, positives: rule.samples.match.length > 0 }).toEqual({ id: rule.id, positives: true });
      expect({ id: rule.id, negatives: rule.samples.noMatch.length > 0 }).toEqual({ id: rule.id, negatives: true });
    }
  });

  test("rule ids are unique", () => {
    const ids = BUILTIN_RULES.map((r) => r.id);
    expect(new Set(ids).size).toBe(ids.length);
  });

  for (const rule of contentRules) {
    const path = rule.samples.path ?? "src/sample.txt";
    describe(rule.id, () => {
      test.each(rule.samples.match.map((s, i) => [i, s] as const))("positive sample %i is found with its secret span", (_i, sample) => {
        const { findings } = scan(path, sample.text);
        const hit = findings.find((f) => f.rule === rule.id);
        expect(hit).toBeDefined();
        if (!hit) return;
        const secret = sample.secret ?? sample.text;
        // The reported span must be exactly the secret: map line/column back into the sample text.
        const lines = sample.text.split("\n");
        const startOffset = lines.slice(0, hit.line - 1).reduce((n, l) => n + l.length + 1, 0) + hit.column - 1;
        const endLine = hit.endLine ?? hit.line;
        const endOffset = lines.slice(0, endLine - 1).reduce((n, l) => n + l.length + 1, 0) + hit.endColumn - 1;
        expect(sample.text.slice(startOffset, endOffset)).toBe(secret);
        expect(hit.preview).toBe(previewOf(secret));
      });
      test.each(rule.samples.noMatch.map((s, i) => [i, s] as const))("negative sample %i is not reported by this rule", (_i, text) => {
        const { findings } = scan(path, text);
        expect(findings.filter((f) => f.rule === rule.id)).toEqual([]);
      });
    });
  }

  test("path-constrained rules do not fire outside their paths", () => {
    const npmrc = BUILTIN_RULES.find((r) => r.id === "npmrc-auth");
    const sample = npmrc?.samples.match[0];
    expect(sample).toBeDefined();
    if (!sample) return;
    expect(scan("docs/setup.md", sample.text).findings.filter((f) => f.rule === "npmrc-auth")).toEqual([]);
  });
});

describe("key files by path", () => {
  test.each(KEY_FILE_SAMPLES.match)("%s is flagged even when binary", (path) => {
    const result = scanText(path, new Uint8Array([0x30, 0x82, 0x00, 0x01, 0x00]), { fingerprintKey: key, ruleset });
    expect(result.findings.map((f) => [f.rule, f.severity, f.line])).toEqual([["private-key-file", "block", 1]]);
    expect(result.notScanned.map((n) => n.reason)).toEqual(["binary"]);
  });
  test.each(KEY_FILE_SAMPLES.noMatch)("%s is not flagged by name", (path) => {
    expect(scan(path, "ssh-ed25519 AAAAC3Nza user@host\n").findings).toEqual([]);
  });
});
