import { describe, test, expect } from "@jest/globals";
import { scanText } from "../../../src/controls/secrets/engine.js";
import { compileRuleset, rulesetFromPolicy } from "../../../src/controls/secrets/ruleset.js";
import { addToBaseline, formatBaseline, parseBaseline } from "../../../src/controls/secrets/baseline.js";
import { importGitleaksToml, parseGitleaksIgnore } from "../../../src/controls/secrets/gitleaks.js";
import { UnsafeRegexError } from "../../../src/controls/secrets/re2.js";
import { checksummedToken, fake, HEX } from "../../../src/controls/secrets/rules/fake.js";
import { SecretsPolicy } from "../../../src/policy/schema.js";

const opts = { fingerprintKey: "repo-key" };
const token = checksummedToken("ghp", 8001);

describe("inline comments", () => {
  test.each(["# vouch:allow", "// gitleaks:allow"])("%s on the line suppresses the finding, and says so", (comment) => {
    const result = scanText("a.py", `x = 1\nTOKEN = "${token}"  ${comment}\n`, opts);
    expect(result.findings).toEqual([]);
    expect(result.suppressed.map((s) => [s.reason, s.finding.rule, s.finding.line])).toEqual([["inline-comment", "github-token", 2]]);
  });

  test("a comment on another line does not suppress", () => {
    expect(scanText("a.py", `# vouch:allow\nTOKEN = "${token}"\n`, opts).findings).toHaveLength(1);
  });

  test("a policy can turn inline comments off", () => {
    const result = scanText("a.py", `TOKEN = "${token}"  # vouch:allow\n`, { ...opts, inlineAllow: false });
    expect(result.findings).toHaveLength(1);
  });
});

describe("policy allowlists", () => {
  const policy = (secrets: unknown) => SecretsPolicy.parse(secrets);

  test("path globs skip files", () => {
    const ruleset = rulesetFromPolicy(policy({ allow: { paths: ["fixtures/**"] } }));
    expect(scanText("fixtures/tokens.txt", token, { ...opts, ruleset }).findings).toEqual([]);
    expect(scanText("src/tokens.txt", token, { ...opts, ruleset }).findings).toHaveLength(1);
  });

  test("regexes suppress matching secrets and are reported as suppressed", () => {
    const ruleset = rulesetFromPolicy(policy({ allow: { regexes: ["^ghp_"] } }));
    const result = scanText("a.txt", token, { ...opts, ruleset });
    expect(result.findings).toEqual([]);
    expect(result.suppressed.map((s) => s.reason)).toEqual(["allowlisted-regex"]);
  });

  test("disabled rules do not run", () => {
    const ruleset = rulesetFromPolicy(policy({ disable: ["github-token"] }));
    expect(scanText("a.txt", token, { ...opts, ruleset }).findings).toEqual([]);
  });
});

describe("baseline file", () => {
  test("write, read back, and suppress by fingerprint even after the line moved", () => {
    const first = scanText("a.env", `TOKEN=${token}\n`, opts).findings;
    const text = formatBaseline(addToBaseline([], first, "revoked"));
    expect(text).not.toContain(token);
    const baseline = parseBaseline(text);
    expect(baseline.entries).toEqual([{ fingerprint: first[0]?.fingerprint, rule: "github-token", path: "a.env", reason: "revoked" }]);
    const moved = scanText("a.env", `# header\n\nTOKEN=${token}\n`, { ...opts, baseline: baseline.active() });
    expect(moved.findings).toEqual([]);
    expect(moved.suppressed.map((s) => [s.reason, s.finding.line])).toEqual([["baseline", 3]]);
  });

  test("an entry does not suppress the same secret in another file, or a new secret", () => {
    const baseline = parseBaseline(formatBaseline(addToBaseline([], scanText("a.env", token, opts).findings, "test"))).active();
    expect(scanText("b.env", token, { ...opts, baseline }).findings).toHaveLength(1);
    expect(scanText("a.env", checksummedToken("ghp", 8002), { ...opts, baseline }).findings).toHaveLength(1);
  });

  test("expired entries no longer suppress", () => {
    const entries = addToBaseline([], scanText("a.env", token, opts).findings, "false-positive", "2026-01-31");
    const baseline = parseBaseline(formatBaseline(entries));
    expect(baseline.active(new Date("2026-01-31T12:00:00Z")).size).toBe(1);
    expect(baseline.active(new Date("2026-02-01T00:00:00Z")).size).toBe(0);
  });

  test("adding the same finding twice keeps one entry", () => {
    const f = scanText("a.env", token, opts).findings;
    expect(addToBaseline(addToBaseline([], f, "test"), f, "revoked")).toHaveLength(1);
  });

  test.each([
    ["not json", /not valid JSON/],
    [JSON.stringify({ version: 2, entries: [] }), /version/],
    [JSON.stringify({ version: 1, entries: [{ fingerprint: "xyz", rule: "r", path: "p", reason: "test" }] }), /entries\.0\.fingerprint/],
    [JSON.stringify({ version: 1, entries: [{ fingerprint: "0".repeat(32), rule: "r", path: "p", reason: "because" }] }), /reason/],
  ])("malformed baseline %#: clear error", (text, message) => {
    expect(() => parseBaseline(text, "vouch-baseline.json")).toThrow(message);
  });
});

