import { createHash } from "node:crypto";
import { describe, expect, test } from "@jest/globals";
import { parsePolicy } from "../../src/policy/parse.js";
import { MAX_POLICY_BYTES } from "../../src/policy/yaml-source.js";

const P = "vouch.yml";

function errorsOf(text: string) {
  const r = parsePolicy(text, P);
  if (r.ok) throw new Error("expected the policy to be invalid");
  return r.errors;
}

function only(text: string) {
  const errors = errorsOf(text);
  expect(errors).toHaveLength(1);
  return errors[0]!;
}

describe("parsePolicy: valid files", () => {
  test("the minimal file gets every default", () => {
    const r = parsePolicy("version: 1\n", P);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.policy).toEqual({
      version: 1,
      identities: {},
      teams: {},
      signatures: { required: false, keys: ["policy"], identity: "committer", allow_github_web_flow: false },
      namespaces: [],
      alerts: "check",
      secrets: { enabled: true, disable: [], allow: { paths: [], regexes: [] }, allow_repository_allowlists: false },
    });
    expect(r.input).toEqual({ version: 1 });
  });

  test("every field is read", () => {
    const text = `version: 1
identities:
  alice: { github: alice, github_id: 42, emails: [alice@example.com], keys: ["ssh-ed25519 AAAA"] }
  renovate: { github: "renovate[bot]", bot: true }
teams:
  maintainers: ["@acme/maintainers", alice]
signatures: { required: true, keys: [policy, github], identity: none, allow_github_web_flow: true }
namespaces:
  - name: default-branch
    description: main and releases
    refs: [refs/heads/main, refs/heads/release/*]
    owners: [maintainers]
    forbid: [force-push, deletion, direct-push, move]
    review:
      approvals: 2
      from: [maintainers, "@acme/security"]
      distinct_teams: 2
      exclude: [author]
      bots: [renovate]
      allow_same_tree: true
    signatures: { required: true }
  - name: docs
    paths: ["docs/**", "**/*.md"]
secrets:
  enabled: false
  disable: [generic-api-key]
  allow: { paths: [test/fixtures/**], regexes: ["EXAMPLE[0-9]+"] }
  baseline: .vouch/secrets-baseline.json
  allow_repository_allowlists: true
`;
    const r = parsePolicy(text, P);
    if (!r.ok) throw new Error(JSON.stringify(r.errors));
    expect(r.policy.identities.alice).toEqual({
      github: "alice",
      github_id: 42,
      emails: ["alice@example.com"],
      keys: ["ssh-ed25519 AAAA"],
      bot: false,
    });
    expect(r.policy.identities.renovate?.bot).toBe(true);
    expect(r.policy.signatures).toEqual({ required: true, keys: ["policy", "github"], identity: "none", allow_github_web_flow: true });
    expect(r.policy.namespaces[0]?.review).toEqual({
      approvals: 2,
      from: ["maintainers", "@acme/security"],
      distinct_teams: 2,
      exclude: ["author"],
      bots: ["renovate"],
      allow_same_tree: true,
    });
    expect(r.policy.namespaces[0]?.signatures).toEqual({ required: true });
    expect(r.policy.namespaces[1]).toMatchObject({ name: "docs", refs: [], forbid: [], owners: [] });
    expect(r.policy.secrets).toEqual({
      enabled: false,
      disable: ["generic-api-key"],
      allow: { paths: ["test/fixtures/**"], regexes: ["EXAMPLE[0-9]+"] },
      baseline: ".vouch/secrets-baseline.json",
      allow_repository_allowlists: true,
    });
  });

  test("review defaults exclude author, contributors and pushers", () => {
    const r = parsePolicy("version: 1\nnamespaces:\n  - name: m\n    refs: [refs/heads/main]\n    review: { approvals: 1 }\n", P);
    if (!r.ok) throw new Error(JSON.stringify(r.errors));
    expect(r.policy.namespaces[0]?.review?.exclude).toEqual(["author", "contributors", "pushers"]);
    expect(r.policy.namespaces[0]?.review?.from).toEqual([]);
  });

  test("approvals with empty from and no owners is allowed (anyone eligible)", () => {
    expect(parsePolicy("version: 1\nnamespaces:\n  - name: m\n    refs: [refs/heads/main]\n    review: { approvals: 2 }\n", P).ok).toBe(true);
  });

  test("small anchors and aliases are allowed", () => {
    const r = parsePolicy("version: 1\nteams:\n  a: &m [\"@acme/x\"]\n  b: *m\n", P);
    expect(r.ok).toBe(true);
  });

  test("digest is sha256 of the exact bytes, on success and on failure", () => {
    const text = "version: 1 # café\n";
    const want = `sha256:${createHash("sha256").update(Buffer.from(text, "utf8")).digest("hex")}`;
    expect(parsePolicy(text, P).digest).toBe(want);
    expect(parsePolicy("version: 2\n", P).digest).toBe(`sha256:${createHash("sha256").update("version: 2\n").digest("hex")}`);
    expect(parsePolicy("version: 1\n\n", P).digest).not.toBe(parsePolicy("version: 1\n", P).digest);
  });
});

