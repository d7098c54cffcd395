/**
 * What new commits there are and which lines each one adds, over any ObjectSource (a local clone's
 * `git cat-file`, or objects fetched over HTTP), so the app and the CLI scan exactly the same lines.
 */
import { parseHeaders } from "./headers.js";
import { ObjectReadError, type ObjectSource } from "./objects.js";
import { diffTrees, type BlobChange } from "./diff-tree.js";
import { addedLines, type AddedLine } from "./diff-lines.js";

export interface CommitInfo {
  id: string;
  tree: string;
  parents: string[];
  /** Committer time in seconds since the epoch (0 when unreadable); orders the walk like git's. */
  time: number;
}

export async function readCommit(source: ObjectSource, id: string): Promise<CommitInfo> {
  const raw = await source.read(id);
  if (raw.type !== "commit") throw new ObjectReadError(`object ${id} is a ${raw.type}, expected a commit`, "io");
  const { fields } = parseHeaders(raw.body);
  const text = (name: string): string[] => fields.filter((f) => f.name === name).map((f) => f.value.toString("latin1").trim());
  const tree = text("tree")[0];
  if (!tree) throw new ObjectReadError(`commit ${id} has no tree`, "io");
  const committer = /> (\d+) [+-]\d{4}$/.exec(text("committer")[0] ?? "");
  return { id, tree, parents: text("parent"), time: committer ? Number(committer[1]) : 0 };
}

export class CommitLimitError extends Error {
  constructor(readonly limit: number) {
    super(`more than ${limit} new commits`);
    this.name = "CommitLimitError";
  }
}

export interface NewCommitsOptions {
  head: string;
  /** Commits whose history is not new: the base, the push's `before`, or the default branch. */
  exclude: readonly string[];
  /** More new commits than this throws CommitLimitError (never a silent cut). */
  limit: number;
  /**
   * An `exclude` the source lacks (a force-pushed-away `before` GitHub no longer serves) throws
   * ObjectReadError("missing") by default, so the caller can choose another base; "ignore" drops it.
   */
  missingExclude?: "error" | "ignore";
}

interface Node {
  info: CommitInfo;
  uninteresting: boolean;
  queued: boolean;
  processed: boolean;
}

/** Max-heap on committer time; ties keep insertion order so results are deterministic. */
class TimeQueue {
  private readonly items: { node: Node; seq: number }[] = [];
  private seq = 0;
  get size(): number {
    return this.items.length;
  }
  private before(a: { node: Node; seq: number }, b: { node: Node; seq: number }): boolean {
    return a.node.info.time !== b.node.info.time ? a.node.info.time > b.node.info.time : a.seq < b.seq;
  }
  push(node: Node): void {
    const items = this.items;
    items.push({ node, seq: this.seq++ });
    let i = items.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.before(items[i]!, items[p]!)) break;
      [items[i], items[p]] = [items[p]!, items[i]!];
      i = p;
    }
  }
  pop(): Node | undefined {
    const items = this.items;
    const top = items[0];
    const last = items.pop();
    if (items.length > 0 && last) {
      items[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < items.length && this.before(items[l]!, items[m]!)) m = l;
        if (r < items.length && this.before(items[r]!, items[m]!)) m = r;
        if (m === i) break;
        [items[i], items[m]] = [items[m]!, items[i]!];
        i = m;
      }
    }
    return top?.node;
  }
}

/** Walks past the point where only excluded commits remain queued, as git does, to absorb clock skew. */
const SLOP = 5;

/**
 * Commits reachable from `head` and not from any `exclude`, parents before children (oldest first).
 * Walks newest-first by committer date from both sides at once, as `git rev-list head ^exclude`
 * does, so only the new commits and a fringe of old ones are read, not the whole history.
 * Fails with ObjectReadError("missing") when a new commit's parent is absent (a shallow fetch too
 * shallow), since the result would otherwise be silently short.
 */
export async function newCommits(source: ObjectSource, options: NewCommitsOptions): Promise<string[]> {
  const nodes = new Map<string, Node>();
  const queue = new TimeQueue();
  let interestingQueued = 0;
  let interestingProcessed = 0;

  const markUninteresting = async (start: Node): Promise<void> => {
    const stack = [start];
    while (stack.length > 0) {
      const node = stack.pop()!;
      if (node.uninteresting) continue;
      node.uninteresting = true;
      if (node.queued) interestingQueued -= 1;
      if (node.processed) {
        interestingProcessed -= 1;
        for (const p of node.info.parents) {
          const known = nodes.get(p);
          if (known) stack.push(known);
          else await add(p, true);
        }
      }
    }
  };

  async function add(id: string, uninteresting: boolean): Promise<void> {
    const known = nodes.get(id);
    if (known) {
      if (uninteresting) await markUninteresting(known);
      return;
    }
    let info: CommitInfo;
    try {
      info = await readCommit(source, id);
    } catch (e) {
      // Beyond a shallow boundary on the old side nothing is lost: those commits are not new anyway.
      if (uninteresting && e instanceof ObjectReadError && e.code === "missing") return;
      throw e;
    }
    const again = nodes.get(id); // another branch of the walk may have added it meanwhile
    if (again) {
      if (uninteresting) await markUninteresting(again);
      return;
    }
    const node: Node = { info, uninteresting, queued: true, processed: false };
    nodes.set(id, node);
    queue.push(node);
    if (!uninteresting) interestingQueued += 1;
  }

  // Excludes first: a head equal to an exclude must come out empty.
  for (const id of options.exclude) {
    if (options.missingExclude !== "ignore") await readCommit(source, id); // throws when absent
    await add(id, true);
  }
  await add(options.head, false);

  let slop = SLOP;
  while (queue.size > 0) {
    if (interestingQueued === 0) {
      if (--slop <= 0) break;
    } else {
      slop = SLOP;
    }
    const node = queue.pop()!;
    node.queued = false;
    node.processed = true;
    if (!node.uninteresting) {
      interestingQueued -= 1;
      interestingProcessed += 1;
      if (interestingProcessed > options.limit) throw new CommitLimitError(options.limit);
    }
    await Promise.all(node.info.parents.map((p) => add(p, node.uninteresting)));
  }

  const result = new Map<string, CommitInfo>();
  for (const node of nodes.values()) if (node.processed && !node.uninteresting) result.set(node.info.id, node.info);
  return topoOldestFirst(result);
}

