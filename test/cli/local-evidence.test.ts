import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "@jest/globals";
import { changedFiles, currentRef, localEvidence, parseNameStatus, readAtRevision, repositoryName, resolveRange } from "../../src/evidence/local.js";
import { EVIDENCE_SCHEMA } from "../../src/evidence/types.js";
import { commit, git, initRepo, removeDir } from "./cli-helpers.js";

describe("parseNameStatus", () => {
  test("added, modified, removed, type change, renames and copies", () => {
    const out = ["A", "new.txt", "M", "mod.txt", "D", "gone.txt", "T", "link", "R087", "old name.txt", "dir/new\nname.txt", "C100", "a", "b", ""].join("\0");
    expect(parseNameStatus(out)).toEqual([
      { path: "new.txt", status: "added" },
      { path: "mod.txt", status: "modified" },
      { path: "gone.txt", status: "removed" },
      { path: "link", status: "changed" },
      { path: "dir/new\nname.txt", previousPath: "old name.txt", status: "renamed" },
      { path: "b", previousPath: "a", status: "copied" },
    ]);
  });
  test("empty output is no change; truncated output is an error, never a shorter list", () => {
    expect(parseNameStatus("")).toEqual([]);
    expect(() => parseNameStatus("R100\0only-one\0")).toThrow(/truncated/);
    expect(() => parseNameStatus("M\0")).toThrow(/truncated/);
    expect(() => parseNameStatus("M")).toThrow(/truncated/);
  });
});

describe("evidence from a real clone", () => {
  let repo: string;
  let first: string;
  let second: string;
  beforeAll(() => {
    repo = initRepo("trunk");
    first = commit(repo, { "a.txt": "a\n".repeat(20), "ünï cödé.txt": "x\n" }, "first");
    second = commit(repo, { "a.txt": null, "moved/a.txt": "a\n".repeat(20), "ünï cödé.txt": null, "b.txt": "b\n" }, "second");
  });
  afterAll(() => removeDir(repo));

  test("a root commit: every file is added", async () => {
    const range = await resolveRange(repo, first);
    expect(range.base).toBeNull();
    expect(await changedFiles(repo, range)).toEqual([
      { path: "a.txt", status: "added" },
      { path: "ünï cödé.txt", status: "added" },
    ]);
  });

  test("renames keep the previous path; non-ASCII paths are not quoted", async () => {
    const range = await resolveRange(repo, second);
    expect(range).toEqual({ spec: second, base: first, head: second });
    expect(await changedFiles(repo, range)).toEqual(
      expect.arrayContaining([
        { path: "moved/a.txt", previousPath: "a.txt", status: "renamed" },
        { path: "ünï cödé.txt", status: "removed" },
        { path: "b.txt", status: "added" },
      ]),
    );
  });

  test("ranges: A..B and A...B", async () => {
    expect(await resolveRange(repo, `${first}..${second}`)).toMatchObject({ base: first, head: second });
    expect(await resolveRange(repo, `${first}...${second}`)).toMatchObject({ base: first, head: second });
    expect(await resolveRange(repo, `${first}..`)).toMatchObject({ base: first, head: second });
  });

  test("the evidence is complete, local, and observed now", async () => {
    const now = new Date("2026-01-02T03:04:05Z");
    const e = await localEvidence(repo, await resolveRange(repo, second), { ref: "refs/heads/trunk", now });
    expect(e).toMatchObject({
      schema: EVIDENCE_SCHEMA,
      repository: { id: null },
      observedAt: "2026-01-02T03:04:05.000Z",
      change: { kind: "local", ref: "refs/heads/trunk", baseSha: first, headSha: second, filesComplete: true },
      gaps: [],
    });
  });

  test("current branch, files at a revision", async () => {
    expect(await currentRef(repo)).toBe("refs/heads/trunk");
    expect(await readAtRevision(repo, first, "a.txt")).toBe("a\n".repeat(20));
    expect(await readAtRevision(repo, second, "a.txt")).toBeNull();
    const binary = initRepo();
    try {
      writeFileSync(join(binary, "latin1.yml"), Buffer.from([0x61, 0x3a, 0xe9, 0x0a]));
      const head = commit(binary, {}, "latin1");
      await expect(readAtRevision(binary, head, "latin1.yml")).rejects.toThrow(/not valid UTF-8/);
    } finally {
      removeDir(binary);
    }
  });

  test("repository name from a GitHub remote never includes credentials", async () => {
    git(repo, "remote", "add", "origin", "https://x-access-token:ghs_secret@github.com/acme/widgets.git");
    try {
      expect(await repositoryName(repo)).toBe("acme/widgets");
    } finally {
      git(repo, "remote", "remove", "origin");
    }
    git(repo, "remote", "add", "origin", "git@example.org:acme/widgets.git");
    try {
      expect(await repositoryName(repo)).toMatch(/^vouch-cli-/);
    } finally {
      git(repo, "remote", "remove", "origin");
    }
  });
});
