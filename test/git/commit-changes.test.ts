// One suite over both object sources: a local `git cat-file` and objects fetched over smart HTTP
// from the stand-in. Every expectation is checked against what real git says about the same repo.
import { afterAll, beforeAll, describe, expect, test } from "@jest/globals";
import { execFileSync } from "node:child_process";
import { branch, checkout, commitFiles, git, gitEnv, initRepo, push, removeDir, tempDir } from "../helpers/git.js";
import { startStandIn, type StandIn } from "../standin/index.js";
import { appKeys } from "../standin/testing.js";
import { CatFileSource } from "../../src/git/cat-file.js";
import { openHttpObjectSource, type HttpObjectSource } from "../../src/git/http-source.js";
import { CommitLimitError, commitChanges, newCommits, type FileChange } from "../../src/git/commit-changes.js";
import { ObjectReadError, type ObjectSource } from "../../src/git/objects.js";

let standIn: StandIn;
let work: string;
let dataDir: string;
let gitDir: string;
const ids: Record<string, string> = {};

const SECRET = "AKIAQWERTYUIOPASDFGH";
const BIG = "x".repeat(5000) + "\n";
const day = (n: number): string => `2024-01-${String(n).padStart(2, "0")}T00:00:00Z`;

function catFile(type: string, id: string): Buffer {
  return execFileSync("git", ["-C", work, "cat-file", type, id], { env: gitEnv() });
}

function revList(args: string[]): string[] {
  return execFileSync("git", ["-C", work, "rev-list", ...args], { env: gitEnv(), encoding: "utf8" })
    .split("\n")
    .filter((l) => l.length > 0);
}

const BULK = 2000;

/** `count` commits on `ref` from `from`, each rewriting one file, in one fast-import stream (a large push). */
async function bulkCommits(dir: string, ref: string, from: string, count: number): Promise<string> {
  const parts: string[] = [];
  for (let i = 1; i <= count; i++) {
    const data = `line ${i}\n`;
    parts.push(`commit refs/heads/${ref}\ncommitter Bulk <bulk@example.com> ${1710000000 + i} +0000\ndata 5\nbulk\n`);
    if (i === 1) parts.push(`from ${from}\n`);
    parts.push(`M 100644 inline bulk.txt\ndata ${data.length}\n${data}\n`);
  }
  execFileSync("git", ["-C", dir, "fast-import", "--quiet"], { env: gitEnv(), input: parts.join("") });
  return git(dir, ["rev-parse", `refs/heads/${ref}`]);
}