describe(".gitleaks.toml import", () => {
  const value = fake(HEX, 32, 8100);
  const toml = `
title = "custom"
[extend]
useDefault = true

[[rules]]
id = "acme-api-key"
description = "ACME internal API key"
regex = '''(?i)acme[_-]?key\\s*=\\s*['"]?([a-f0-9]{32})'''
secretGroup = 1
entropy = 2.5
keywords = ["acme"]
  [[rules.allowlists]]
  stopwords = ["deadbeef"]

[[rules]]
id = "bad-lookbehind"
regex = '''(?<=x)y'''

[[rules]]
id = "acme-keystore"
path = '''\\.acmekeys$'''

[allowlist]
paths = ['''^third_party/''']
`;

  test("imports rules into RE2, reports the ones RE2 rejects, and applies global path allowlists", () => {
    const imported = importGitleaksToml(toml);
    expect(imported.rules.map((r) => r.id)).toEqual(["acme-api-key", "acme-keystore"]);
    expect(imported.skipped.map((s) => s.id)).toEqual(["bad-lookbehind"]);
    expect(imported.skipped[0]?.reason).toMatch(/cannot be compiled by RE2/);
    const ruleset = compileRuleset({ extraRules: imported.rules, allowPathRegexes: imported.allowPathRegexes });
    const line = `ACME_KEY = "${value}"`;
    const [f] = scanText("conf/app.ini", line, { ...opts, ruleset }).findings;
    expect(f).toMatchObject({ rule: "acme-api-key", column: line.indexOf(value) + 1, endColumn: line.indexOf(value) + 33 });
    const stopped = scanText("conf/app.ini", `ACME_KEY = "deadbeef${value.slice(8)}"`, { ...opts, ruleset }).findings;
    expect(stopped.filter((x) => x.rule === "acme-api-key")).toEqual([]);
    expect(scanText("third_party/app.ini", line, { ...opts, ruleset }).findings).toEqual([]);
    expect(scanText("keys/prod.acmekeys", "anything", { ...opts, ruleset }).findings.map((x) => x.rule)).toEqual(["acme-keystore"]);
  });

  test("malformed TOML is an error", () => {
    expect(() => importGitleaksToml("[[rules]\nid = ")).toThrow(/not valid TOML/);
  });

  test("a global allowlist regex RE2 rejects is an error naming it", () => {
    expect(() => importGitleaksToml("[allowlist]\nregexes = ['''(?!x)''']\n")).toThrow(UnsafeRegexError);
  });
});

describe(".gitleaksignore import", () => {
  const sha = "a".repeat(40);
  test("parses global and commit-scoped entries and skips junk", () => {
    const entries = parseGitleaksIgnore(`# comment\n${sha}:src/app.env:generic-api-key:3\nconfig/x.yml:github-pat:12\n\nnot an entry\n`);
    expect(entries).toEqual([
      { commit: sha, path: "src/app.env", rule: "generic-api-key", line: 3 },
      { path: "config/x.yml", rule: "github-pat", line: 12 },
    ]);
  });

  test("an entry suppresses a finding at its location; a foreign rule id matches any rule there", () => {
    const gitleaksIgnore = parseGitleaksIgnore(`config/x.yml:github-pat:2\n`);
    const text = `a: 1\ntoken: ${token}\n`;
    const r = scanText("config/x.yml", text, { ...opts, gitleaksIgnore });
    expect(r.findings).toEqual([]);
    expect(r.suppressed.map((s) => s.reason)).toEqual(["gitleaks-ignore"]);
    expect(scanText("config/x.yml", `\n${text}`, { ...opts, gitleaksIgnore }).findings).toHaveLength(1);
  });

  test("a commit-scoped entry applies only to that commit", () => {
    const gitleaksIgnore = parseGitleaksIgnore(`${sha}:x.env:github-token:1\n`);
    expect(scanText("x.env", token, { ...opts, gitleaksIgnore, commit: sha }).findings).toEqual([]);
    expect(scanText("x.env", token, { ...opts, gitleaksIgnore, commit: "b".repeat(40) }).findings).toHaveLength(1);
  });
});
