/**
 * Recomputes what a merge queue should have built: the base commit with each queued pull
 * request's head merged in, in queue order, using git's own merge machinery (`git merge-tree
 * --write-tree`, the ort strategy GitHub also merges with). Runs the local git binary on a bare
 * repository that already holds the objects (the app's fetch cache); it writes only tree and
 * commit objects, never a ref.
 */
import { execFile } from "node:child_process";

/** `git merge-tree --write-tree` needs git 2.38 or later. */
export const MIN_GIT_FOR_COMPOSE = "2.38";

export class ComposeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ComposeError";
  }
}

interface GitResult {
  code: number;
  stdout: string;
  stderr: string;
}

function runGit(gitDir: string, args: string[], git = "git"): Promise<GitResult> {
  return new Promise((resolve, reject) => {
    execFile(
      git,
      ["--git-dir", gitDir, ...args],
      {
        encoding: "utf8",
        maxBuffer: 64 * 1024 * 1024,
        // Fixed identity and dates: the scratch commits are the same every time, and no user config leaks in.
        env: {
          PATH: process.env.PATH ?? "",
          GIT_CONFIG_NOSYSTEM: "1",
          GIT_CONFIG_GLOBAL: "/dev/null",
          GIT_AUTHOR_NAME: "Vouch",
          GIT_AUTHOR_EMAIL: "vouch@invalid",
          GIT_AUTHOR_DATE: "1970-01-01T00:00:00Z",
          GIT_COMMITTER_NAME: "Vouch",
          GIT_COMMITTER_EMAIL: "vouch@invalid",
          GIT_COMMITTER_DATE: "1970-01-01T00:00:00Z",
        },
      },
      (error, stdout, stderr) => {
        if (error && typeof error.code !== "number") {
          reject(new ComposeError(`git could not be run (${error.code ?? error.message}); merge groups need git ${MIN_GIT_FOR_COMPOSE} or later on the server's PATH`));
          return;
        }
        resolve({ code: error ? (error.code as number) : 0, stdout, stderr });
      },
    );
  });
}

async function gitOk(gitDir: string, args: string[], git?: string): Promise<string> {
  const r = await runGit(gitDir, args, git);
  if (r.code !== 0) throw new ComposeError(`git ${args[0]} failed: ${r.stderr.trim().split("\n")[0] ?? `exit ${r.code}`}`);
  return r.stdout;
}

const nulList = (text: string): string[] => text.split("\0").filter((p) => p.length > 0);

export interface ComposeStep {
  /** Pull request number, for messages. */
  number: number;
  /** The approved head commit to merge. */
  head: string;
}

export interface ComposeResult {
  /** The tree of the composed result; null when a step conflicted. */
  tree: string | null;
  /** The step that did not merge cleanly, with the conflicting paths. */
  conflict: { number: number; paths: string[] } | null;
  /** Paths each step changes relative to where its head and the composition so far meet (its own change). */
  changedPaths: Map<number, string[]>;
}

/**
 * Merges each step's head into `base` in order. Each intermediate result is recorded as a scratch
 * commit with parents (previous, head), exactly like a merge-queue merge commit, so the next
 * merge finds the right merge base.
 */
export async function composeMerges(gitDir: string, base: string, steps: readonly ComposeStep[], git?: string): Promise<ComposeResult> {
  let current = base;
  let tree = (await gitOk(gitDir, ["rev-parse", "--verify", `${base}^{tree}`], git)).trim();
  const changedPaths = new Map<number, string[]>();
  for (const step of steps) {
    const mergeBase = (await gitOk(gitDir, ["merge-base", current, step.head], git)).trim().split("\n")[0];
    if (!mergeBase) throw new ComposeError(`pull request #${step.number}'s head ${step.head} shares no history with the queue's base`);
    changedPaths.set(step.number, nulList(await gitOk(gitDir, ["diff-tree", "-r", "--name-only", "--no-renames", "-z", mergeBase, step.head], git)));
    const merged = await runGit(gitDir, ["merge-tree", "--write-tree", "--name-only", "-z", current, step.head], git);
    if (merged.code === 1) {
      // Output: tree NUL, conflicted paths NUL-separated, then an empty entry and messages.
      const [, ...rest] = merged.stdout.split("\0");
      const end = rest.indexOf("");
      const paths = [...new Set(end === -1 ? rest : rest.slice(0, end))];
      return { tree: null, conflict: { number: step.number, paths }, changedPaths };
    }
    if (merged.code !== 0) throw new ComposeError(`git merge-tree failed for pull request #${step.number}: ${merged.stderr.trim().split("\n")[0] ?? `exit ${merged.code}`}`);
    tree = merged.stdout.split("\0")[0]!.trim();
    current = (await gitOk(gitDir, ["commit-tree", tree, "-p", current, "-p", step.head, "-m", `vouch: compose #${step.number}`], git)).trim();
  }
  return { tree, conflict: null, changedPaths };
}

/** The tree of a commit. */
export async function treeOf(gitDir: string, commit: string, git?: string): Promise<string> {
  return (await gitOk(gitDir, ["rev-parse", "--verify", `${commit}^{tree}`], git)).trim();
}

/** Paths whose content or mode differ between two trees. */
export async function differingPaths(gitDir: string, a: string, b: string, git?: string): Promise<string[]> {
  return nulList(await gitOk(gitDir, ["diff-tree", "-r", "--name-only", "--no-renames", "-z", a, b], git));
}

/** The first-parent chain base..head, oldest first: each commit with its parents and subject line. */
export async function firstParentChain(gitDir: string, base: string, head: string, git?: string): Promise<{ oid: string; parents: string[]; subject: string }[]> {
  const out = await gitOk(gitDir, ["log", "--first-parent", "--reverse", "-z", "--format=%H %P%x01%s", `${base}..${head}`, "--"], git);
  return nulList(out).map((entry) => {
    const [ids = "", subject = ""] = entry.split("\x01");
    const [oid = "", ...parents] = ids.trim().split(" ");
    return { oid, parents, subject };
  });
}