beforeAll(async () => {
  standIn = await startStandIn({ publicKey: appKeys().publicKey });
  const repo = await standIn.addRepo({ owner: "acme", name: "changes" });
  gitDir = repo.gitDir;
  dataDir = await tempDir("vouch-data-");
  work = await initRepo();
  ids.c1 = await commitFiles(
    work,
    {
      "README.md": "hello\n",
      "src/a.ts": "one\ntwo\nthree\n",
      "data.bin": Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x00, 0x01, 0x02, 0x0a, 0x41]),
      "big.txt": BIG,
      "remove-me.txt": "bye\n",
    },
    "root",
    { date: day(1) },
  );
  ids.c2 = await commitFiles(work, { "src/a.ts": "one\ninserted\ntwo\nTHREE\n", "remove-me.txt": null }, "edit a, remove file", { date: day(2) });
  await git(work, ["tag", "-a", "-m", "release one", "v1", ids.c2], { GIT_COMMITTER_DATE: day(2) });
  await branch(work, "feature");
  ids.f1 = await commitFiles(work, { "config.env": `REGION=eu\nAWS_ACCESS_KEY_ID=${SECRET}\nDEBUG=0\n` }, "add config", { date: day(3) });
  ids.f2 = await commitFiles(work, { "config.env": "REGION=eu\nDEBUG=0\n" }, "oops, remove key", { date: day(4) });
  await checkout(work, "main");
  ids.c3 = await commitFiles(work, { "main.txt": "from main\n" }, "main moves on", { date: day(5) });
  await checkout(work, "feature");
  await git(work, ["merge", "-q", "--no-ff", "-m", "merge main", "main"], { GIT_AUTHOR_DATE: day(6), GIT_COMMITTER_DATE: day(6) });
  ids.m1 = await git(work, ["rev-parse", "HEAD"]);
  ids.f3 = await commitFiles(work, { "src/b.ts": "export const b = 1;\n" }, "add b", { date: day(7) });
  // A branch rewritten by force: r2 is what `before` pointed at, r2b replaces it.
  await branch(work, "rewrite", ids.c2);
  ids.r1 = await commitFiles(work, { "r.txt": "r1\n" }, "r1", { date: day(8) });
  ids.r2 = await commitFiles(work, { "r.txt": "r2\n" }, "r2", { date: day(9) });
  await branch(work, "rewrite-old", "rewrite");
  await branch(work, "rewrite", ids.r1);
  ids.r2b = await commitFiles(work, { "r.txt": "r2 again\n" }, "r2b", { date: day(10) });
  // Clock skew: P claims to be older than the commits around it, H older than the base it forks from.
  await branch(work, "skew-base", ids.c3);
  ids.q = await commitFiles(work, { "q.txt": "q\n" }, "q", { date: "2023-06-01T00:00:00Z" });
  ids.p = await commitFiles(work, { "p.txt": "p\n" }, "p", { date: "2000-01-01T00:00:00Z" });
  ids.e = await commitFiles(work, { "e.txt": "e\n" }, "e", { date: "2024-06-01T00:00:00Z" });
  await branch(work, "skew-head", ids.q);
  ids.h = await commitFiles(work, { "h.txt": "h\n" }, "h", { date: "2010-01-01T00:00:00Z" });
  ids.bulk = await bulkCommits(work, "bulk", ids.c3!, BULK);
  await checkout(work, "main");
  await push(work, gitDir, ["main", "feature", "rewrite", "rewrite-old", "v1", "skew-base", "skew-head", "bulk"]);
  ids.tag = await git(work, ["rev-parse", "v1"]);
});

afterAll(async () => {
  await removeDir(work);
  await removeDir(dataDir);
  await standIn.close();
});

type Opened = { source: ObjectSource; close: () => Promise<void> };

const sources: [string, () => Promise<Opened>][] = [
  [
    "cat-file",
    async () => {
      const s = new CatFileSource(gitDir);
      return { source: s, close: async () => s.close() };
    },
  ],
  [
    "http",
    async () => {
      const s: HttpObjectSource = await openHttpObjectSource({
        url: `${standIn.url}/acme/changes.git`,
        token: standIn.issueToken(),
        dir: dataDir,
        want: ["refs/heads/main", ids.f3!, ids.r2b!, ids.r2!, "refs/tags/v1", ids.e!, ids.h!, ids.bulk!],
      });
      return { source: s, close: () => s.close() };
    },
  ],
];

const byPath = (changes: FileChange[], path: string): FileChange => {
  const found = changes.find((c) => c.path === path);
  if (!found) throw new Error(`no change for ${path}: ${changes.map((c) => c.path).join(", ")}`);
  return found;
};

