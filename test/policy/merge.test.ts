import { describe, expect, test } from "@jest/globals";
import { mergeBaseline } from "../../src/policy/merge.js";
import { type ParsedSource, parsePolicy } from "../../src/policy/parse.js";
import { PolicySchema } from "../../src/policy/schema.js";

function src(text: string, path: string, known?: ParsedSource): ParsedSource {
  const r = parsePolicy(text, path, known ? { known: known.policy } : {});
  if (!r.ok) throw new Error(`fixture ${path} invalid: ${JSON.stringify(r.errors)}`);
  return r;
}

/** Merge and return the effective policy (defaults applied), failing the test on merge errors. */
function merged(baseline: string, repo: string) {
  const b = src(baseline, "org/.github/.github/vouch.yml");
  const m = mergeBaseline(b, src(repo, ".github/vouch.yml", b));
  expect(m.errors).toEqual([]);
  return PolicySchema.parse(m.input);
}

/** Merge expecting exactly one loosening error. */
function rejected(baseline: string, repo: string) {
  const b = src(baseline, "org/.github/.github/vouch.yml");
  const m = mergeBaseline(b, src(repo, ".github/vouch.yml", b));
  expect(m.errors).toHaveLength(1);
  const e = m.errors[0]!;
  expect(e.path).toBe(".github/vouch.yml");
  expect(e.field.startsWith("baseline:")).toBe(true);
  return { error: e, policy: PolicySchema.parse(m.input) };
}

const V = "version: 1\n";

describe("identities and teams: union by name", () => {
  test("both sides' names are kept", () => {
    const p = merged(`${V}identities:\n  alice: {}\nteams:\n  core: [alice]\n`, `${V}identities:\n  bob: {}\nteams:\n  web: [bob, core]\n`);
    expect(Object.keys(p.identities).sort()).toEqual(["alice", "bob"]);
    expect(p.teams).toEqual({ core: ["alice"], web: ["bob", "core"] });
  });
  test("an identical redefinition is accepted", () => {
    const p = merged(`${V}identities:\n  alice: { github: alice }\n`, `${V}identities:\n  alice: { github: alice, emails: [] }\n`);
    expect(p.identities.alice?.github).toBe("alice");
  });
  test("redefining a baseline identity is rejected at the repository's key and the baseline's kept", () => {
    const { error, policy } = rejected(
      `${V}identities:\n  alice: { keys: ["ssh-ed25519 AAAA-org"] }\n`,
      `${V}identities:\n  alice: { keys: ["ssh-ed25519 AAAA-mine"] }\n`,
    );
    expect(error).toMatchObject({ line: 3, column: 3, field: "baseline:identities.alice" });
    expect(policy.identities.alice?.keys).toEqual(["ssh-ed25519 AAAA-org"]);
  });
  test("redefining a baseline team is rejected and the baseline's kept", () => {
    const { error, policy } = rejected(`${V}teams:\n  core: ["@acme/core"]\n`, `${V}\nteams:\n  core: ["@acme/everyone"]\n`);
    expect(error).toMatchObject({ line: 4, column: 3, field: "baseline:teams.core" });
    expect(policy.teams.core).toEqual(["@acme/core"]);
  });
});

describe("alerts", () => {
  test("a repository may raise check-only alerts to issues", () => {
    expect(merged(V, `${V}alerts: issue\n`).alerts).toBe("issue");
    expect(merged(`${V}alerts: check\n`, `${V}alerts: issue\n`).alerts).toBe("issue");
  });
  test("the baseline's issue alerts apply when the repository says nothing", () => {
    expect(merged(`${V}alerts: issue\n`, V).alerts).toBe("issue");
  });
  test("reducing the baseline's issue alerts to check-only is rejected and the baseline's kept", () => {
    const { error, policy } = rejected(`${V}alerts: issue\n`, `${V}alerts: check\n`);
    expect(error).toMatchObject({ line: 2, field: "baseline:alerts" });
    expect(policy.alerts).toBe("issue");
  });
});

