import { afterEach, describe, expect, test } from "@jest/globals";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { branch, commitFiles, git, importCommit, initBareRepo, initRepo, push, removeDir, revParse, tempDir } from "./git.js";

const dirs: string[] = [];
afterEach(async () => {
  for (const d of dirs.splice(0)) await removeDir(d);
});

async function repo(): Promise<string> {
  const d = await initRepo();
  dirs.push(d);
  return d;
}

describe("git helpers", () => {
  test("commits are reproducible: same files, people and date give the same id", async () => {
    const a = await repo();
    const b = await repo();
    const opts = { author: { name: "A", email: "a@example.com" }, date: "2024-02-03T04:05:06Z" };
    const shaA = await commitFiles(a, { "x.txt": "1\n", "d/y.txt": "2\n" }, "first", opts);
    const shaB = await commitFiles(b, { "d/y.txt": "2\n", "x.txt": "1\n" }, "first", opts);
    expect(shaA).toBe(shaB);
    expect(await commitFiles(b, { "x.txt": "1\n" }, "first again", opts)).not.toBe(shaA);
  });

  test("author, committer and date land in the commit object; null deletes a file", async () => {
    const d = await repo();
    await commitFiles(d, { "gone.txt": "x\n", "kept.txt": "y\n" }, "one");
    await commitFiles(d, { "gone.txt": null }, "two", {
      author: { name: "Ann", email: "ann@example.com" },
      committer: { name: "Cy", email: "cy@example.com" },
      date: "2023-05-06T07:08:09Z",
    });
    const raw = await git(d, ["cat-file", "commit", "HEAD"]);
    expect(raw).toContain("author Ann <ann@example.com> 1683356889 +0000");
    expect(raw).toContain("committer Cy <cy@example.com> 1683356889 +0000");
    expect(existsSync(join(d, "gone.txt"))).toBe(false);
    expect(await git(d, ["ls-tree", "--name-only", "HEAD"])).toBe("kept.txt");
  });

  test("branch, push and revParse move commits between repositories", async () => {
    const d = await repo();
    const bare = await tempDir();
    dirs.push(bare);
    await initBareRepo(bare);
    const base = await commitFiles(d, { "a.txt": "a\n" }, "base");
    await branch(d, "topic");
    const tip = await commitFiles(d, { "b.txt": "b\n" }, "tip");
    await push(d, bare, ["main", "topic"]);
    expect(await revParse(bare, "refs/heads/main")).toBe(base);
    expect(await revParse(bare, "refs/heads/topic")).toBe(tip);
    await expect(revParse(bare, "refs/heads/nope")).rejects.toThrow(/git rev-parse/);
  });

  test("importCommit builds commits on a bare repository without a working tree", async () => {
    const bare = await tempDir();
    dirs.push(bare);
    await initBareRepo(bare);
    const first = await importCommit(bare, { ref: "main", files: { "a.txt": "a\n", "dir/b.bin": Buffer.from([0, 1, 2]) }, message: "first" });
    const second = await importCommit(bare, { ref: "main", files: { "a.txt": null, "c.txt": "c\n" }, message: "second" });
    expect(await git(bare, ["rev-parse", `${second}^`])).toBe(first);
    expect(await git(bare, ["ls-tree", "-r", "--name-only", second])).toBe("c.txt\ndir/b.bin");
    await expect(importCommit(bare, { ref: "main", files: { "bad\nname": "x" }, message: "m" })).rejects.toThrow(/unsupported path/);
  });

  test("git failures carry git's message", async () => {
    const d = await repo();
    await expect(git(d, ["checkout", "does-not-exist"])).rejects.toThrow(/does-not-exist/);
  });
});
