/**
 * Canary test: for every rule's positive samples, no output of the engine, and no error thrown for bad input
 * built around the secret, contains the secret or any 8-character piece of it.
 */
import { describe, test, expect } from "@jest/globals";
import { scanAddedLines, scanText } from "../../../src/controls/secrets/engine.js";
import { BUILTIN_RULES } from "../../../src/controls/secrets/rules/index.js";
import { compileRuleset } from "../../../src/controls/secrets/ruleset.js";
import { addToBaseline, formatBaseline, parseBaseline } from "../../../src/controls/secrets/baseline.js";
import { importGitleaksToml } from "../../../src/controls/secrets/gitleaks.js";

const opts = { fingerprintKey: "canary-key" };

/**
 * Pieces an attacker could look for: every 8-character window of the secret, except vendor words that are public
 * anyway because the rule's own id or description names them (`rubygems` in `rubygems_…`).
 */
function windows(secret: string, publicText: string): string[] {
  const chars = [...secret];
  if (chars.length < 8) return [secret];
  return Array.from({ length: chars.length - 7 }, (_, i) => chars.slice(i, i + 8).join("")).filter((w) => !publicText.includes(w.toLowerCase()));
}

let publicText = "";

function expectNoLeak(output: string, secret: string, context: string): void {
  const leaked = windows(secret, publicText).find((w) => output.includes(w));
  expect({ context, leaked }).toEqual({ context, leaked: undefined });
}

function errorOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    return `${String(err)}\n${(err as Error).stack ?? ""}`;
  }
  throw new Error("expected an error");
}

const canaries = BUILTIN_RULES.flatMap((rule) =>
  rule.samples.match.map((s, i) => ({ name: `${rule.id}#${i}`, rule, text: s.text, secret: s.secret ?? s.text, path: rule.samples.path ?? "src/canary.txt" })),
);

describe("no secret value in any output", () => {
  test.each(canaries.map((c) => [c.name, c] as const))("%s", (_name, c) => {
    publicText = `${c.rule.id} ${c.rule.description}`.toLowerCase();
    // Findings, as JSON and as the JSON Lines the CLI will print.
    const result = scanText(c.path, c.text, opts);
    expect(result.findings.length).toBeGreaterThan(0);
    expectNoLeak(JSON.stringify(result), c.secret, "scanText result");
    expectNoLeak(result.findings.map((f) => JSON.stringify(f)).join("\n"), c.secret, "json lines");

    // Added lines of a hunk, and the suppressed list (inline comment).
    const lines = c.text.split("\n").map((text, i) => ({ line: i + 10, text }));
    expectNoLeak(JSON.stringify(scanAddedLines(c.path, lines, opts)), c.secret, "scanAddedLines result");
    const allowed = scanText(c.path, c.text.replace(/\n|$/, "  # vouch:allow$&"), opts);
    expectNoLeak(JSON.stringify(allowed), c.secret, "suppressed");

    // Not-scanned reports.
    expectNoLeak(JSON.stringify(scanText(c.path, c.text, { ...opts, maxBytes: 4 })), c.secret, "too large");
    expectNoLeak(JSON.stringify(scanText(c.path, `\0${c.text}`, opts)), c.secret, "binary");

    // Baseline written from the findings.
    expectNoLeak(formatBaseline(addToBaseline([], result.findings, "test")), c.secret, "baseline file");

    // Errors for bad input that contains the secret.
    const q = JSON.stringify(c.secret);
    expectNoLeak(errorOf(() => parseBaseline(`{"version": 1, "entries": [${c.secret}]}`)), c.secret, "baseline: bad JSON");
    expectNoLeak(errorOf(() => parseBaseline(`{"version": 1, "entries": [], ${q}: 1}`)), c.secret, "baseline: unknown key");
    expectNoLeak(
      errorOf(() => parseBaseline(JSON.stringify({ version: 1, entries: [{ fingerprint: `${c.secret}!`, rule: "r", path: "p", reason: "test" }] }))),
      c.secret,
      "baseline: secret as fingerprint",
    );
    expectNoLeak(errorOf(() => importGitleaksToml(`[[rules]]\nid = "x"\nregex = @${c.secret}\n`)), c.secret, "toml: bad syntax");
    expectNoLeak(errorOf(() => compileRuleset({ allowRegexes: [`(?<=x)${c.secret}`] })), c.secret, "RE2 rejection");
    expectNoLeak(errorOf(() => scanText(c.path, c.text, { fingerprintKey: "" })), c.secret, "bad options");
  });
});