describe("signatures", () => {
  test("required: OR; a repository may turn it on", () => {
    expect(merged(V, `${V}signatures: { required: true }\n`).signatures.required).toBe(true);
    expect(merged(`${V}signatures: { required: true }\n`, V).signatures.required).toBe(true);
  });
  test("required: a repository cannot turn it off", () => {
    const { error, policy } = rejected(`${V}signatures: { required: true }\n`, `${V}signatures:\n  required: false\n`);
    expect(error).toMatchObject({ line: 3, column: 13, field: "baseline:signatures.required" });
    expect(policy.signatures.required).toBe(true);
  });
  test("keys: a subset is accepted", () => {
    expect(merged(`${V}signatures: { keys: [policy, github] }\n`, `${V}signatures: { keys: [policy] }\n`).signatures.keys).toEqual(["policy"]);
  });
  test("keys: adding a source is rejected, also against the baseline's default", () => {
    const { error, policy } = rejected(`${V}signatures: { keys: [policy] }\n`, `${V}signatures: { keys: [policy, github] }\n`);
    expect(error).toMatchObject({ line: 2, column: 21, field: "baseline:signatures.keys" });
    expect(policy.signatures.keys).toEqual(["policy"]);
    expect(rejected(V, `${V}signatures: { keys: [github] }\n`).policy.signatures.keys).toEqual(["policy"]);
  });
  test("keys: omitted in the repository inherits the baseline, not the default", () => {
    expect(merged(`${V}signatures: { keys: [github] }\n`, `${V}signatures: { required: true }\n`).signatures.keys).toEqual(["github"]);
  });
  test("identity: committer is stricter than none", () => {
    expect(merged(`${V}signatures: { identity: none }\n`, `${V}signatures: { identity: committer }\n`).signatures.identity).toBe("committer");
    expect(merged(`${V}signatures: { identity: none }\n`, V).signatures.identity).toBe("none");
    const { error, policy } = rejected(V, `${V}signatures: { identity: none }\n`);
    expect(error.field).toBe("baseline:signatures.identity");
    expect(policy.signatures.identity).toBe("committer");
  });
  test("allow_github_web_flow: AND", () => {
    expect(merged(`${V}signatures: { allow_github_web_flow: true }\n`, `${V}signatures: { allow_github_web_flow: false }\n`).signatures.allow_github_web_flow).toBe(false);
    expect(merged(`${V}signatures: { allow_github_web_flow: true }\n`, V).signatures.allow_github_web_flow).toBe(true);
    const { error, policy } = rejected(V, `${V}signatures:\n  allow_github_web_flow: true\n`);
    expect(error).toMatchObject({ line: 3, column: 26, field: "baseline:signatures.allow_github_web_flow" });
    expect(policy.signatures.allow_github_web_flow).toBe(false);
  });
});

describe("namespaces", () => {
  const base = `${V}namespaces:\n  - name: main\n    refs: [refs/heads/main]\n    review: { approvals: 2 }\n`;
  test("baseline namespaces apply unchanged and repository namespaces are added", () => {
    const p = merged(base, `${V}namespaces:\n  - name: payments\n    paths: [pay/**]\n    review: { approvals: 1 }\n`);
    expect(p.namespaces.map((n) => n.name)).toEqual(["main", "payments"]);
    expect(p.namespaces[0]?.review?.approvals).toBe(2);
  });
  test("a repository namespace with a baseline namespace's name is rejected, even when it is stricter", () => {
    const { error, policy } = rejected(base, `${V}namespaces:\n  - name: other\n    paths: [x]\n  - name: main\n    refs: [refs/heads/main]\n    review: { approvals: 0 }\n`);
    expect(error).toMatchObject({ line: 5, column: 11, field: "baseline:namespaces.1.name" });
    expect(policy.namespaces.map((n) => [n.name, n.review?.approvals])).toEqual([
      ["main", 2],
      ["other", undefined],
    ]);
  });
  test("repository namespaces may use the baseline's teams", () => {
    const p = merged(`${V}teams:\n  sec: ["@acme/sec"]\n`, `${V}namespaces:\n  - name: p\n    paths: [x]\n    owners: [sec]\n`);
    expect(p.namespaces[0]?.owners).toEqual(["sec"]);
  });
});

