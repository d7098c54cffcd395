// Reads the stand-in's bare repositories with real git, so API answers agree with the objects
// Vouch fetches over smart HTTP.
//
// Answers about full object ids never change (objects are content-addressed), so those are
// memoized: each costs a git process, and a GitHub stand-in that spends more CPU per check
// than Vouch does makes a load test measure the stand-in. Answers that name refs, or that say
// an object is missing (it may be pushed later), are always asked afresh.
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { gitEnv } from "../helpers/git.js";

const execFileAsync = promisify(execFile);

const FULL_SHA = /^[0-9a-f]{40}$/;
const MEMO_LIMIT = 20_000;
const memo = new Map<string, Promise<unknown>>();

/**
 * `compute()` once per key while its answer is kept; a copy of the answer each time, so callers
 * may change what they get. `undefined` answers and failures are not kept.
 */
function memoized<T>(key: string, compute: () => Promise<T>): Promise<T> {
  let cached = memo.get(key) as Promise<T> | undefined;
  if (!cached) {
    if (memo.size >= MEMO_LIMIT) memo.delete(memo.keys().next().value as string);
    const promise = compute();
    cached = promise;
    memo.set(key, promise);
    promise.then(
      (value) => {
        if (value === undefined) memo.delete(key);
      },
      () => memo.delete(key),
    );
  }
  return cached.then((value) => copyOf(value));
}

/** A caller's own copy of a kept answer (bytes stay a Buffer). */
function copyOf<T>(value: T): T {
  if (value === null || typeof value !== "object") return value;
  return (Buffer.isBuffer(value) ? Buffer.from(value) : structuredClone(value)) as T;
}

/** Memoized when every id is a full object id; asked afresh otherwise. */
function byIds<T>(gitDir: string, what: string, ids: readonly string[], compute: () => Promise<T>): Promise<T> {
  return ids.every((id) => FULL_SHA.test(id)) ? memoized(`${what}\0${gitDir}\0${ids.join("\0")}`, compute) : compute();
}

/** Forgets every memoized answer (tests that rewrite a repository's objects in place). */
export function forgetGitAnswers(): void {
  memo.clear();
}

async function run(gitDir: string, args: string[], encoding: "utf8" | "buffer" = "utf8"): Promise<string | Buffer> {
  const { stdout } = await execFileAsync("git", ["--git-dir", gitDir, ...args], {
    env: gitEnv(),
    maxBuffer: 512 * 1024 * 1024,
    encoding: encoding === "buffer" ? "buffer" : "utf8",
  });
  return stdout;
}

async function text(gitDir: string, args: string[]): Promise<string> {
  return (await run(gitDir, args)) as string;
}

/** The commit id `rev` names, or undefined when it names nothing. */
export function resolveCommit(gitDir: string, rev: string): Promise<string | undefined> {
  if (rev.startsWith("-")) return Promise.resolve(undefined);
  return byIds(gitDir, "resolve", [rev], async () => {
    try {
      return (await text(gitDir, ["rev-parse", "--verify", "--quiet", `${rev}^{commit}`])).trim() || undefined;
    } catch {
      return undefined;
    }
  });
}

export function mergeBase(gitDir: string, a: string, b: string): Promise<string | undefined> {
  return byIds(gitDir, "merge-base", [a, b], async () => {
    try {
      return (await text(gitDir, ["merge-base", a, b])).trim() || undefined;
    } catch {
      return undefined;
    }
  });
}

export interface TreeEntry {
  mode: string;
  type: "blob" | "tree" | "commit";
  sha: string;
  size: number;
  path: string;
}

/** The entry at `path` in `commit`, or undefined when absent. */
export function lookupPath(gitDir: string, commit: string, path: string): Promise<TreeEntry | undefined> {
  const clean = path.replace(/^\/+|\/+$/g, "");
  return byIds(gitDir, `path\0${clean}`, [commit], async () => {
    if (clean === "") return { mode: "040000", type: "tree" as const, sha: await text(gitDir, ["rev-parse", `${commit}^{tree}`]).then((s) => s.trim()), size: 0, path: "" };
    const out = await text(gitDir, ["ls-tree", "-l", "-z", "--full-tree", commit, "--", clean]);
    return parseTree(out).find((e) => e.path === clean);
  });
}

export function listTree(gitDir: string, commit: string, path: string): Promise<TreeEntry[]> {
  const clean = path.replace(/^\/+|\/+$/g, "");
  return byIds(gitDir, `tree\0${clean}`, [commit], async () => {
    const spec = clean === "" ? commit : `${commit}:${clean}`;
    const out = await text(gitDir, ["ls-tree", "-l", "-z", spec]);
    return parseTree(out).map((e) => ({ ...e, path: clean === "" ? e.path : `${clean}/${e.path}` }));
  });
}

function parseTree(out: string): TreeEntry[] {
  return out
    .split("\0")
    .filter(Boolean)
    .map((line) => {
      const tab = line.indexOf("\t");
      const [mode, type, sha, size] = line.slice(0, tab).split(/\s+/);
      return { mode: mode ?? "", type: type as TreeEntry["type"], sha: sha ?? "", size: Number(size) || 0, path: line.slice(tab + 1) };
    });
}

export function readBlob(gitDir: string, sha: string): Promise<Buffer> {
  return byIds(gitDir, "blob", [sha], async () => (await run(gitDir, ["cat-file", "blob", sha], "buffer")) as Buffer);
}

export interface CommitInfo {
  sha: string;
  tree: string;
  parents: string[];
  author: { name: string; email: string; date: string };
  committer: { name: string; email: string; date: string };
  message: string;
}

