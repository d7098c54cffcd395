import { afterEach, beforeEach, describe, expect, test } from "@jest/globals";
import nock from "nock";
import { readPolicyFile, readPolicyFiles } from "../../src/github/policy-source.js";
import { GitHubEvidenceError } from "../../src/github/client.js";
import { API, testOctokit } from "./octokit.js";

const content = (text: string, extra: Record<string, unknown> = {}) => ({
  type: "file",
  encoding: "base64",
  size: text.length,
  name: "vouch.yml",
  path: ".github/vouch.yml",
  sha: "3".repeat(40),
  content: Buffer.from(text).toString("base64"),
  ...extra,
});

beforeEach(() => nock.disableNetConnect());
afterEach(() => {
  nock.cleanAll();
  nock.enableNetConnect();
});

describe("readPolicyFile", () => {
  test("reads the file at the given ref and records where it came from", async () => {
    const scope = nock(API)
      .get("/repos/acme/app/contents/.github%2Fvouch.yml")
      .query({ ref: "main" })
      .reply(200, content("version: 1\n"));
    const file = await readPolicyFile(testOctokit(), "acme", "app", "main");
    expect(file).toEqual({
      text: "version: 1\n",
      source: { repository: "acme/app", path: ".github/vouch.yml", ref: "main", sha: "3".repeat(40) },
    });
    scope.done();
  });

  test("a missing file is null, not an error", async () => {
    nock(API).get("/repos/acme/app/contents/.github%2Fvouch.yml").query(true).reply(404, { message: "Not Found" });
    expect(await readPolicyFile(testOctokit(), "acme", "app", "main")).toBeNull();
  });

  test("a server error is not mistaken for a missing policy: it throws, naming what could not be read", async () => {
    nock(API).get("/repos/acme/app/contents/.github%2Fvouch.yml").query(true).reply(502, { message: "Bad gateway" });
    const error = await readPolicyFile(testOctokit(), "acme", "app", "main").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GitHubEvidenceError);
    expect((error as GitHubEvidenceError).status).toBe(502);
    expect((error as Error).message).toBe("GitHub API: could not read the file acme/app:.github/vouch.yml@main (HTTP 502)");
  });

  test("a directory at the policy path is refused", async () => {
    nock(API).get("/repos/acme/app/contents/.github%2Fvouch.yml").query(true).reply(200, [content("x")]);
    await expect(readPolicyFile(testOctokit(), "acme", "app", "main")).rejects.toThrow(/not a regular file/);
  });

  test("an oversized file is refused rather than parsed", async () => {
    nock(API).get("/repos/acme/app/contents/.github%2Fvouch.yml").query(true).reply(200, content("x", { size: 5 * 1024 * 1024 }));
    await expect(readPolicyFile(testOctokit(), "acme", "app", "main")).rejects.toThrow(/too large/);
  });
});

describe("readPolicyFiles", () => {
  test("for an organization, reads the repository's file at the base ref and the baseline from <org>/.github", async () => {
    const scope = nock(API)
      .get("/repos/acme/app/contents/.github%2Fvouch.yml")
      .query({ ref: "main" })
      .reply(200, content("version: 1\n# repo\n"))
      .get("/repos/acme/.github/contents/.github%2Fvouch.yml")
      .reply(200, content("version: 1\n# org\n"));
    const files = await readPolicyFiles(testOctokit(), { owner: "acme", repo: "app", ref: "main", ownerIsOrganization: true });
    expect(files.repository?.text).toContain("# repo");
    expect(files.baseline?.text).toContain("# org");
    expect(files.baseline?.source.repository).toBe("acme/.github");
    scope.done();
  });

  test("a user-owned repository has no baseline and makes no baseline request", async () => {
    const scope = nock(API).get("/repos/alice/app/contents/.github%2Fvouch.yml").query(true).reply(200, content("version: 1\n"));
    const files = await readPolicyFiles(testOctokit(), { owner: "alice", repo: "app", ref: "main", ownerIsOrganization: false });
    expect(files.baseline).toBeNull();
    scope.done();
    expect(nock.pendingMocks()).toEqual([]);
  });
});
