/**
 * A CPU allotment per worker for the load bench, with the mechanism container platforms use for
 * `resources.limits.cpu`: a Linux cgroup with a CFS quota. Each worker (and the git processes it
 * starts) gets its own group, so one worker's capacity is fixed and a second worker adds the
 * same again, as it would on its own node. Without it, two workers on a two-core machine share
 * the cores with the stand-in, Redis, PostgreSQL and the ingress, and the ratio measures the
 * machine rather than Vouch (decision 0070).
 *
 * cgroup v2 (`cpu.max`) and v1 (`cpu.cfs_quota_us`) are both handled; creating groups needs
 * write access to the cgroup file system (root, or a delegated subtree).
 */
import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const PERIOD_US = 100_000;

export interface CpuGroup {
  /** Where the group lives, for the report. */
  path: string;
  /** Moves a running process (and the children it starts later) into the group. */
  add(pid: number): void;
  /** How often the quota stopped the group, and for how long (seconds), so far. */
  throttled(): { periods: number; seconds: number } | undefined;
  /** Removes the group once its processes have exited; never throws. */
  remove(): void;
}

interface Layout {
  dir: string;
  version: 1 | 2;
}

/** Where a CPU-limited group can be created on this machine, or why not. */
export function cpuGroupLayout(root = "/sys/fs/cgroup"): Layout | string {
  const v2 = join(root, "cgroup.controllers");
  if (existsSync(v2) && readFileSync(v2, "utf8").split(/\s+/).includes("cpu")) return { dir: root, version: 2 };
  const v1 = join(root, "cpu");
  if (existsSync(join(v1, "cpu.cfs_quota_us"))) return { dir: v1, version: 1 };
  return `no cgroup cpu controller under ${root}`;
}

/**
 * A new group allowed `cpus` CPUs (0.3 = 30 ms of every 100 ms). Throws with the reason when
 * the machine does not allow it.
 */
export function createCpuGroup(name: string, cpus: number, root?: string): CpuGroup {
  if (!(cpus > 0)) throw new Error(`a CPU limit must be positive, not ${cpus}`);
  const layout = cpuGroupLayout(root);
  if (typeof layout === "string") throw new Error(layout);
  const path = join(layout.dir, name);
  const quota = Math.max(1000, Math.round(cpus * PERIOD_US));
  if (layout.version === 2) {
    const control = join(layout.dir, "cgroup.subtree_control");
    if (!readFileSync(control, "utf8").split(/\s+/).includes("cpu")) writeFileSync(control, "+cpu");
    mkdirSync(path);
    writeFileSync(join(path, "cpu.max"), `${quota} ${PERIOD_US}`);
  } else {
    mkdirSync(path);
    writeFileSync(join(path, "cpu.cfs_period_us"), String(PERIOD_US));
    writeFileSync(join(path, "cpu.cfs_quota_us"), String(quota));
  }
  const stat = (): Map<string, number> | undefined => {
    try {
      const entries = readFileSync(join(path, "cpu.stat"), "utf8").trim().split("\n");
      return new Map(entries.map((line) => line.split(" ") as [string, string]).map(([k, v]) => [k, Number(v)]));
    } catch {
      return undefined;
    }
  };
  return {
    path,
    add: (pid) => writeFileSync(join(path, "cgroup.procs"), String(pid)),
    throttled: () => {
      const s = stat();
      if (!s) return undefined;
      const periods = s.get("nr_throttled") ?? 0;
      const seconds = layout.version === 2 ? (s.get("throttled_usec") ?? 0) / 1e6 : (s.get("throttled_time") ?? 0) / 1e9;
      return { periods, seconds };
    },
    remove: () => {
      try {
        rmdirSync(path);
      } catch {
        // still busy or already gone; the bench reports leftovers by name
      }
    },
  };
}
