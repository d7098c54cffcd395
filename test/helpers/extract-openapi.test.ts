import { describe, test, expect } from "@jest/globals";
import { readFileSync } from "node:fs";
import { OPERATIONS, extractSubset } from "../../scripts/extract-openapi.js";

const subset = JSON.parse(readFileSync(new URL("../fixtures/openapi-subset.json", import.meta.url), "utf8"));

function refsIn(value: unknown, into: string[] = []): string[] {
  if (Array.isArray(value)) value.forEach((v) => refsIn(v, into));
  else if (value && typeof value === "object") {
    for (const [k, v] of Object.entries(value)) {
      if (k === "$ref" && typeof v === "string") into.push(v);
      else refsIn(v, into);
    }
  }
  return into;
}

function resolve(doc: unknown, ref: string): unknown {
  return ref
    .slice(2)
    .split("/")
    .reduce<unknown>((node, part) => (node && typeof node === "object" ? (node as Record<string, unknown>)[part] : undefined), doc);
}

describe("openapi subset fixture", () => {
  test("holds every listed operation", () => {
    for (const entry of OPERATIONS) {
      const [method, path] = entry.split(" ") as [string, string];
      expect(subset.paths[path]?.[method.toLowerCase()]).toBeDefined();
    }
  });

  test("is self-contained: every $ref resolves inside it", () => {
    const refs = refsIn(subset);
    expect(refs.length).toBeGreaterThan(50);
    const dangling = refs.filter((ref) => resolve(subset, ref) === undefined);
    expect(dangling).toEqual([]);
  });

  test("extractSubset rejects an operation GitHub does not describe and dangling refs", () => {
    const doc = { openapi: "3.0.3", paths: { "/a": { get: { responses: { "200": { $ref: "#/components/responses/x" } } } } }, components: {} };
    expect(() => extractSubset(doc, ["GET /b"])).toThrow(/not in GitHub's description/);
    expect(() => extractSubset(doc, ["GET /a"])).toThrow(/dangling \$ref/);
  });
});