describe("secrets", () => {
  test("enabled: OR", () => {
    expect(merged(`${V}secrets: { enabled: false }\n`, `${V}secrets: { enabled: true }\n`).secrets.enabled).toBe(true);
    expect(merged(`${V}secrets: { enabled: false }\n`, V).secrets.enabled).toBe(false);
    const { error, policy } = rejected(V, `${V}secrets: { enabled: false }\n`);
    expect(error).toMatchObject({ line: 2, column: 21, field: "baseline:secrets.enabled" });
    expect(policy.secrets.enabled).toBe(true);
  });
  test("disable: only rules the baseline disables; result is the repository's list", () => {
    expect(merged(`${V}secrets: { disable: [a, b] }\n`, `${V}secrets: { disable: [a] }\n`).secrets.disable).toEqual(["a"]);
    expect(merged(`${V}secrets: { disable: [a, b] }\n`, V).secrets.disable).toEqual(["a", "b"]);
    const { error, policy } = rejected(`${V}secrets: { disable: [a] }\n`, `${V}secrets:\n  disable: [a, c]\n`);
    expect(error).toMatchObject({ line: 3, column: 16, field: "baseline:secrets.disable.1" });
    expect(policy.secrets.disable).toEqual(["a"]);
  });
  test("repository allowlists are refused unless the baseline allows them; the baseline's always apply", () => {
    const b = `${V}secrets:\n  allow: { paths: [vendor/**], regexes: [ORG] }\n`;
    for (const [repo, field] of [
      [`${V}secrets:\n  allow: { paths: [test/**] }\n`, "baseline:secrets.allow.paths"],
      [`${V}secrets:\n  allow: { regexes: [MINE] }\n`, "baseline:secrets.allow.regexes"],
      [`${V}secrets:\n  baseline: .vouch/b.json\n`, "baseline:secrets.baseline"],
    ] as const) {
      const { error, policy } = rejected(b, repo);
      expect(error).toMatchObject({ line: 3, field });
      expect(policy.secrets.allow).toEqual({ paths: ["vendor/**"], regexes: ["ORG"] });
      expect(policy.secrets.baseline).toBeUndefined();
    }
  });
  test("with allow_repository_allowlists the repository's allowlists add to the baseline's", () => {
    const p = merged(
      `${V}secrets:\n  allow_repository_allowlists: true\n  allow: { paths: [vendor/**] }\n`,
      `${V}secrets:\n  allow: { paths: [test/**], regexes: [MINE] }\n  baseline: .vouch/b.json\n`,
    );
    expect(p.secrets.allow).toEqual({ paths: ["vendor/**", "test/**"], regexes: ["MINE"] });
    expect(p.secrets.baseline).toBe(".vouch/b.json");
  });
  test("a second secrets baseline file is refused", () => {
    const { error, policy } = rejected(
      `${V}secrets: { allow_repository_allowlists: true, baseline: org.json }\n`,
      `${V}secrets: { baseline: mine.json }\n`,
    );
    expect(error.field).toBe("baseline:secrets.baseline");
    expect(policy.secrets.baseline).toBe("org.json");
  });
  test("allow_repository_allowlists may only be set in the baseline", () => {
    const { error, policy } = rejected(V, `${V}secrets:\n  allow_repository_allowlists: true\n`);
    expect(error).toMatchObject({ line: 3, column: 3, field: "baseline:secrets.allow_repository_allowlists" });
    expect(policy.secrets.allow_repository_allowlists).toBe(false);
  });
});

test("several loosening attempts are all reported", () => {
  const b = src(`${V}signatures: { required: true }\n`, "b.yml");
  const m = mergeBaseline(b, src(`${V}signatures: { required: false, identity: none }\nsecrets: { enabled: false }\n`, "r.yml", b));
  expect(m.errors.map((e) => e.field).sort()).toEqual(["baseline:secrets.enabled", "baseline:signatures.identity", "baseline:signatures.required"]);
});
