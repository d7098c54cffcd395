import { afterEach, beforeEach, describe, expect, test } from "@jest/globals";
import nock from "nock";
import { checkRequired, protectedBranches, protectionNotice, type ProtectionResult } from "../../src/github/protection.js";
import { API, testOctokit } from "./octokit.js";

const RULES = "/repos/acme/app/rules/branches/main";
const PROTECTION = "/repos/acme/app/branches/main/protection";

const statusRule = (checks: Array<{ context: string; integration_id?: number }>, rulesetId = 7) => ({
  type: "required_status_checks",
  ruleset_source_type: "Repository",
  ruleset_source: "acme/app",
  ruleset_id: rulesetId,
  parameters: { strict_required_status_checks_policy: false, required_status_checks: checks },
});

const check = (appId?: number) => checkRequired(testOctokit(), { owner: "acme", repo: "app", branches: ["main"], appId });

beforeEach(() => nock.disableNetConnect());
afterEach(() => {
  nock.cleanAll();
  nock.enableNetConnect();
});

describe("checkRequired", () => {
  test("a ruleset requiring vouch from this app makes it required, without reading classic protection", async () => {
    const scope = nock(API)
      .get(RULES)
      .query(true)
      .reply(200, [{ type: "deletion", ruleset_id: 3 }, statusRule([{ context: "ci" }, { context: "vouch", integration_id: 42 }])]);
    const [result] = await check(42);
    expect(result).toEqual({ branch: "main", status: "required", via: "ruleset", detail: expect.stringContaining("ruleset 7") });
    expect(result!.detail).toContain("this app (42)");
    scope.done();
    expect(nock.pendingMocks()).toEqual([]);
  });

  test("a ruleset requiring vouch from another app does not count, and says which app", async () => {
    nock(API).get(RULES).query(true).reply(200, [statusRule([{ context: "vouch", integration_id: 99 }])]);
    nock(API).get(PROTECTION).reply(404, { message: "Branch not protected" });
    const [result] = await check(42);
    expect(result).toMatchObject({ status: "not_required", via: null });
    expect(result!.detail).toContain("only from app 99");
  });

  test("without an app id, a requirement bound to any app counts", async () => {
    nock(API).get(RULES).query(true).reply(200, [statusRule([{ context: "vouch", integration_id: 99 }])]);
    expect((await check())[0]).toMatchObject({ status: "required", via: "ruleset" });
  });

  test("an unbound requirement counts but is flagged as satisfiable by any source", async () => {
    nock(API).get(RULES).query(true).reply(200, [statusRule([{ context: "vouch" }])]);
    const [result] = await check(42);
    expect(result).toMatchObject({ status: "required", via: "ruleset" });
    expect(result!.detail).toContain("any source");
  });

  test("a check with a similar name is not the vouch check", async () => {
    nock(API).get(RULES).query(true).reply(200, [statusRule([{ context: "vouch/ci" }, { context: "Vouch" }])]);
    nock(API).get(PROTECTION).reply(404, { message: "Branch not protected" });
    expect((await check(42))[0]).toMatchObject({ status: "not_required" });
  });

  test("classic branch protection requiring vouch (checks with app_id) makes it required", async () => {
    nock(API).get(RULES).query(true).reply(200, []);
    nock(API)
      .get(PROTECTION)
      .reply(200, { url: `${API}${PROTECTION}`, required_status_checks: { strict: true, contexts: ["vouch"], checks: [{ context: "vouch", app_id: 42 }] } });
    expect((await check(42))[0]).toMatchObject({ status: "required", via: "branch_protection" });
  });

  test("classic protection bound to another app does not count", async () => {
    nock(API).get(RULES).query(true).reply(200, []);
    nock(API).get(PROTECTION).reply(200, { required_status_checks: { contexts: ["vouch"], checks: [{ context: "vouch", app_id: 5 }] } });
    const [result] = await check(42);
    expect(result).toMatchObject({ status: "not_required", via: null });
    expect(result!.detail).toContain("only from app 5");
  });

  test("classic protection with only the legacy contexts list counts as unbound", async () => {
    nock(API).get(RULES).query(true).reply(200, []);
    nock(API).get(PROTECTION).reply(200, { required_status_checks: { contexts: ["vouch"] } });
    expect((await check(42))[0]).toMatchObject({ status: "required", via: "branch_protection" });
  });

  test("a 403 on classic protection (no administration: read) is unknown, not 'not required'", async () => {
    nock(API).get(RULES).query(true).reply(200, []);
    nock(API).get(PROTECTION).reply(403, { message: "Resource not accessible by integration" });
    const [result] = await check(42);
    expect(result).toMatchObject({ status: "unknown", via: null });
    expect(result!.detail).toContain("HTTP 403");
    expect(result!.detail).toContain("administration: read");
  });

  test("a bare 404 on classic protection (a caller that cannot see it) is unknown", async () => {
    nock(API).get(RULES).query(true).reply(200, []);
    nock(API).get(PROTECTION).reply(404, { message: "Not Found" });
    expect((await check(42))[0]).toMatchObject({ status: "unknown" });
  });

  test("no ruleset and an unprotected branch: not required", async () => {
    nock(API).get(RULES).query(true).reply(200, []);
    nock(API).get(PROTECTION).reply(404, { message: "Branch not protected" });
    expect((await check(42))[0]).toEqual({ branch: "main", status: "not_required", via: null, detail: "no ruleset requires it; no branch protection" });
  });

  test("protection that requires other checks only: not required", async () => {
    nock(API).get(RULES).query(true).reply(200, [statusRule([{ context: "ci" }])]);
    nock(API).get(PROTECTION).reply(200, { required_status_checks: null });
    expect((await check(42))[0]).toMatchObject({ status: "not_required" });
  });

  test("rulesets that cannot be read leave the answer unknown even when classic protection is readable and silent", async () => {
    nock(API).get(RULES).query(true).reply(500, { message: "boom" });
    nock(API).get(PROTECTION).reply(404, { message: "Branch not protected" });
    const [result] = await check(42);
    expect(result).toMatchObject({ status: "unknown" });
    expect(result!.detail).toContain("could not read the rulesets (HTTP 500)");
  });

  test("classic protection still makes it required when the rulesets cannot be read", async () => {
    nock(API).get(RULES).query(true).reply(403, { message: "Forbidden" });
    nock(API).get(PROTECTION).reply(200, { required_status_checks: { checks: [{ context: "vouch", app_id: null }], contexts: ["vouch"] } });
    expect((await check(42))[0]).toMatchObject({ status: "required", via: "branch_protection" });
  });

  test("follows pagination of the rules to find a requirement on a later page", async () => {
    const page1 = Array.from({ length: 100 }, (_, i) => ({ type: "deletion", ruleset_id: i }));
    nock(API)
      .get(RULES)
      .query({ per_page: "100" })
      .reply(200, page1, { link: `<${API}${RULES}?per_page=100&page=2>; rel="next"` });
    nock(API)
      .get(RULES)
      .query({ per_page: "100", page: "2" })
      .reply(200, [statusRule([{ context: "vouch", integration_id: 42 }], 200)]);
    expect((await check(42))[0]).toMatchObject({ status: "required", via: "ruleset", detail: expect.stringContaining("ruleset 200") });
  });

  test("branch names with a slash are encoded into one path segment, and each branch gets its own answer", async () => {
    nock(API).get("/repos/acme/app/rules/branches/release%2F1.0").query(true).reply(200, [statusRule([{ context: "vouch" }])]);
    nock(API).get(RULES).query(true).reply(200, []);
    nock(API).get(PROTECTION).reply(403, { message: "Forbidden" });
    const results = await checkRequired(testOctokit(), { owner: "acme", repo: "app", branches: ["main", "release/1.0"] });
    expect(results.map((r) => [r.branch, r.status])).toEqual([
      ["main", "unknown"],
      ["release/1.0", "required"],
    ]);
  });
});

