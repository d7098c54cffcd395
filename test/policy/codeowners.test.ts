/** GitHub's CODEOWNERS syntax, one rule per test: locations, comments, owners, patterns, last match wins. */
import { describe, expect, test } from "@jest/globals";
import { CODEOWNERS_MAX_BYTES, CODEOWNERS_PATHS, codeownersMatch, owningRule, parseCodeowners } from "../../src/policy/codeowners.js";

describe("where GitHub looks", () => {
  test(".github/, then the root, then docs/", () => {
    expect(CODEOWNERS_PATHS).toEqual([".github/CODEOWNERS", "CODEOWNERS", "docs/CODEOWNERS"]);
  });
});

describe("parseCodeowners", () => {
  test("comments and blank lines are skipped; line numbers are the file's", () => {
    const { rules, errors } = parseCodeowners("# owners\n\n*.js @alice\n  # indented comment\n/docs/ @acme/docs docs@example.com\n");
    expect(errors).toEqual([]);
    expect(rules).toEqual([
      { line: 3, pattern: "*.js", owners: ["@alice"] },
      { line: 5, pattern: "/docs/", owners: ["@acme/docs", "docs@example.com"] },
    ]);
  });

  test("a trailing comment ends the owners", () => {
    expect(parseCodeowners("*.go @alice # the Go people\n").rules[0]!.owners).toEqual(["@alice"]);
  });

  test("a pattern without owners is kept: it carves the paths out", () => {
    expect(parseCodeowners("/apps/ @octocat\n/apps/github\n").rules[1]).toEqual({ line: 2, pattern: "/apps/github", owners: [] });
  });

  test("an escaped space belongs to the pattern", () => {
    expect(parseCodeowners("/my\\ docs/ @alice\n").rules[0]!.pattern).toBe("/my docs/");
  });

  test("CRLF line endings read the same", () => {
    expect(parseCodeowners("*.js @alice\r\n*.md @bob\r\n").rules.map((r) => r.owners[0])).toEqual(["@alice", "@bob"]);
  });

  test("negation is malformed, reported with its line", () => {
    const { rules, errors } = parseCodeowners("* @alice\n!secret.txt @bob\n");
    expect(rules).toHaveLength(1);
    expect(errors).toEqual([{ line: 2, message: expect.stringMatching(/negation/) as unknown as string }]);
  });

  test("character ranges are malformed", () => {
    expect(parseCodeowners("*.[ch] @alice\n").errors[0]).toMatchObject({ line: 1, message: expect.stringMatching(/character ranges/) as unknown as string });
  });

  test("an escaped leading # is malformed (GitHub does not support it)", () => {
    expect(parseCodeowners("\\#notes @alice\n").errors[0]!.message).toMatch(/escaping/);
  });

  test("an owner that is not @user, @org/team or an email is malformed", () => {
    const { errors } = parseCodeowners("*.js alice\n*.md @acme/\n*.ts @-bad\n");
    expect(errors.map((e) => e.line)).toEqual([1, 2, 3]);
    expect(errors[0]!.message).toMatch(/"alice" is not an owner/);
  });

  test("a file larger than GitHub reads is one whole-file error", () => {
    const big = `* @alice\n${"#".repeat(CODEOWNERS_MAX_BYTES)}\n`;
    expect(parseCodeowners(big)).toEqual({ rules: [], errors: [{ line: 0, message: expect.stringMatching(/GitHub ignores it/) as unknown as string }] });
  });
});

describe("patterns", () => {
  const cases: [string, string, boolean][] = [
    ["*", "a/b/c.txt", true],
    ["*", ".github/workflows/ci.yml", true],
    ["*.js", "app.js", true],
    ["*.js", "src/deep/app.js", true],
    ["*.js", "app.jsx", false],
    ["/build/logs/", "build/logs/today/x.log", true],
    ["/build/logs/", "other/build/logs/x.log", false],
    ["docs/*", "docs/getting-started.md", true],
    ["docs/*", "docs/build-app/troubleshooting.md", false],
    ["docs/*", "sub/docs/x.md", false],
    ["apps/", "apps/web/index.ts", true],
    ["apps/", "services/apps/x.ts", true],
    ["apps/", "apps", false],
    ["/docs/", "docs/a/b.md", true],
    ["/docs/", "x/docs/a.md", false],
    ["**/logs", "deeply/nested/logs/x.log", true],
    ["**/logs", "logs/x.log", true],
    ["/scripts/deploy.sh", "scripts/deploy.sh", true],
    ["/scripts/deploy.sh", "x/scripts/deploy.sh", false],
    ["Makefile", "sub/Makefile", true],
    ["README.md", "readme.md", false],
    ["/a{b}/", "a{b}/c", true],
    ["/a{b}/", "ab/c", false],
    ["/my docs/", "my docs/x.md", true],
  ];
  test.each(cases)("%s owns %s: %s", (pattern, path, expected) => {
    expect(codeownersMatch(pattern, path)).toBe(expected);
  });
});

describe("owningRule: the last matching pattern wins", () => {
  const { rules } = parseCodeowners("* @acme/core\n/apps/ @octocat\n/apps/github\n*.md @acme/docs\n");
  test("a later, narrower rule overrides an earlier one", () => {
    expect(owningRule(rules, "apps/web/x.ts")!.owners).toEqual(["@octocat"]);
  });
  test("a later rule without owners leaves the path unowned", () => {
    expect(owningRule(rules, "apps/github/x.ts")!.owners).toEqual([]);
  });
  test("a later broad rule overrides an earlier narrow one", () => {
    expect(owningRule(rules, "apps/README.md")!.owners).toEqual(["@acme/docs"]);
  });
  test("a path no rule matches has no rule", () => {
    expect(owningRule(parseCodeowners("/docs/ @a\n").rules, "src/x.ts")).toBeNull();
  });
});
