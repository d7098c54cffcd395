import { createRequire } from "node:module";
import { describe, expect, test } from "@jest/globals";
import { nestsDeeperThan } from "../../src/ingress/json-depth.js";
import { MAX_PAYLOAD_DEPTH } from "../../src/ingress/webhook.js";

const require = createRequire(import.meta.url);
const examples = require("@octokit/webhooks-examples") as Array<{ name: string; examples: unknown[] }>;

describe("nestsDeeperThan", () => {
  test("counts objects and arrays as levels, scalars not", () => {
    expect(nestsDeeperThan({}, 1)).toBe(false);
    expect(nestsDeeperThan({}, 0)).toBe(true);
    expect(nestsDeeperThan({ a: [{ b: 1 }] }, 3)).toBe(false);
    expect(nestsDeeperThan({ a: [{ b: 1 }] }, 2)).toBe(true);
    expect(nestsDeeperThan({ a: "x".repeat(1000), b: null, c: 1 }, 1)).toBe(false);
  });

  test("a value nested 100,000 deep is measured without overflowing the stack", () => {
    const deep = JSON.parse('{"a":'.repeat(100_000) + "1" + "}".repeat(100_000)) as unknown;
    expect(nestsDeeperThan(deep, MAX_PAYLOAD_DEPTH)).toBe(true);
  });

  test("every one of GitHub's example payloads is within the ingress's limit", () => {
    const all = examples.flatMap((group) => group.examples);
    expect(all.length).toBeGreaterThan(100);
    expect(all.filter((payload) => nestsDeeperThan(payload, MAX_PAYLOAD_DEPTH))).toEqual([]);
  });
});