describe("parsePolicy: YAML errors carry line and column", () => {
  test("syntax error", () => {
    const e = only("version: 1\nnamespaces: [\n");
    expect(e).toMatchObject({ path: P, line: 3, field: "" });
  });
  test("bad indentation", () => {
    expect(only("version: 1\nsecrets:\n  enabled: true\n disable: []\n")).toMatchObject({ line: 4, column: 1 });
  });
  test("duplicate key", () => {
    expect(only("version: 1\nteams: {}\nteams: {}\n")).toMatchObject({ line: 3, column: 1, message: expect.stringContaining("duplicate key") });
  });
  test("multiple documents", () => {
    expect(only("version: 1\n---\nversion: 1\n")).toMatchObject({ line: 2, message: expect.stringContaining("exactly one YAML document") });
  });
  test("unresolved tag (a YAML warning) is an error", () => {
    expect(only("version: !!foo 1\n")).toMatchObject({ line: 1, message: expect.stringContaining("tag") });
  });
  test("empty file and comment-only file", () => {
    expect(only("")).toMatchObject({ line: 1, column: 1, message: expect.stringContaining("empty") });
    expect(only("# nothing\n")).toMatchObject({ message: expect.stringContaining("empty") });
  });
  test("top level that is not a mapping", () => {
    expect(only("\n- version\n")).toMatchObject({ line: 2, column: 1, message: expect.stringContaining("mapping") });
    expect(only("just a string\n")).toMatchObject({ message: expect.stringContaining("mapping") });
  });
  test("alias bomb", () => {
    const lines = ["version: 1", "a: &a [x, x, x, x, x, x, x, x, x]"];
    for (let i = 0; i < 8; i++) lines.push(`${"bcdefghi"[i]}: &${"bcdefghi"[i]} [${Array(9).fill(`*${i === 0 ? "a" : "bcdefghi"[i - 1]}`).join(", ")}]`);
    expect(only(`${lines.join("\n")}\n`).message).toContain("alias");
  });
  test("unknown alias", () => {
    expect(errorsOf("version: 1\nteams: *nope\n").length).toBeGreaterThan(0);
  });
  test("oversized file", () => {
    const big = `version: 1\n${"# padding padding padding\n".repeat(Math.ceil(MAX_POLICY_BYTES / 26) + 1)}`;
    expect(only(big)).toMatchObject({ line: 1, column: 1, message: expect.stringContaining("limit") });
  });
  test("YAML 1.1 booleans are strings, so they fail the schema", () => {
    expect(only("version: 1\nsignatures:\n  required: yes\n")).toMatchObject({ line: 3, column: 13, field: "signatures.required" });
  });
});

describe("parsePolicy: _extends is refused", () => {
  test("at the top level, with a message about the baseline", () => {
    const e = only("version: 1\n_extends: .github\n");
    expect(e).toMatchObject({ line: 2, column: 1, field: "_extends" });
    expect(e.message).toMatch(/never pulls policy from another repository/);
    expect(e.message).toMatch(/<org>\/\.github/);
  });
  test("also when the rest of the file is valid or invalid", () => {
    const errors = errorsOf("_extends: other:.github\nversion: 3\n");
    expect(errors.map((e) => e.field)).toEqual(["_extends", "version"]);
  });
});

