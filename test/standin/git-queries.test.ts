/**
 * The stand-in's git queries keep answers about full object ids (they cannot change) and ask git
 * afresh for everything that names a ref or finds nothing.
 */
import { describe, test, expect, beforeEach, afterEach } from "@jest/globals";
import { rename } from "node:fs/promises";
import { commitFiles, git, initRepo, removeDir } from "../helpers/git.js";
import { commitInfo, commitsBetween, diffFiles, forgetGitAnswers, lookupPath, mergeBase, readBlob, resolveCommit } from "./git-queries.js";

let repo: string;
let gitDir: string;
let first: string;
let second: string;

beforeEach(async () => {
  forgetGitAnswers();
  repo = await initRepo();
  gitDir = `${repo}/.git`;
  first = await commitFiles(repo, { "a.txt": "one\n" }, "first");
  second = await commitFiles(repo, { "a.txt": "two\n", "b.txt": "new\n" }, "second");
});

afterEach(() => removeDir(`${repo}-moved`).then(() => removeDir(repo)));

/** One answer of each kind about the two commits. */
async function everything(): Promise<Record<string, unknown>> {
  return {
    resolved: await resolveCommit(gitDir, second),
    base: await mergeBase(gitDir, first, second),
    commits: (await commitsBetween(gitDir, first, second)).map((c) => c.sha),
    files: (await diffFiles(gitDir, first, second)).map((f) => `${f.status} ${f.filename}`),
    entry: (await lookupPath(gitDir, second, "b.txt"))?.type,
    blob: (await readBlob(gitDir, (await lookupPath(gitDir, second, "a.txt"))?.sha ?? "")).toString(),
    message: (await commitInfo(gitDir, first))?.message.trim(),
  };
}

describe("git queries", () => {
  test("answers about full ids are kept: they still come after git can no longer see the repository", async () => {
    const before = await everything();
    expect(before).toEqual({ resolved: second, base: first, commits: [second], files: ["modified a.txt", "added b.txt"], entry: "blob", blob: "two\n", message: "first" });

    await rename(repo, `${repo}-moved`);
    const after = await everything();
    expect(after).toEqual(before);
    // A ref is asked afresh, and git cannot answer now.
    expect(await resolveCommit(gitDir, "refs/heads/main")).toBeUndefined();
    await rename(`${repo}-moved`, repo);
  });

  test("refs follow the repository, and an id that was missing is found once it is pushed", async () => {
    expect(await resolveCommit(gitDir, "refs/heads/main")).toBe(second);
    const third = await commitFiles(repo, { "c.txt": "three\n" }, "third");
    expect(await resolveCommit(gitDir, "refs/heads/main")).toBe(third);
    // A commit made elsewhere is unknown here until it arrives.
    const other = await initRepo();
    try {
      await git(other, ["pull", "-q", repo, "main"]);
      const elsewhere = await commitFiles(other, { "d.txt": "four\n" }, "made elsewhere");
      expect(await resolveCommit(gitDir, elsewhere)).toBeUndefined();
      await git(repo, ["fetch", "-q", other, "main:refs/heads/from-other"]);
      expect(await resolveCommit(gitDir, elsewhere)).toBe(elsewhere);
    } finally {
      await removeDir(other);
    }
  });

  test("each caller gets its own copy of a kept answer", async () => {
    const a = await commitsBetween(gitDir, first, second);
    a[0]!.message = "changed by a caller";
    a.push(a[0]!);
    const b = await commitsBetween(gitDir, first, second);
    expect(b).toHaveLength(1);
    expect(b[0]!.message.trim()).toBe("second");
    const blob = await readBlob(gitDir, (await lookupPath(gitDir, second, "b.txt"))?.sha ?? "");
    blob.fill(0);
    expect((await readBlob(gitDir, (await lookupPath(gitDir, second, "b.txt"))?.sha ?? "")).toString()).toBe("new\n");
  });
});
