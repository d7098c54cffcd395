/**
 * Reads a policy file as YAML while keeping the node tree, so every later error
 * (schema, semantics, baseline merge) can point at the line and column it is about.
 */
import { LineCounter, type Document, isMap, isPair, isScalar, isSeq, parseDocument, type Node } from "yaml";
import type { PolicyError } from "../evidence/types.js";

/** Larger files are refused before parsing: a policy is a few KiB, and parsing cost grows with size. */
export const MAX_POLICY_BYTES = 256 * 1024;
/** Anchors and aliases are allowed for small reuse; many aliases is how "billion laughs" files grow. */
export const MAX_ALIAS_COUNT = 50;

export type FieldPath = ReadonlyArray<string | number>;

export interface Position {
  line: number;
  column: number;
}

/** Finds where a field is written. `key: true` points at the key of a mapping entry instead of its value. */
export type Locator = (field: FieldPath, options?: { key?: boolean }) => Position;

export type YamlRead =
  | { ok: true; input: unknown; locate: Locator }
  | { ok: false; errors: PolicyError[] };

export function dotted(field: FieldPath): string {
  return field.map(String).join(".");
}

export function readYaml(text: string, path: string): YamlRead {
  const fail = (message: string, line = 1, column = 1): YamlRead => ({
    ok: false,
    errors: [{ path, line, column, message, field: "" }],
  });
  const bytes = Buffer.byteLength(text, "utf8");
  if (bytes > MAX_POLICY_BYTES) {
    return fail(`the policy file is ${bytes} bytes; the limit is ${MAX_POLICY_BYTES} bytes (256 KiB)`);
  }
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: false, merge: false });
  const at = (offset: number | undefined): Position => {
    const p = lineCounter.linePos(offset ?? 0);
    return { line: p.line, column: p.col };
  };
  // Warnings count too: an unresolved tag or a bad directive means the file does not say what it seems to.
  const problems = [...doc.errors, ...doc.warnings];
  if (problems.length > 0) {
    return {
      ok: false,
      errors: problems.map((e) => {
        const pos = at(e.pos[0]);
        const message =
          e.code === "MULTIPLE_DOCS"
            ? "the policy file must hold exactly one YAML document; remove the `---` separator and what follows"
            : e.code === "DUPLICATE_KEY"
              ? "duplicate key: each key may appear only once in a mapping"
              : e.message;
        return { path, ...pos, message, field: "" };
      }),
    };
  }
  if (doc.contents === null || (isScalar(doc.contents) && doc.contents.value === null)) {
    return fail("the policy file is empty; it must at least say `version: 1`");
  }
  if (!isMap(doc.contents)) {
    const pos = at(doc.contents.range?.[0]);
    return fail("the policy file must be a YAML mapping (key: value pairs) at the top level", pos.line, pos.column);
  }
  let input: unknown;
  try {
    input = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return fail(
      /alias count/i.test(message)
        ? `too many alias expansions (limit ${MAX_ALIAS_COUNT}); the file looks like an alias bomb`
        : `the policy file cannot be read: ${message}`,
    );
  }
  return { ok: true, input, locate: locator(doc, at) };
}

function locator(doc: Document, at: (offset: number | undefined) => Position): Locator {
  return (field, options) => {
    let node: unknown = doc.contents;
    let keyNode: unknown = null;
    for (const segment of field) {
      let next: unknown = undefined;
      keyNode = null;
      if (isMap(node)) {
        const pair = node.items.find((p) => isPair(p) && keyText(p.key) === String(segment));
        if (pair) {
          keyNode = pair.key;
          // `key:` with nothing after it has no value node: point at the key.
          next = pair.value ?? pair.key;
        }
      } else if (isSeq(node) && typeof segment === "number") {
        next = node.items[segment];
      }
      // A missing field is reported at the mapping or list that should contain it.
      if (next === undefined || next === null) break;
      node = next;
    }
    const target = options?.key && keyNode ? keyNode : node;
    return at((target as Node | null)?.range?.[0]);
  };
}

function keyText(key: unknown): string | null {
  if (isScalar(key)) return String(key.value);
  return null;
}