const FIELD = "%x1f";
const RECORD = "%x1e";

/** Commits reachable from `head` but not from `base`, oldest first, as GitHub lists them. */
export function commitsBetween(gitDir: string, base: string | undefined, head: string): Promise<CommitInfo[]> {
  return byIds(gitDir, `commits\0${base === undefined ? "-" : "+"}`, base ? [base, head] : [head], () =>
    logCommits(gitDir, ["--reverse", "--topo-order", ...(base ? [`${base}..${head}`] : [head])]),
  );
}

export function commitInfo(gitDir: string, sha: string): Promise<CommitInfo | undefined> {
  return byIds(gitDir, "commit", [sha], async () => (await logCommits(gitDir, ["-1", sha]))[0]);
}

async function logCommits(gitDir: string, args: string[]): Promise<CommitInfo[]> {
  const format = ["%H", "%T", "%P", "%an", "%ae", "%aI", "%cn", "%ce", "%cI", "%B"].join(FIELD) + RECORD;
  const out = await text(gitDir, ["log", `--format=${format}`, ...args, "--"]);
  return out
    .split("\x1e")
    .map((r) => r.replace(/^\n/, ""))
    .filter(Boolean)
    .map((record) => {
      const [sha, tree, parents, an, ae, ad, cn, ce, cd, message] = record.split("\x1f");
      return {
        sha: sha ?? "",
        tree: tree ?? "",
        parents: (parents ?? "").split(" ").filter(Boolean),
        author: { name: an ?? "", email: ae ?? "", date: toUtc(ad ?? "") },
        committer: { name: cn ?? "", email: ce ?? "", date: toUtc(cd ?? "") },
        message: message ?? "",
      };
    });
}

function toUtc(iso: string): string {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toISOString().replace(/\.\d{3}Z$/, "Z");
}

export interface FileChange {
  filename: string;
  previous_filename?: string;
  status: "added" | "removed" | "modified" | "renamed" | "copied" | "changed" | "unchanged";
  sha: string;
  additions: number;
  deletions: number;
  changes: number;
  patch?: string;
}

const STATUS: Record<string, FileChange["status"]> = { A: "added", D: "removed", M: "modified", R: "renamed", C: "copied", T: "changed" };

/**
 * The files changed from `from` to `to` with rename detection, in git's order. Memoized between
 * commit ids: paging through 3,000 files costs one diff.
 */
export function diffFiles(gitDir: string, from: string, to: string): Promise<FileChange[]> {
  return byIds(gitDir, "diff", [from, to], () => computeDiff(gitDir, from, to));
}

async function computeDiff(gitDir: string, from: string, to: string): Promise<FileChange[]> {
  const raw = await text(gitDir, ["diff", "--raw", "-z", "-M", "--no-abbrev", from, to, "--"]);
  const numstat = await text(gitDir, ["diff", "--numstat", "-z", "-M", from, to, "--"]);
  const patches = splitPatch(await text(gitDir, ["diff", "-M", "--no-color", "--no-ext-diff", from, to, "--"]));
  const changes: FileChange[] = [];
  const rawParts = raw.split("\0");
  for (let i = 0; i < rawParts.length - 1; ) {
    const meta = rawParts[i++] ?? "";
    if (!meta.startsWith(":")) continue;
    const [, , , dst, statusField] = meta.slice(1).split(" ");
    const code = (statusField ?? "M")[0] ?? "M";
    const status = STATUS[code] ?? "modified";
    let filename = rawParts[i++] ?? "";
    let previous: string | undefined;
    if (code === "R" || code === "C") {
      previous = filename;
      filename = rawParts[i++] ?? "";
    }
    const sha = status === "removed" ? "0".repeat(40) : (dst ?? "");
    changes.push({ filename, ...(previous !== undefined ? { previous_filename: previous } : {}), status, sha, additions: 0, deletions: 0, changes: 0 });
  }
  const numParts = numstat.split("\0");
  let n = 0;
  for (let i = 0; i < numParts.length - 1 && n < changes.length; n++) {
    const head = numParts[i++] ?? "";
    const [add, del, path] = head.split("\t");
    if (path === "") i += 2; // rename: old and new names follow
    const change = changes[n] as FileChange;
    change.additions = Number(add) || 0;
    change.deletions = Number(del) || 0;
    change.changes = change.additions + change.deletions;
  }
  changes.forEach((change, index) => {
    const patch = patches[index];
    if (patch !== undefined && patch !== "") change.patch = patch;
  });
  return changes;
}

/** Splits `git diff` output into per-file hunks (GitHub's `patch` starts at the first `@@`). */
function splitPatch(diff: string): string[] {
  if (diff === "") return [];
  return diff
    .split(/^diff --git .*$/m)
    .slice(1)
    .map((section) => {
      const at = section.indexOf("\n@@");
      return at === -1 ? "" : section.slice(at + 1).replace(/\n$/, "");
    });
}

/** Whether `commit` is reachable from `head` but not from `base`. */
export async function isInRange(gitDir: string, commit: string, base: string, head: string): Promise<boolean> {
  const out = await text(gitDir, ["rev-list", `${base}..${head}`]);
  return out.split("\n").includes(commit);
}

/** Whether `ancestor` is reachable from `descendant` (false when either is unknown). */
export async function isAncestor(gitDir: string, ancestor: string, descendant: string): Promise<boolean> {
  try {
    await text(gitDir, ["merge-base", "--is-ancestor", ancestor, descendant]);
    return true;
  } catch {
    return false;
  }
}