describe("protectedBranches", () => {
  const ns = (refs: string[]) => ({ refs }) as never;
  test("the default branch first, then the exact branch refs of the namespaces, without duplicates, globs or tags", () => {
    const policy = { namespaces: [ns(["refs/heads/main", "refs/heads/release/*"]), ns(["refs/heads/stable", "refs/tags/v1", "refs/heads/main"]), ns([])] };
    expect(protectedBranches(policy, "main")).toEqual(["main", "stable"]);
    expect(protectedBranches(policy, "trunk")).toEqual(["trunk", "main", "stable"]);
  });
  test("no policy: only the default branch", () => {
    expect(protectedBranches(null, "main")).toEqual(["main"]);
  });
});

describe("protectionNotice", () => {
  const r = (branch: string, status: ProtectionResult["status"]): ProtectionResult => ({ branch, status, via: null, detail: "" });
  test("says nothing when every branch requires the check", () => {
    expect(protectionNotice([r("main", "required"), r("stable", "required")])).toBe("");
    expect(protectionNotice([])).toBe("");
  });
  test("names the branches where the check is not required and where it is unknown", () => {
    const text = protectionNotice([r("main", "required"), r("dev", "not_required"), r("stable", "unknown")]);
    expect(text).toMatch(/not required on `dev`/);
    expect(text).toMatch(/required on `stable`: no readable ruleset/);
    expect(text).not.toContain("`main`");
  });
  test("a branch name with a backtick cannot break out of its code span", () => {
    expect(protectionNotice([r("a`b", "not_required")])).toContain("`` a`b ``");
  });
});
