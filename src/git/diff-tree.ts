/**
 * Raw tree parsing and a recursive tree-to-tree comparison over any ObjectSource. A tree entry is
 * `<octal mode> SP <name> NUL <binary id>`, the id being as long as the tree's own hash (20 or 32 bytes).
 */
import { ObjectReadError, type ObjectSource } from "./objects.js";
import { MalformedObjectError } from "./headers.js";

export interface TreeEntry {
  mode: string;
  name: string;
  id: string;
}

export function parseTree(body: Buffer, idBytes: 20 | 32): TreeEntry[] {
  const entries: TreeEntry[] = [];
  let pos = 0;
  while (pos < body.length) {
    const sp = body.indexOf(0x20, pos);
    const nul = body.indexOf(0x00, sp + 1);
    if (sp < 0 || nul < 0 || nul + 1 + idBytes > body.length) throw new MalformedObjectError("truncated tree entry");
    const mode = body.subarray(pos, sp).toString("latin1");
    if (!/^[0-7]{5,6}$/.test(mode)) throw new MalformedObjectError("bad tree entry mode");
    entries.push({ mode, name: body.subarray(sp + 1, nul).toString("utf8"), id: body.subarray(nul + 1, nul + 1 + idBytes).toString("hex") });
    pos = nul + 1 + idBytes;
  }
  return entries;
}

export const isTreeMode = (mode: string): boolean => mode === "40000" || mode === "040000";
/** Submodule pointers: a commit in another repository, no blob here. */
export const isGitlinkMode = (mode: string): boolean => mode === "160000";

export interface BlobChange {
  path: string;
  status: "added" | "modified" | "removed";
  /** The blob before (modified/removed) and after (added/modified). */
  oldId?: string;
  newId?: string;
}

async function readTree(source: ObjectSource, id: string): Promise<TreeEntry[]> {
  const raw = await source.read(id);
  if (raw.type !== "tree") throw new ObjectReadError(`object ${id} is a ${raw.type}, expected a tree`, "io");
  return parseTree(raw.body, id.length === 40 ? 20 : 32);
}

/**
 * Blob-level differences between two trees (undefined = the empty tree), in path order. Subtrees with
 * equal ids are skipped without reading; a path that turns from file into directory (or back) is a
 * removal plus additions. Gitlinks are not files and are left out.
 */
export async function diffTrees(source: ObjectSource, oldTree: string | undefined, newTree: string | undefined, prefix = ""): Promise<BlobChange[]> {
  if (oldTree === newTree) return [];
  const [before, after] = await Promise.all([oldTree ? readTree(source, oldTree) : [], newTree ? readTree(source, newTree) : []]);
  const oldByName = new Map(before.map((e) => [e.name, e]));
  const newByName = new Map(after.map((e) => [e.name, e]));
  const names = [...new Set([...oldByName.keys(), ...newByName.keys()])].sort();
  const out: BlobChange[] = [];
  for (const name of names) {
    const o = oldByName.get(name);
    const n = newByName.get(name);
    if (o && n && o.id === n.id && o.mode === n.mode) continue;
    const path = prefix + name;
    const oTree = o && isTreeMode(o.mode) ? o.id : undefined;
    const nTree = n && isTreeMode(n.mode) ? n.id : undefined;
    const oBlob = o && !oTree && !isGitlinkMode(o.mode) ? o.id : undefined;
    const nBlob = n && !nTree && !isGitlinkMode(n.mode) ? n.id : undefined;
    if (oTree || nTree) out.push(...(await diffTrees(source, oTree, nTree, `${path}/`)));
    if (oBlob && nBlob) out.push({ path, status: "modified", oldId: oBlob, newId: nBlob });
    else if (oBlob) out.push({ path, status: "removed", oldId: oBlob });
    else if (nBlob) out.push({ path, status: "added", newId: nBlob });
  }
  return out;
}
