import { afterEach, beforeEach, describe, expect, test } from "@jest/globals";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pruneEvaluations, scheduleEvaluationPruning } from "../../src/github/evaluation-retention.js";

const DAY = 24 * 60 * 60 * 1000;
const NOW = new Date("2026-11-25T12:00:00Z");
let root: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), "vouch-retention-"));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

/** An evaluation directory written `ageDays` before NOW. */
function saved(path: string, ageDays: number): string {
  const dir = join(root, path);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "verdict.json"), "{}\n");
  const at = new Date(NOW.getTime() - ageDays * DAY);
  utimesSync(dir, at, at);
  return dir;
}

describe("pruneEvaluations", () => {
  test("removes evaluations older than the cutoff and the directories they leave empty, keeps the rest", async () => {
    const old = saved("acme/widget/aaa/d-old", 100);
    const recent = saved("acme/widget/bbb/d-new", 10);
    const lone = saved("globex/site/ccc/d-old", 91);
    const result = await pruneEvaluations(root, new Date(NOW.getTime() - 90 * DAY), NOW);
    expect(result).toEqual({ removed: 2, kept: 1 });
    expect(existsSync(old)).toBe(false);
    expect(existsSync(join(root, "acme/widget/aaa"))).toBe(false);
    expect(existsSync(recent)).toBe(true);
    expect(existsSync(lone)).toBe(false);
    expect(readdirSync(root)).toEqual(["acme"]);
  });

  test("clears scratch directories of writes that died, but not one being written now", async () => {
    const dead = saved(".partial/evaluation-dead", 1);
    const live = saved(".partial/evaluation-live", 0);
    await pruneEvaluations(root, new Date(NOW.getTime() - 90 * DAY), NOW);
    expect(existsSync(dead)).toBe(false);
    expect(existsSync(live)).toBe(true);
  });

  test("a missing root is nothing to prune, and files that are not evaluation directories stay", async () => {
    expect(await pruneEvaluations(join(root, "absent"), NOW, NOW)).toEqual({ removed: 0, kept: 0 });
    writeFileSync(join(root, "README"), "operator notes\n");
    saved("acme/widget/aaa/d-old", 100);
    await pruneEvaluations(root, new Date(NOW.getTime() - 90 * DAY), NOW);
    expect(readdirSync(root)).toEqual(["README"]);
  });
});

describe("scheduleEvaluationPruning", () => {
  const quiet = { info: () => undefined, warn: () => undefined };

  test("prunes once at start with the configured retention", async () => {
    const old = saved("acme/widget/aaa/d-old", 31);
    const kept = saved("acme/widget/aaa/d-new", 29);
    const schedule = scheduleEvaluationPruning(root, 30, quiet, () => NOW);
    await schedule.stop();
    expect(existsSync(old)).toBe(false);
    expect(existsSync(kept)).toBe(true);
  });

  test("retention 0 keeps everything", async () => {
    const old = saved("acme/widget/aaa/d-old", 10_000);
    await scheduleEvaluationPruning(root, 0, quiet, () => NOW).stop();
    expect(existsSync(old)).toBe(true);
  });

  test("a failing prune is logged, not thrown", async () => {
    const warnings: unknown[] = [];
    writeFileSync(join(root, "not-a-dir"), "x");
    await scheduleEvaluationPruning(join(root, "not-a-dir"), 30, { info: () => undefined, warn: (...a: unknown[]) => void warnings.push(a) }, () => NOW).stop();
    expect(JSON.stringify(warnings)).toContain("pruning saved evaluations failed");
  });
});
