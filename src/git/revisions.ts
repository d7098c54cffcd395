/** Turns `REV` and `A..B` arguments into object ids with the local git, without reading objects. */
import { execFile } from "node:child_process";
import { promisify } from "node:util";

const run = promisify(execFile);

async function git(repoDir: string, args: string[]): Promise<string> {
  const { stdout } = await run("git", ["-C", repoDir, ...args], { maxBuffer: 256 * 1024 * 1024, encoding: "utf8" });
  return stdout;
}

/**
 * `A..B` yields the commits reachable from B and not from A (newest first, as rev-list
 * prints them); any other argument names one object: a commit, or an annotated tag itself
 * (not the commit it points at), so that the tag's own signature gets checked.
 */
export async function resolveRevisions(repoDir: string, revs: readonly string[]): Promise<string[]> {
  const ids: string[] = [];
  for (const rev of revs) {
    if (rev.startsWith("-")) throw new Error(`revision may not start with '-': ${rev}`);
    if (rev.includes("..")) {
      const out = await git(repoDir, ["rev-list", rev, "--"]);
      ids.push(...out.split("\n").filter((l) => l.length > 0));
    } else {
      const out = await git(repoDir, ["rev-parse", "--verify", "--quiet", `${rev}^{object}`]);
      ids.push(out.trim());
    }
  }
  return ids;
}
