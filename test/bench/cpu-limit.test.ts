/**
 * The load bench's per-worker CPU allotment: the cgroup files it writes for v1 and v2 layouts
 * (on a fake cgroup tree), and, where this machine lets us, that a busy process really is held
 * to its quota.
 */
import { describe, test, expect, afterEach } from "@jest/globals";
import { spawn } from "node:child_process";
import { accessSync, constants, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { cpuGroupLayout, createCpuGroup } from "../../bench/load/cpu-limit.js";

const roots: string[] = [];
afterEach(() => {
  for (const r of roots.splice(0)) rmSync(r, { recursive: true, force: true });
});

function fakeRoot(version: 1 | 2): string {
  const root = mkdtempSync(join(tmpdir(), "vouch-cgroup-"));
  roots.push(root);
  if (version === 2) {
    writeFileSync(join(root, "cgroup.controllers"), "cpuset cpu io memory pids\n");
    writeFileSync(join(root, "cgroup.subtree_control"), "memory\n");
  } else {
    mkdirSync(join(root, "cpu"));
    writeFileSync(join(root, "cpu", "cpu.cfs_quota_us"), "-1\n");
  }
  return root;
}

describe("createCpuGroup", () => {
  test("cgroup v2: enables the cpu controller for children and writes quota and period to cpu.max", () => {
    const root = fakeRoot(2);
    const group = createCpuGroup("w1", 0.3, root);
    expect(group.path).toBe(join(root, "w1"));
    expect(readFileSync(join(root, "cgroup.subtree_control"), "utf8")).toBe("+cpu");
    expect(readFileSync(join(root, "w1", "cpu.max"), "utf8")).toBe("30000 100000");
    group.add(4242);
    expect(readFileSync(join(root, "w1", "cgroup.procs"), "utf8")).toBe("4242");
    writeFileSync(join(root, "w1", "cpu.stat"), "usage_usec 900\nnr_throttled 7\nthrottled_usec 2500000\n");
    expect(group.throttled()).toEqual({ periods: 7, seconds: 2.5 });
  });

  test("cgroup v1: writes cfs period and quota in the cpu hierarchy", () => {
    const root = fakeRoot(1);
    const group = createCpuGroup("w2", 1.5, root);
    expect(readFileSync(join(root, "cpu", "w2", "cpu.cfs_period_us"), "utf8")).toBe("100000");
    expect(readFileSync(join(root, "cpu", "w2", "cpu.cfs_quota_us"), "utf8")).toBe("150000");
    writeFileSync(join(root, "cpu", "w2", "cpu.stat"), "nr_periods 10\nnr_throttled 3\nthrottled_time 1500000000\n");
    expect(group.throttled()).toEqual({ periods: 3, seconds: 1.5 });
  });

  test("says why when there is no cpu controller, and refuses a limit that is not positive", () => {
    const empty = mkdtempSync(join(tmpdir(), "vouch-cgroup-"));
    roots.push(empty);
    expect(cpuGroupLayout(empty)).toMatch(/no cgroup cpu controller/);
    expect(() => createCpuGroup("w", 0.3, empty)).toThrow(/no cgroup cpu controller/);
    expect(() => createCpuGroup("w", 0, fakeRoot(2))).toThrow(/positive/);
  });
});

/** Whether this machine lets the test create a real CPU-limited group. */
function realCgroups(): string | undefined {
  const layout = cpuGroupLayout();
  if (typeof layout === "string") return layout;
  try {
    accessSync(layout.dir, constants.W_OK);
    return undefined;
  } catch {
    return `${layout.dir} is not writable (not root)`;
  }
}

const unavailable = realCgroups();
if (unavailable) console.warn(`cpu-limit: skipping the real cgroup test: ${unavailable}`);

(unavailable ? describe.skip : describe)("a real CPU-limited group", () => {
  test("holds a busy process to its quota", async () => {
    const group = createCpuGroup(`vouch-test-${process.pid}`, 0.2);
    // Spins for 1.5 s of wall-clock time and reports the CPU time it got.
    const spin = "const end = Date.now() + 1500; while (Date.now() < end); const u = process.cpuUsage(); console.log((u.user + u.system) / 1e6);";
    const child = spawn(process.execPath, ["-e", spin], { stdio: ["ignore", "pipe", "ignore"] });
    try {
      group.add(child.pid ?? 0);
      let out = "";
      child.stdout.on("data", (d: Buffer) => (out += d.toString()));
      await new Promise((resolve) => child.once("exit", resolve));
      // Unlimited it would get about 1.5 s; at 0.2 CPU about 0.3 s (plus start-up before it joined the group).
      expect(Number(out)).toBeGreaterThan(0);
      expect(Number(out)).toBeLessThan(0.6);
      expect(group.throttled()?.periods ?? 0).toBeGreaterThan(5);
    } finally {
      child.kill("SIGKILL");
      group.remove();
    }
  });
});