/** Kahn's algorithm over the new commits; among ready commits the oldest (then lowest id) goes first. */
function topoOldestFirst(commits: Map<string, CommitInfo>): string[] {
  const pending = new Map<string, number>();
  const children = new Map<string, string[]>();
  for (const c of commits.values()) {
    const inside = c.parents.filter((p) => commits.has(p));
    pending.set(c.id, new Set(inside).size);
    for (const p of new Set(inside)) children.set(p, [...(children.get(p) ?? []), c.id]);
  }
  const order = (a: CommitInfo, b: CommitInfo): number => a.time - b.time || (a.id < b.id ? -1 : 1);
  let ready = [...commits.values()].filter((c) => pending.get(c.id) === 0).sort(order);
  const out: string[] = [];
  while (ready.length > 0) {
    const c = ready.shift()!;
    out.push(c.id);
    const freed: CommitInfo[] = [];
    for (const child of children.get(c.id) ?? []) {
      const left = pending.get(child)! - 1;
      pending.set(child, left);
      if (left === 0) freed.push(commits.get(child)!);
    }
    if (freed.length > 0) ready = [...ready, ...freed].sort(order);
  }
  return out;
}

export interface FileChange {
  path: string;
  /** Never set: renames are reported as a removal plus an addition. */
  previousPath?: string;
  status: "added" | "modified" | "removed";
  /** The new blob has a NUL byte in its first 8,000 bytes (git's own test); no lines are given. */
  binary: boolean;
  /** The new blob exceeds `maxBlobBytes` (or the source's own limit); no lines are given. Callers must report it. */
  tooLarge: boolean;
  /** Lines of the new blob not matched in the old one, numbered as in the new file. Empty for removals. */
  addedLines: AddedLine[];
}

export interface CommitChangesOptions {
  /** Blobs above this many bytes are reported `tooLarge` (default 4 MiB). */
  maxBlobBytes?: number;
  /** See addedLines(); past this edit length every line of the new blob counts as added. */
  maxEditLength?: number;
  /** Blobs read at once (default 8): enough to keep a pipe or the pack reader busy, few enough to bound memory. */
  concurrency?: number;
}

const BINARY_PROBE = 8000;

type Blob = { kind: "text"; text: string } | { kind: "binary" } | { kind: "too_large" };

async function readBlob(source: ObjectSource, id: string, maxBytes: number): Promise<Blob> {
  let body: Buffer;
  try {
    const raw = await source.read(id);
    if (raw.type !== "blob") throw new ObjectReadError(`object ${id} is a ${raw.type}, expected a blob`, "io");
    body = raw.body;
  } catch (e) {
    if (e instanceof ObjectReadError && e.code === "too_large") return { kind: "too_large" };
    throw e;
  }
  if (body.length > maxBytes) return { kind: "too_large" };
  if (body.subarray(0, BINARY_PROBE).includes(0)) return { kind: "binary" };
  return { kind: "text", text: body.toString("utf8") };
}

async function describe(source: ObjectSource, change: BlobChange, options: CommitChangesOptions): Promise<FileChange> {
  const base = { path: change.path, status: change.status, binary: false, tooLarge: false, addedLines: [] as AddedLine[] };
  if (change.status === "removed" || !change.newId) return base;
  const maxBytes = options.maxBlobBytes ?? 4 * 1024 * 1024;
  const after = await readBlob(source, change.newId, maxBytes);
  if (after.kind === "too_large") return { ...base, tooLarge: true };
  if (after.kind === "binary") return { ...base, binary: true };
  // An old side that cannot be compared (binary, too large) makes every new line count as added.
  const before = change.oldId ? await readBlob(source, change.oldId, maxBytes) : undefined;
  const oldText = before?.kind === "text" ? before.text : undefined;
  const lineOptions = options.maxEditLength !== undefined ? { maxEditLength: options.maxEditLength } : {};
  return { ...base, addedLines: addedLines(oldText, after.text, lineOptions) };
}

/**
 * Files a commit changes against its FIRST parent (a root commit against the empty tree; a merge
 * commit against its first parent, so a merge shows what it brings into the branch it was made on),
 * in path order, with the lines each file gains.
 */
export async function commitChanges(source: ObjectSource, commitId: string, options: CommitChangesOptions = {}): Promise<FileChange[]> {
  const commit = await readCommit(source, commitId);
  const parent = commit.parents[0];
  const parentTree = parent ? (await readCommit(source, parent)).tree : undefined;
  const changes = await diffTrees(source, parentTree, commit.tree);
  const out: FileChange[] = new Array<FileChange>(changes.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < changes.length) {
      const i = next++;
      out[i] = await describe(source, changes[i]!, options);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(options.concurrency ?? 8, changes.length)) }, worker));
  return out;
}