describe.each(sources)("over the %s source", (_name, open) => {
  let opened: Opened;
  let source: ObjectSource;

  beforeAll(async () => {
    opened = await open();
    source = opened.source;
  });
  afterAll(() => opened.close());

  test("commits, tags, trees and blobs come back byte for byte as git cat-file prints them", async () => {
    const commit = await source.read(ids.c1!);
    expect(commit.type).toBe("commit");
    expect(commit.body.equals(catFile("commit", ids.c1!))).toBe(true);
    const tag = await source.read(ids.tag!);
    expect(tag.type).toBe("tag");
    expect(tag.body.equals(catFile("tag", ids.tag!))).toBe(true);
    const treeId = execFileSync("git", ["-C", work, "rev-parse", `${ids.c1}^{tree}`], { env: gitEnv(), encoding: "utf8" }).trim();
    const tree = await source.read(treeId);
    expect(tree.type).toBe("tree");
    expect(tree.body.equals(catFile("tree", treeId))).toBe(true);
    const blobId = execFileSync("git", ["-C", work, "rev-parse", `${ids.c1}:data.bin`], { env: gitEnv(), encoding: "utf8" }).trim();
    const blob = await source.read(blobId);
    expect(blob.type).toBe("blob");
    expect(blob.body.equals(catFile("blob", blobId))).toBe(true);
  });

  test("an object that does not exist is a missing ObjectReadError", async () => {
    await expect(source.read("0123456789abcdef0123456789abcdef01234567")).rejects.toMatchObject({ code: "missing" });
    await expect(source.read("HEAD")).rejects.toBeInstanceOf(ObjectReadError);
  });

  test("a pull request's new commits: reachable from head, not from the base, parents first", async () => {
    const got = await newCommits(source, { head: ids.f3!, exclude: [ids.c3!], limit: 100 });
    expect(got).toEqual([ids.f1, ids.f2, ids.m1, ids.f3]);
    expect(new Set(got)).toEqual(new Set(revList([ids.f3!, `^${ids.c3}`])));
  });

  test("a push's new commits include what a merge brings in that `before` lacked", async () => {
    const got = await newCommits(source, { head: ids.f3!, exclude: [ids.f2!], limit: 100 });
    expect(got).toEqual(revList(["--topo-order", "--reverse", ids.f3!, `^${ids.f2}`]));
    expect(got).toEqual([ids.c3, ids.m1, ids.f3]);
  });

  test("a new branch is compared with the default branch; a root-only history is all new", async () => {
    expect(await newCommits(source, { head: ids.r2b!, exclude: [ids.c3!], limit: 100 })).toEqual([ids.r1, ids.r2b]);
    expect(await newCommits(source, { head: ids.c2!, exclude: [], limit: 100 })).toEqual([ids.c1, ids.c2]);
  });

  test("a force-push whose `before` is not an ancestor yields only the replacement commits", async () => {
    const got = await newCommits(source, { head: ids.r2b!, exclude: [ids.r2!], limit: 100 });
    expect(got).toEqual([ids.r2b]);
    expect(got).toEqual(revList([ids.r2b!, `^${ids.r2}`]));
  });

  test("an exclude the source lacks is an error unless the caller says to ignore it", async () => {
    const gone = "0123456789abcdef0123456789abcdef01234567";
    await expect(newCommits(source, { head: ids.r2b!, exclude: [gone], limit: 100 })).rejects.toMatchObject({ code: "missing" });
    expect(await newCommits(source, { head: ids.r2b!, exclude: [gone, ids.c2!], limit: 100, missingExclude: "ignore" })).toEqual([ids.r1, ids.r2b]);
  });

  test("nothing is new when head is already excluded, and too many new commits throw instead of truncating", async () => {
    expect(await newCommits(source, { head: ids.f2!, exclude: [ids.f3!], limit: 100 })).toEqual([]);
    await expect(newCommits(source, { head: ids.f3!, exclude: [ids.c3!], limit: 3 })).rejects.toBeInstanceOf(CommitLimitError);
  });

  test("a root commit adds every line of every file; binary and oversized blobs are flagged, not skipped", async () => {
    const changes = await commitChanges(source, ids.c1!, { maxBlobBytes: 4096 });
    expect(changes.map((c) => [c.path, c.status])).toEqual([
      ["README.md", "added"],
      ["big.txt", "added"],
      ["data.bin", "added"],
      ["remove-me.txt", "added"],
      ["src/a.ts", "added"],
    ]);
    expect(byPath(changes, "src/a.ts").addedLines).toEqual([
      { line: 1, text: "one" },
      { line: 2, text: "two" },
      { line: 3, text: "three" },
    ]);
    expect(byPath(changes, "data.bin")).toMatchObject({ binary: true, tooLarge: false, addedLines: [] });
    expect(byPath(changes, "big.txt")).toMatchObject({ binary: false, tooLarge: true, addedLines: [] });
    // Under the default limit the same blob is read and scanned.
    const relaxed = await commitChanges(source, ids.c1!);
    expect(byPath(relaxed, "big.txt")).toMatchObject({ tooLarge: false, addedLines: [{ line: 1, text: BIG.trimEnd() }] });
  });

  test("a modification adds only the new and changed lines, numbered as in the new file; a deletion adds none", async () => {
    const changes = await commitChanges(source, ids.c2!);
    expect(byPath(changes, "src/a.ts")).toEqual({
      path: "src/a.ts",
      status: "modified",
      binary: false,
      tooLarge: false,
      addedLines: [
        { line: 2, text: "inserted" },
        { line: 4, text: "THREE" },
      ],
    });
    expect(byPath(changes, "remove-me.txt")).toMatchObject({ status: "removed", addedLines: [] });
    expect(changes).toHaveLength(2);
  });

  test("a secret added in one commit and removed in the next is in the first commit's added lines", async () => {
    const added = byPath(await commitChanges(source, ids.f1!), "config.env");
    expect(added.addedLines).toContainEqual({ line: 2, text: `AWS_ACCESS_KEY_ID=${SECRET}` });
    const removed = byPath(await commitChanges(source, ids.f2!), "config.env");
    expect(removed.status).toBe("modified");
    expect(removed.addedLines).toEqual([]);
  });

  test("a merge commit is compared with its first parent: it adds what the merged branch brought", async () => {
    const changes = await commitChanges(source, ids.m1!);
    expect(changes).toEqual([{ path: "main.txt", status: "added", binary: false, tooLarge: false, addedLines: [{ line: 1, text: "from main" }] }]);
  });

  test("the changed paths agree with git diff-tree against the first parent for every commit", async () => {
    for (const name of ["c1", "c2", "f1", "f2", "m1", "f3", "r2b"]) {
      const id = ids[name]!;
      const parents = revList(["--parents", "-n", "1", id])[0]!.split(" ").slice(1);
      const emptyTree = execFileSync("git", ["-C", work, "hash-object", "-t", "tree", "/dev/null"], { env: gitEnv(), encoding: "utf8" }).trim();
      const out = execFileSync("git", ["-C", work, "diff-tree", "-r", "--no-renames", "--name-status", parents[0] ?? emptyTree, id], {
        env: gitEnv(),
        encoding: "utf8",
      });
      const expected = out
        .split("\n")
        .filter((l) => /^[AMD]\t/.test(l))
        .map((l) => `${{ A: "added", M: "modified", D: "removed" }[l[0] as "A" | "M" | "D"]} ${l.slice(2)}`);
      const got = (await commitChanges(source, id)).map((c) => `${c.status} ${c.path}`);
      expect(got).toEqual(expected);
    }
  });

  test("commit dates that lie do not change the answer (the walk goes on past them, as git's does)", async () => {
    const got = await newCommits(source, { head: ids.h!, exclude: [ids.e!], limit: 100 });
    expect(got).toEqual([ids.h]);
    expect(got).toEqual(revList([ids.h!, `^${ids.e}`]));
    expect(await newCommits(source, { head: ids.e!, exclude: [ids.h!], limit: 100 })).toEqual(revList(["--topo-order", "--reverse", ids.e!, `^${ids.h}`]));
  });

  test(`a push of ${BULK} commits is walked completely and in order, and each commit adds its one line`, async () => {
    const got = await newCommits(source, { head: ids.bulk!, exclude: [ids.c3!], limit: 5000 });
    expect(got).toHaveLength(BULK);
    expect(got).toEqual(revList(["--topo-order", "--reverse", ids.bulk!, `^${ids.c3}`]));
    const last = await commitChanges(source, got[BULK - 1]!);
    expect(last).toEqual([{ path: "bulk.txt", status: "modified", binary: false, tooLarge: false, addedLines: [{ line: 1, text: `line ${BULK}` }] }]);
    await expect(newCommits(source, { head: ids.bulk!, exclude: [ids.c3!], limit: BULK - 1 })).rejects.toBeInstanceOf(CommitLimitError);
  });

  test("asking for the changes of a non-commit fails clearly", async () => {
    await expect(commitChanges(source, ids.tag!)).rejects.toThrow(/expected a commit/);
  });
});
