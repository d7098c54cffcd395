// The pieces under commitChanges, on inputs a repository rarely produces: malformed trees, huge
// edits, line endings, and paths that switch between file and directory.
import { describe, expect, test } from "@jest/globals";
import { addedLines, splitLines } from "../../src/git/diff-lines.js";
import { diffTrees, parseTree } from "../../src/git/diff-tree.js";
import { MalformedObjectError } from "../../src/git/headers.js";
import { hashObject, ObjectReadError, type ObjectSource, type RawObject } from "../../src/git/objects.js";

function treeBody(entries: [string, string, string][]): Buffer {
  return Buffer.concat(entries.map(([mode, name, id]) => Buffer.concat([Buffer.from(`${mode} ${name}\0`), Buffer.from(id, "hex")])));
}

/** An in-memory source: objects keyed by their real SHA-1. */
class MemorySource implements ObjectSource {
  readonly objects = new Map<string, RawObject>();
  put(type: RawObject["type"], body: Buffer): string {
    const id = hashObject(type, body, "sha1");
    this.objects.set(id, { id, type, body });
    return id;
  }
  read(id: string): Promise<RawObject> {
    const o = this.objects.get(id);
    return o ? Promise.resolve(o) : Promise.reject(new ObjectReadError(`object ${id} not found`, "missing"));
  }
}

describe("addedLines", () => {
  test("a final newline does not make a line, and its absence does not change one", () => {
    expect(splitLines("")).toEqual([]);
    expect(splitLines("a\nb\n")).toEqual(["a", "b"]);
    expect(splitLines("a\nb")).toEqual(["a", "b"]);
    expect(addedLines("a\nb", "a\nb\n")).toEqual([]);
  });

  test("an empty line is a line; CRLF content keeps its carriage return so nothing is hidden", () => {
    expect(addedLines("a\n", "a\n\nb\n")).toEqual([
      { line: 2, text: "" },
      { line: 3, text: "b" },
    ]);
    expect(addedLines("a\r\n", "a\r\nkey=1\r\n")).toEqual([{ line: 2, text: "key=1\r" }]);
  });

  test("moved lines count as added where they land, duplicates are matched one for one", () => {
    expect(addedLines("x\ny\nz\n", "z\nx\ny\n")).toEqual([{ line: 1, text: "z" }]);
    expect(addedLines("dup\n", "dup\ndup\n")).toEqual([{ line: 2, text: "dup" }]);
  });

  test("past the edit budget every new line counts as added rather than any being missed", () => {
    const before = Array.from({ length: 300 }, (_, i) => `old ${i}`).join("\n");
    const after = Array.from({ length: 300 }, (_, i) => (i % 3 === 0 ? `old ${i}` : `new ${i}`)).join("\n");
    expect(addedLines(before, after, { maxEditLength: 10 })).toHaveLength(300);
    expect(addedLines(before, after)).toHaveLength(200); // within the default budget the kept third is matched
    const edited = before.replace("old 7", "SECRET");
    expect(addedLines(before, edited, { maxEditLength: 10 })).toEqual([{ line: 8, text: "SECRET" }]);
  });
});

describe("trees", () => {
  const blobA = "a".repeat(40);
  test("parses mode, name and binary id, and rejects truncated or garbled entries", () => {
    const body = treeBody([
      ["100644", "file.txt", blobA],
      ["40000", "dir", "b".repeat(40)],
    ]);
    expect(parseTree(body, 20)).toEqual([
      { mode: "100644", name: "file.txt", id: blobA },
      { mode: "40000", name: "dir", id: "b".repeat(40) },
    ]);
    expect(() => parseTree(body.subarray(0, body.length - 3), 20)).toThrow(MalformedObjectError);
    expect(() => parseTree(Buffer.from("100644 nonul"), 20)).toThrow(MalformedObjectError);
    expect(() => parseTree(Buffer.concat([Buffer.from("1x0644 f\0"), Buffer.alloc(20)]), 20)).toThrow(MalformedObjectError);
    expect(parseTree(treeBody([["100644", "f", "c".repeat(64)]]), 32)).toEqual([{ mode: "100644", name: "f", id: "c".repeat(64) }]);
  });

  test("a file that becomes a directory is a removal plus the directory's files; submodules are not files", async () => {
    const src = new MemorySource();
    const one = src.put("blob", Buffer.from("1\n"));
    const two = src.put("blob", Buffer.from("2\n"));
    const inner = src.put("tree", treeBody([["100644", "x.txt", two]]));
    const oldTree = src.put("tree", treeBody([["100644", "p", one], ["160000", "sub", "d".repeat(40)]]));
    const newTree = src.put("tree", treeBody([["40000", "p", inner], ["160000", "sub", "e".repeat(40)]]));
    expect(await diffTrees(src, oldTree, newTree)).toEqual([
      { path: "p/x.txt", status: "added", newId: two },
      { path: "p", status: "removed", oldId: one },
    ]);
    expect(await diffTrees(src, newTree, newTree)).toEqual([]);
  });

  test("a tree id that names a blob, or a missing subtree, fails instead of passing silently", async () => {
    const src = new MemorySource();
    const blob = src.put("blob", Buffer.from("x"));
    await expect(diffTrees(src, undefined, blob)).rejects.toThrow(/expected a tree/);
    const dangling = src.put("tree", treeBody([["40000", "gone", "f".repeat(40)]]));
    await expect(diffTrees(src, undefined, dangling)).rejects.toMatchObject({ code: "missing" });
  });
});
