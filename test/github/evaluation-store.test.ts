import { afterEach, beforeEach, describe, expect, test } from "@jest/globals";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { saveEvaluation } from "../../src/github/evaluation-store.js";
import type { Evidence, LoadedPolicy } from "../../src/evidence/types.js";
import type { Verdict } from "../../src/engine/evaluate.js";

let root: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), "vouch-evaluations-"));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

const HEAD = "a".repeat(40);
const evidence = { repository: { fullName: "acme/widget" } } as unknown as Evidence;
const verdict = (conclusion: string) => ({ headSha: HEAD, conclusion }) as unknown as Verdict;
const policy = { status: "missing" } as unknown as LoadedPolicy;

describe("saveEvaluation", () => {
  test("writes evidence, verdict and the policy text under owner/repo/head/delivery", async () => {
    const saved = await saveEvaluation(root, { evidence, verdict: verdict("success"), policy, policyText: "version: 1\n", deliveryId: "d-1" });
    expect(saved.dir).toBe(join(root, "acme", "widget", HEAD, "d-1"));
    expect(readdirSync(saved.dir).sort()).toEqual(["evidence.json", "policy.yml", "verdict.json"]);
    expect(readFileSync(saved.files.policy!, "utf8")).toBe("version: 1\n");
  });

  test("a retried delivery replaces its earlier files instead of mixing with them", async () => {
    await saveEvaluation(root, { evidence, verdict: verdict("failure"), policy, policyText: "version: 1\n", deliveryId: "d-1" });
    const again = await saveEvaluation(root, { evidence, verdict: verdict("success"), policy, policyText: null, deliveryId: "d-1" });
    expect(readdirSync(again.dir).sort()).toEqual(["evidence.json", "verdict.json"]);
    expect(JSON.parse(readFileSync(again.files.verdict, "utf8"))).toMatchObject({ conclusion: "success" });
    expect(readdirSync(join(root, "acme", "widget", HEAD))).toEqual(["d-1"]);
  });

  test("a write that fails leaves no half-written evaluation behind", async () => {
    const unserialisable = { ...evidence, extra: 1n } as unknown as Evidence;
    await expect(saveEvaluation(root, { evidence: unserialisable, verdict: verdict("success"), policy, policyText: null, deliveryId: "d-2" })).rejects.toThrow(/BigInt/);
    expect(readdirSync(join(root, "acme", "widget", HEAD))).toEqual([]);
    expect(readdirSync(join(root, ".partial"))).toEqual([]);
  });

  test("path parts from the payload cannot climb out of the root", async () => {
    for (const deliveryId of ["../../escape", "..", ".", ""]) {
      const saved = await saveEvaluation(root, { evidence, verdict: verdict("success"), policy, policyText: null, deliveryId });
      expect(saved.dir.startsWith(`${join(root, "acme", "widget", HEAD)}/`)).toBe(true);
    }
    const dotted = { repository: { fullName: "../.." } } as unknown as Evidence;
    const saved = await saveEvaluation(root, { evidence: dotted, verdict: verdict("success"), policy, policyText: null, deliveryId: "d-3" });
    expect(saved.dir.startsWith(`${root}/`)).toBe(true);
    expect(readdirSync(join(root, "acme", "widget", HEAD)).sort()).toEqual([".._.._escape", "_", "_.", "_.."]);
  });
});
