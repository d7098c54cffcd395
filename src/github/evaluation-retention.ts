/**
 * Saved evaluations are for replaying a verdict (support, users); the ledger is the record. Left
 * alone they grow without bound and fill the data volume, so evaluations older than the retention
 * (VOUCH_EVALUATIONS_RETENTION_DAYS) are removed once a day by the roles that write them.
 */
import { readdir, rm, rmdir, stat } from "node:fs/promises";
import { join } from "node:path";
import type { Logger } from "pino";
import { summariseError } from "../queue/error-summary.js";

/** Scratch directories of writes that died mid-way are removed after this long. */
const PARTIAL_GRACE_MS = 60 * 60 * 1000;
const DAY_MS = 24 * 60 * 60 * 1000;

export interface PruneResult {
  removed: number;
  kept: number;
}

/**
 * Removes `<root>/<owner>/<repo>/<head>/<delivery>` directories last written before `before`, then
 * the directories they leave empty. Anything that is not an evaluation directory is left alone.
 */
export async function pruneEvaluations(root: string, before: Date, now: Date = new Date()): Promise<PruneResult> {
  const result: PruneResult = { removed: 0, kept: 0 };
  for (const owner of await subdirectories(root)) {
    if (owner === ".partial") {
      await pruneOlder(join(root, owner), new Date(now.getTime() - PARTIAL_GRACE_MS));
      continue;
    }
    for (const repo of await subdirectories(join(root, owner))) {
      for (const head of await subdirectories(join(root, owner, repo))) {
        const headDir = join(root, owner, repo, head);
        const { removed, kept } = await pruneOlder(headDir, before);
        result.removed += removed;
        result.kept += kept;
        await removeIfEmpty(headDir);
      }
      await removeIfEmpty(join(root, owner, repo));
    }
    await removeIfEmpty(join(root, owner));
  }
  return result;
}

async function pruneOlder(dir: string, before: Date): Promise<PruneResult> {
  const result: PruneResult = { removed: 0, kept: 0 };
  for (const name of await subdirectories(dir)) {
    const path = join(dir, name);
    const written = await stat(path).then((s) => s.mtime, () => null);
    if (written === null) continue; // removed meanwhile
    if (written < before) {
      await rm(path, { recursive: true, force: true });
      result.removed++;
    } else {
      result.kept++;
    }
  }
  return result;
}

async function subdirectories(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true }).catch((error: NodeJS.ErrnoException) => {
    if (error.code === "ENOENT") return [];
    throw error;
  });
  return entries.filter((e) => e.isDirectory()).map((e) => e.name);
}

async function removeIfEmpty(dir: string): Promise<void> {
  // rmdir refuses a directory that is not empty (or that a concurrent save just filled): that is the point.
  await rmdir(dir).catch(() => undefined);
}

export interface RetentionSchedule {
  stop(): Promise<void>;
}

/**
 * Prunes at start and then daily; `retentionDays` 0 keeps everything. A failed prune is logged
 * and retried at the next tick; it never stops the server.
 */
export function scheduleEvaluationPruning(
  root: string,
  retentionDays: number,
  log: Pick<Logger, "info" | "warn">,
  now: () => Date = () => new Date(),
): RetentionSchedule {
  if (retentionDays === 0) return { stop: async () => undefined };
  let current: Promise<void> | undefined;
  const run = (): void => {
    if (current) return;
    const at = now();
    current = pruneEvaluations(root, new Date(at.getTime() - retentionDays * DAY_MS), at)
      .then(
        ({ removed, kept }) => {
          if (removed > 0) log.info({ removed, kept, retentionDays }, "saved evaluations pruned");
        },
        (error: unknown) => log.warn({ error: summariseError(error) }, "pruning saved evaluations failed"),
      )
      .finally(() => {
        current = undefined;
      });
  };
  run();
  const timer = setInterval(run, DAY_MS);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await current;
    },
  };
}
