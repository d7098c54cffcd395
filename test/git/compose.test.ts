/** Recomposing a merge queue with real git: clean merges reproduce GitHub's merge commits; extra content and conflicts show. */
import { afterAll, beforeAll, describe, expect, test } from "@jest/globals";
import { join } from "node:path";
import { branch, checkout, commitFiles, git, initRepo, removeDir, revParse } from "../helpers/git.js";
import { composeMerges, differingPaths, firstParentChain, treeOf } from "../../src/git/compose.js";

let dir: string;
let gitDir: string;
let base: string;
let one: string;
let two: string;
let clash: string;

beforeAll(async () => {
  dir = await initRepo();
  gitDir = join(dir, ".git");
  base = await commitFiles(dir, { "README.md": "hello\n", "shared.txt": "a\nb\nc\n" }, "initial");
  await branch(dir, "one", base);
  one = await commitFiles(dir, { "one.txt": "1\n" }, "pr one");
  await branch(dir, "two", base);
  two = await commitFiles(dir, { "two.txt": "2\n", "shared.txt": "a\nb\nC\n" }, "pr two");
  await branch(dir, "clash", base);
  clash = await commitFiles(dir, { "shared.txt": "a\nb\nX\n" }, "pr clash");
  await checkout(dir, "main");
});
afterAll(async () => {
  await removeDir(dir);
});

/** What GitHub's merge queue builds with the merge method: one merge commit per pull request. */
async function queue(heads: { n: number; sha: string }[], name: string): Promise<string> {
  await branch(dir, name, base);
  for (const h of heads) await git(dir, ["merge", "-q", "--no-ff", "-m", `Merge pull request #${h.n} from acme/pr-${h.n}`, h.sha]);
  const head = await revParse(dir, "HEAD");
  await checkout(dir, "main");
  return head;
}

describe("composeMerges", () => {
  test("the queued heads merged in order reproduce the group's tree", async () => {
    const group = await queue([{ n: 1, sha: one }, { n: 2, sha: two }], "q-clean");
    const composed = await composeMerges(gitDir, base, [{ number: 1, head: one }, { number: 2, head: two }]);
    expect(composed.conflict).toBeNull();
    expect(composed.tree).toBe(await treeOf(gitDir, group));
    expect(composed.changedPaths.get(1)).toEqual(["one.txt"]);
    expect(composed.changedPaths.get(2)).toEqual(["shared.txt", "two.txt"]);
  });

  test("content added on top of the merges shows as a differing path", async () => {
    await branch(dir, "q-sneaky", await queue([{ n: 1, sha: one }], "q-base"));
    const group = await commitFiles(dir, { "sneaky.txt": "x\n" }, "Merge pull request #1 from acme/pr-1");
    await checkout(dir, "main");
    const composed = await composeMerges(gitDir, base, [{ number: 1, head: one }]);
    expect(composed.tree).not.toBe(await treeOf(gitDir, group));
    expect(await differingPaths(gitDir, composed.tree!, await treeOf(gitDir, group))).toEqual(["sneaky.txt"]);
  });

  test("a pull request left out of the list leaves its paths differing", async () => {
    const group = await queue([{ n: 1, sha: one }, { n: 2, sha: two }], "q-missing");
    const composed = await composeMerges(gitDir, base, [{ number: 1, head: one }]);
    expect(await differingPaths(gitDir, composed.tree!, await treeOf(gitDir, group))).toEqual(["shared.txt", "two.txt"]);
  });

  test("a merge that conflicts names the pull request and the path", async () => {
    const composed = await composeMerges(gitDir, base, [{ number: 2, head: two }, { number: 7, head: clash }]);
    expect(composed.tree).toBeNull();
    expect(composed.conflict).toEqual({ number: 7, paths: ["shared.txt"] });
  });

  test("a squash commit with the merged tree composes to the same tree", async () => {
    await branch(dir, "q-squash", base);
    await git(dir, ["merge", "-q", "--squash", one]);
    await git(dir, ["commit", "-q", "-m", "pr one (#1)"]);
    const group = await revParse(dir, "HEAD");
    await checkout(dir, "main");
    const composed = await composeMerges(gitDir, base, [{ number: 1, head: one }]);
    expect(composed.tree).toBe(await treeOf(gitDir, group));
    expect((await firstParentChain(gitDir, base, group)).map((c) => c.subject)).toEqual(["pr one (#1)"]);
  });

  test("an unknown head is an error, not an empty composition", async () => {
    await expect(composeMerges(gitDir, base, [{ number: 1, head: "f".repeat(40) }])).rejects.toThrow(/merge-base/);
  });
});

describe("firstParentChain", () => {
  test("lists the group's own commits oldest first, with parents and subjects", async () => {
    const group = await queue([{ n: 1, sha: one }, { n: 2, sha: two }], "q-chain");
    const chain = await firstParentChain(gitDir, base, group);
    expect(chain.map((c) => c.subject)).toEqual(["Merge pull request #1 from acme/pr-1", "Merge pull request #2 from acme/pr-2"]);
    expect(chain.map((c) => c.parents[1])).toEqual([one, two]);
  });
});
