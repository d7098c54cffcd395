/**
 * Builds a bench repository in one `git fast-import` run: a main branch holding the policy, and
 * one branch per pull request off it. Thousands of branches in one process take seconds, where
 * a clone-commit-push per pull request would take minutes.
 */
import { execFile } from "node:child_process";
import { git, gitEnv } from "../../test/helpers/git.js";
import { commitInfo, commitsBetween, diffFiles, mergeBase, resolveCommit } from "../../test/standin/git-queries.js";

const IDENT = "Load Bench <load@example.com> 1704067200 +0000";

export interface SeedInput {
  /** Files on main, the policy among them. */
  main: Record<string, string>;
  /** Branch name -> files that branch adds on top of main. */
  branches: Map<string, Record<string, string>>;
}

/** Writes the branches into `gitDir` (bare) and returns each branch's head commit id. */
export async function seedBranches(gitDir: string, input: SeedInput): Promise<Map<string, string>> {
  const parts: Buffer[] = [];
  const commit = (ref: string, mark: number, message: string, files: Record<string, string>, from?: number): void => {
    const text = Buffer.from(`${message}\n`);
    parts.push(Buffer.from(`commit ${ref}\nmark :${mark}\nauthor ${IDENT}\ncommitter ${IDENT}\ndata ${text.length}\n`), text);
    if (from !== undefined) parts.push(Buffer.from(`from :${from}\n`));
    for (const [path, content] of Object.entries(files)) {
      const data = Buffer.from(content);
      parts.push(Buffer.from(`M 100644 inline ${path}\ndata ${data.length}\n`), data, Buffer.from("\n"));
    }
    parts.push(Buffer.from("\n"));
  };
  commit("refs/heads/main", 1, "initial", input.main);
  let mark = 2;
  for (const [branch, files] of input.branches) commit(`refs/heads/${branch}`, mark++, `change on ${branch}`, files, 1);

  await new Promise<void>((resolve, reject) => {
    const child = execFile("git", ["fast-import", "--quiet"], { cwd: gitDir, env: gitEnv(), maxBuffer: 16 * 1024 * 1024 }, (error, _out, stderr) =>
      error ? reject(new Error(`git fast-import failed: ${stderr.trim() || error.message}`)) : resolve(),
    );
    child.stdin?.end(Buffer.concat(parts));
  });
  const heads = new Map<string, string>();
  for (const line of (await git(gitDir, ["for-each-ref", "--format=%(refname:strip=2) %(objectname)", "refs/heads/"])).split("\n")) {
    const [branch, sha] = line.split(" ");
    if (branch && sha && input.branches.has(branch)) heads.set(branch, sha);
  }
  if (heads.size !== input.branches.size) throw new Error(`seeded ${heads.size} of ${input.branches.size} branches`);
  return heads;
}

/**
 * Asks the stand-in's git queries what GitHub knows of a pull request before it is delivered:
 * its head, merge base, commits and file list. GitHub computes those when the pull request is
 * opened, on its own machines; here they would otherwise cost git processes on the machine
 * under test during the measured phase.
 */
export async function precomputePullRequest(gitDir: string, baseSha: string, headSha: string): Promise<void> {
  await resolveCommit(gitDir, headSha);
  await commitInfo(gitDir, headSha);
  const base = (await mergeBase(gitDir, baseSha, headSha)) ?? baseSha;
  await diffFiles(gitDir, base, headSha);
  await commitsBetween(gitDir, baseSha, headSha);
}