describe("parsePolicy: schema errors are located", () => {
  const cases: Array<[string, string, number, number, string, RegExp]> = [
    ["version", "version: 2\n", 1, 10, "version", /version must be 1/],
    ["missing version", "teams: {}\n", 1, 1, "version", /missing required key "version"/],
    ["unknown top-level key", "version: 1\nnamespace: []\n", 2, 1, "namespace", /unknown key "namespace".*namespaces/],
    ["bad identity name", "version: 1\nidentities:\n  -bad: {}\n", 3, 3, "identities.-bad", /invalid name "-bad"/],
    ["bad login", "version: 1\nidentities:\n  a: { github: \"no spaces\" }\n", 3, 16, "identities.a.github", /GitHub login/],
    ["bad github_id", "version: 1\nidentities:\n  a: { github_id: -1 }\n", 3, 19, "identities.a.github_id", /^must be more than 0$/],
    ["bad email", "version: 1\nidentities:\n  a: { emails: [nope] }\n", 3, 17, "identities.a.emails.0", /^not a valid email address$/],
    ["empty key", "version: 1\nidentities:\n  a: { keys: [\"\"] }\n", 3, 15, "identities.a.keys.0", /^must not be empty$/],
    ["bot not boolean", "version: 1\nidentities:\n  a: { bot: 1 }\n", 3, 13, "identities.a.bot", /^expected true or false, got the number 1$/],
    ["unknown identity key", "version: 1\nidentities:\n  a: { gpg: x }\n", 3, 8, "identities.a.gpg", /unknown key "gpg".*emails/],
    ["empty team", "version: 1\nteams:\n  t: []\n", 3, 6, "teams.t", /^must list at least 1 item$/],
    ["bad principal", "version: 1\nteams:\n  t: [\"a b\"]\n", 3, 7, "teams.t.0", /principal/],
    ["bad signatures.keys", "version: 1\nsignatures: { keys: [gpg] }\n", 2, 22, "signatures.keys.0", /^expected one of: policy, github$/],
    ["empty signatures.keys", "version: 1\nsignatures: { keys: [] }\n", 2, 21, "signatures.keys", /^must list at least 1 item$/],
    ["bad identity mode", "version: 1\nsignatures: { identity: author }\n", 2, 25, "signatures.identity", /committer/],
    ["namespace not a list", "version: 1\nnamespaces: {}\n", 2, 13, "namespaces", /^expected a list, got a mapping$/],
    ["namespace without name", "version: 1\nnamespaces:\n  - refs: [refs/heads/main]\n", 3, 5, "namespaces.0.name", /missing required key "name"/],
    ["namespace bad name", "version: 1\nnamespaces:\n  - name: \"a b\"\n    refs: [refs/heads/main]\n", 3, 11, "namespaces.0.name", /namespace name/],
    ["namespace with neither refs nor paths", "version: 1\nnamespaces:\n  - name: x\n", 3, 5, "namespaces.0", /at least one ref or path/],
    ["ref not under refs/heads or refs/tags", "version: 1\nnamespaces:\n  - name: x\n    refs: [main]\n", 4, 12, "namespaces.0.refs.0", /refs\/heads\//],
    ["empty path glob", "version: 1\nnamespaces:\n  - name: x\n    paths: [\"\"]\n", 4, 13, "namespaces.0.paths.0", /^must not be empty$/],
    ["unknown operation", "version: 1\nnamespaces:\n  - name: x\n    refs: [refs/heads/main]\n    forbid: [rebase]\n", 5, 14, "namespaces.0.forbid.0", /force-push/],
    ["review without approvals", "version: 1\nnamespaces:\n  - name: x\n    refs: [refs/heads/main]\n    review: { from: [\"@a/b\"] }\n", 5, 13, "namespaces.0.review.approvals", /missing required key "approvals"/],
    ["approvals too large", "version: 1\nnamespaces:\n  - name: x\n    refs: [refs/heads/main]\n    review: { approvals: 51 }\n", 5, 26, "namespaces.0.review.approvals", /^must be at most 50$/],
    ["approvals not an integer", "version: 1\nnamespaces:\n  - name: x\n    refs: [refs/heads/main]\n    review: { approvals: 1.5 }\n", 5, 26, "namespaces.0.review.approvals", /^expected a whole number, got the number 1.5$/],
    ["bad exclude", "version: 1\nnamespaces:\n  - name: x\n    refs: [refs/heads/main]\n    review: { approvals: 1, exclude: [reviewers] }\n", 5, 39, "namespaces.0.review.exclude.0", /author/],
    ["unknown review key", "version: 1\nnamespaces:\n  - name: x\n    refs: [refs/heads/main]\n    review: { approvals: 1, teams: 2 }\n", 5, 29, "namespaces.0.review.teams", /unknown key "teams".*distinct_teams/],
    ["namespace signatures without required", "version: 1\nnamespaces:\n  - name: x\n    refs: [refs/heads/main]\n    signatures: {}\n", 5, 17, "namespaces.0.signatures.required", /missing required key/],
    ["secrets.enabled not boolean", "version: 1\nsecrets: { enabled: \"no\" }\n", 2, 21, "secrets.enabled", /^expected true or false, got a string$/],
    ["secrets.allow unknown key", "version: 1\nsecrets:\n  allow: { files: [] }\n", 3, 12, "secrets.allow.files", /unknown key "files".*paths, regexes/],
    ["identities not a mapping", "version: 1\nidentities: [alice]\n", 2, 13, "identities", /^expected a mapping, got a list$/],
    ["identity not a mapping", "version: 1\nidentities:\n  alice: yes\n", 3, 10, "identities.alice", /^expected a mapping, got a string$/],
    ["teams not a mapping", "version: 1\nteams: core\n", 2, 8, "teams", /^expected a mapping, got a string$/],
    ["team not a list", "version: 1\nteams:\n  core: alice\n", 3, 9, "teams.core", /^expected a list, got a string$/],
    ["signatures not a mapping", "version: 1\nsignatures: true\n", 2, 13, "signatures", /^expected a mapping, got true$/],
    ["signatures.required not boolean", "version: 1\nsignatures: { required: 1 }\n", 2, 25, "signatures.required", /^expected true or false/],
    ["allow_github_web_flow not boolean", "version: 1\nsignatures: { allow_github_web_flow: \"true\" }\n", 2, 38, "signatures.allow_github_web_flow", /^expected true or false, got a string$/],
    ["unknown signatures key", "version: 1\nsignatures: { require: true }\n", 2, 15, "signatures.require", /unknown key "require".*required/],
    ["namespace not a mapping", "version: 1\nnamespaces: [main]\n", 2, 14, "namespaces.0", /^expected a mapping, got a string$/],
    ["description not a string", "version: 1\nnamespaces:\n  - name: x\n    refs: [refs/heads/main]\n    description: [a]\n", 5, 18, "namespaces.0.description", /^expected a string, got a list$/],
    ["refs not a list", "version: 1\nnamespaces:\n  - name: x\n    refs: refs/heads/main\n", 4, 11, "namespaces.0.refs", /^expected a list, got a string$/],
    ["owners element not a principal", "version: 1\nnamespaces:\n  - name: x\n    refs: [refs/heads/main]\n    owners: [\"@acme\"]\n", 5, 14, "namespaces.0.owners.0", /principal/],
    ["review not a mapping", "version: 1\nnamespaces:\n  - name: x\n    refs: [refs/heads/main]\n    review: 2\n", 5, 13, "namespaces.0.review", /^expected a mapping, got the number 2$/],
    ["negative distinct_teams", "version: 1\nnamespaces:\n  - name: x\n    refs: [refs/heads/main]\n    review: { approvals: 1, distinct_teams: -1 }\n", 5, 45, "namespaces.0.review.distinct_teams", /^must be at least 0$/],
    ["negative approvals", "version: 1\nnamespaces:\n  - name: x\n    refs: [refs/heads/main]\n    review: { approvals: -1 }\n", 5, 26, "namespaces.0.review.approvals", /^must be at least 0$/],
    ["review.from not a principal", "version: 1\nnamespaces:\n  - name: x\n    refs: [refs/heads/main]\n    review: { approvals: 1, from: [\"a/b\"] }\n", 5, 36, "namespaces.0.review.from.0", /principal/],
    ["review.bots not a list", "version: 1\nnamespaces:\n  - name: x\n    refs: [refs/heads/main]\n    review: { approvals: 1, bots: renovate }\n", 5, 35, "namespaces.0.review.bots", /^expected a list, got a string$/],
    ["allow_same_tree not boolean", "version: 1\nnamespaces:\n  - name: x\n    refs: [refs/heads/main]\n    review: { approvals: 1, allow_same_tree: 1 }\n", 5, 46, "namespaces.0.review.allow_same_tree", /^expected true or false/],
    ["namespace signatures.required not boolean", "version: 1\nnamespaces:\n  - name: x\n    refs: [refs/heads/main]\n    signatures: { required: on }\n", 5, 29, "namespaces.0.signatures.required", /^expected true or false, got a string$/],
    ["unknown namespace signatures key", "version: 1\nnamespaces:\n  - name: x\n    refs: [refs/heads/main]\n    signatures: { required: true, keys: [github] }\n", 5, 35, "namespaces.0.signatures.keys", /unknown key "keys"/],
    ["secrets not a mapping", "version: 1\nsecrets: false\n", 2, 10, "secrets", /^expected a mapping, got false$/],
    ["unknown secrets key", "version: 1\nsecrets: { rules: default }\n", 2, 12, "secrets.rules", /unknown key "rules".*disable/],
    ["secrets.disable element not a string", "version: 1\nsecrets: { disable: [1] }\n", 2, 22, "secrets.disable.0", /^expected a string, got the number 1$/],
    ["secrets.allow.regexes element not a string", "version: 1\nsecrets: { allow: { regexes: [{}] } }\n", 2, 31, "secrets.allow.regexes.0", /^expected a string, got a mapping$/],
    ["allow_repository_allowlists not boolean", "version: 1\nsecrets: { allow_repository_allowlists: 0 }\n", 2, 41, "secrets.allow_repository_allowlists", /^expected true or false/],
    ["secrets.baseline not a string", "version: 1\nsecrets: { baseline: [a] }\n", 2, 22, "secrets.baseline", /^expected a string, got a list$/],
  ];
  test.each(cases)("%s", (_name, text, line, column, field, message) => {
    const errors = errorsOf(text);
    const e = errors.find((x) => x.field === field);
    expect(e).toBeDefined();
    expect(e).toMatchObject({ path: P, line, column });
    expect(e!.message).toMatch(message);
  });

  test("several errors are all reported, in file order", () => {
    const errors = errorsOf("version: 1\nsecrets: { enabled: 3 }\nteams: { t: [] }\n");
    expect(errors.map((e) => e.line)).toEqual([2, 3]);
  });
});

describe("parsePolicy: semantic errors are located", () => {
  const ns = (body: string) => `version: 1\nidentities:\n  alice: {}\n  bob: {}\n  bot: { bot: true }\nteams:\n  core: [alice, bob]\n  sec: ["@acme/sec"]\nnamespaces:\n${body}`;

  test("duplicate namespace names", () => {
    const e = only(ns("  - name: a\n    refs: [refs/heads/main]\n  - name: a\n    paths: [x]\n"));
    expect(e).toMatchObject({ line: 12, column: 11, field: "namespaces.1.name", message: expect.stringContaining("duplicate") });
  });
  test.each([
    ["teams", "version: 1\nteams:\n  t: [ghost]\n", 3, 7, "teams.t.0"],
    ["owners", ns("  - name: a\n    refs: [refs/heads/main]\n    owners: [ghost]\n"), 12, 14, "namespaces.0.owners.0"],
    ["review.from", ns("  - name: a\n    refs: [refs/heads/main]\n    review: { approvals: 0, from: [ghost] }\n"), 12, 36, "namespaces.0.review.from.0"],
    ["review.bots", ns("  - name: a\n    refs: [refs/heads/main]\n    review: { approvals: 0, bots: [ghost] }\n"), 12, 36, "namespaces.0.review.bots.0"],
  ])("undefined principal in %s", (_w, text, line, column, field) => {
    expect(only(text)).toMatchObject({ line, column, field, message: expect.stringContaining('"ghost" is neither') });
  });
  test("principals may be identities, teams or @org/team", () => {
    expect(parsePolicy(ns("  - name: a\n    refs: [refs/heads/main]\n    owners: [alice, core, \"@other/x\"]\n"), P).ok).toBe(true);
  });
  test("a name that is both an identity and a team", () => {
    expect(only("version: 1\nidentities:\n  core: {}\nteams:\n  core: [\"@a/b\"]\n")).toMatchObject({ line: 5, column: 3, field: "teams.core", message: expect.stringContaining("both an identity and a team") });
    const known = { identities: { core: { emails: [], keys: [], bot: false } }, teams: { web: ["@a/web"] } };
    expect(parsePolicy("version: 1\nteams:\n  core: [\"@a/b\"]\n", P, { known }).ok).toBe(false);
    const r = parsePolicy("version: 1\nidentities:\n  web: {}\n", P, { known });
    expect(!r.ok && r.errors[0]).toMatchObject({ line: 3, column: 3, field: "identities.web" });
  });
  test("team cycles", () => {
    const errors = errorsOf("version: 1\nteams:\n  a: [b]\n  b: [c]\n  c: [a]\n  d: [d]\n");
    expect(errors.map((e) => [e.field, e.line])).toEqual([
      ["teams.c.0", 5],
      ["teams.d.0", 6],
    ]);
    expect(errors[0]!.message).toContain("a -> b -> c -> a");
  });
  test("distinct_teams larger than the teams in from", () => {
    const e = only(ns("  - name: a\n    refs: [refs/heads/main]\n    review: { approvals: 1, from: [core, alice], distinct_teams: 2 }\n"));
    expect(e).toMatchObject({ line: 12, field: "namespaces.0.review.distinct_teams", message: expect.stringContaining("lists 1 team") });
    expect(parsePolicy(ns("  - name: a\n    refs: [refs/heads/main]\n    review: { approvals: 1, from: [core, sec], distinct_teams: 2 }\n"), P).ok).toBe(true);
  });
  test("approvals nobody can give", () => {
    expect(only(ns("  - name: a\n    refs: [refs/heads/main]\n    review: { approvals: 1, from: [bot] }\n"))).toMatchObject({
      field: "namespaces.0.review.approvals",
      message: expect.stringContaining("nobody listed can approve"),
    });
    expect(parsePolicy(ns("  - name: a\n    refs: [refs/heads/main]\n    review: { approvals: 1, from: [bot], bots: [bot] }\n"), P).ok).toBe(true);
  });
  test("more approvals than listed people (owners used when from is empty)", () => {
    expect(only(ns("  - name: a\n    refs: [refs/heads/main]\n    owners: [core]\n    review: { approvals: 3 }\n"))).toMatchObject({
      field: "namespaces.0.review.approvals",
      message: expect.stringContaining("at most 2"),
    });
    expect(parsePolicy(ns("  - name: a\n    refs: [refs/heads/main]\n    owners: [core]\n    review: { approvals: 2 }\n"), P).ok).toBe(true);
    // A GitHub team has unknown membership, so any number may be possible.
    expect(parsePolicy(ns("  - name: a\n    refs: [refs/heads/main]\n    owners: [sec]\n    review: { approvals: 5 }\n"), P).ok).toBe(true);
  });
  test("forbid on a paths-only namespace", () => {
    expect(only(ns("  - name: a\n    paths: [src/**]\n    forbid: [deletion]\n"))).toMatchObject({ line: 12, column: 13, field: "namespaces.0.forbid" });
  });
  test.each([
    ["[abc", /not a valid glob/],
    ["{a,b", /not a valid glob/],
    ["!docs/**", /negated/],
    ["/src/**", /relative to the repository root/],
    ["./src/**", /relative to the repository root/],
    ["src\\", /backslash/],
  ])("invalid path glob %s", (glob, message) => {
    const e = only(ns(`  - name: a\n    paths: [${JSON.stringify(glob)}]\n`));
    expect(e).toMatchObject({ line: 11, column: 13, field: "namespaces.0.paths.0" });
    expect(e.message).toMatch(message);
  });
  test("invalid ref glob and secrets allow path glob", () => {
    expect(only(ns("  - name: a\n    refs: [\"refs/heads/[x\"]\n")).field).toBe("namespaces.0.refs.0");
    expect(only("version: 1\nsecrets: { allow: { paths: [\"a/[\"] } }\n")).toMatchObject({ line: 2, column: 29, field: "secrets.allow.paths.0" });
  });
  test.each([
    ["(unclosed", /does not compile/],
    ["a(?=b)", /lookahead/],
    ["a(?<!b)", /lookahead and lookbehind/],
    ["(a)\\\\1", /backreferences/],
  ])("secrets.allow.regexes %s", (re, message) => {
    const e = only(`version: 1\nsecrets:\n  allow:\n    regexes: [ok, ${JSON.stringify(re)}]\n`);
    expect(e).toMatchObject({ line: 4, column: 19, field: "secrets.allow.regexes.1" });
    expect(e.message).toMatch(message);
  });
  test("names from the organization baseline count as defined", () => {
    const text = "version: 1\nnamespaces:\n  - name: a\n    refs: [refs/heads/main]\n    owners: [core]\n";
    expect(parsePolicy(text, P).ok).toBe(false);
    expect(parsePolicy(text, P, { known: { identities: {}, teams: { core: ["@acme/core"] } } }).ok).toBe(true);
  });
});
