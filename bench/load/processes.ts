/**
 * Vouch processes for the load bench: started from the built CLI/server exactly as an operator
 * would, logs to a file each, and watched for readiness, exit and peak memory.
 */
import { spawn } from "node:child_process";
import { openSync, closeSync, readFileSync } from "node:fs";
import { join } from "node:path";

export interface VouchProcess {
  label: string;
  pid: number;
  logFile: string;
  /** The HTTP URL it printed in its "Vouch is listening" line, if it serves HTTP. */
  url: string | undefined;
  /** Peak resident set size so far (VmHWM), in MiB; undefined once the process is gone. */
  peakRssMiB(): number | undefined;
  /** CPU seconds used so far, its waited-for children (git) included; undefined once it is gone. */
  cpuSeconds(): number | undefined;
  /** True while the process runs. */
  alive(): boolean;
  /** SIGTERM, then SIGKILL after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
}

export interface StartOptions {
  label: string;
  /** Arguments after `node`, e.g. ["lib/server/main.js"]. */
  args: string[];
  env: Record<string, string>;
  logDir: string;
  /** A log message (pino `msg`) that says the process is ready. */
  readyMessage: RegExp;
  timeoutMs?: number;
  /** Called with the child's pid as soon as it is spawned (e.g. to put it in a CPU-limited cgroup). */
  onSpawn?: (pid: number) => void;
}

export async function startVouch(options: StartOptions): Promise<VouchProcess> {
  const logFile = join(options.logDir, `${options.label}.log`);
  const fd = openSync(logFile, "a");
  const child = spawn(process.execPath, options.args, { env: options.env, stdio: ["ignore", fd, fd] });
  closeSync(fd);
  if (child.pid !== undefined && options.onSpawn) {
    try {
      options.onSpawn(child.pid);
    } catch (error) {
      child.kill("SIGKILL");
      throw error;
    }
  }
  const exited = new Promise<number | string>((resolve) => child.once("exit", (code, signal) => resolve(code ?? signal ?? "?")));
  let running = true;
  void exited.then(() => (running = false));

  const ready = await waitForLine(logFile, options.readyMessage, exited, options.timeoutMs ?? 60_000);
  if (typeof ready === "string") throw new Error(`${options.label} did not start (${ready}); last log lines:\n${tail(logFile)}`);
  return {
    label: options.label,
    pid: child.pid!,
    logFile,
    url: typeof ready.url === "string" ? ready.url : undefined,
    peakRssMiB: () => peakRss(child.pid),
    cpuSeconds: () => cpuSeconds(child.pid),
    alive: () => running,
    stop: async (graceMs = 15_000) => {
      if (!running) return;
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}

async function waitForLine(file: string, message: RegExp, exited: Promise<number | string>, timeoutMs: number): Promise<Record<string, unknown> | string> {
  const deadline = Date.now() + timeoutMs;
  let gone: string | undefined;
  void exited.then((code) => (gone = `exited with ${code}`));
  for (;;) {
    for (const line of readFileSync(file, "utf8").split("\n")) {
      if (!line.startsWith("{")) continue;
      try {
        const record = JSON.parse(line) as Record<string, unknown>;
        if (typeof record.msg === "string" && message.test(record.msg)) return record;
      } catch {
        // a line still being written
      }
    }
    if (gone) return gone;
    if (Date.now() > deadline) return `no "${message.source}" line within ${timeoutMs} ms`;
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Linux's USER_HZ: /proc reports CPU time in these ticks. */
const TICKS_PER_SECOND = 100;

export function cpuSeconds(pid: number | undefined): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after the parenthesised command name; utime, stime, cutime, cstime are 14-17.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const ticks = [11, 12, 13, 14].reduce((sum, i) => sum + Number(fields[i]), 0);
    return ticks / TICKS_PER_SECOND;
  } catch {
    return undefined;
  }
}

/** Busy and total CPU time of the whole machine so far, in ticks (from /proc/stat). */
export function machineTicks(): { busy: number; total: number } {
  const line = readFileSync("/proc/stat", "utf8").split("\n")[0]!;
  const n = line.trim().split(/\s+/).slice(1).map(Number);
  const total = n.reduce((a, b) => a + b, 0);
  const idle = (n[3] ?? 0) + (n[4] ?? 0);
  return { busy: total - idle, total };
}

export function peakRss(pid: number | undefined): number | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const kb = /^VmHWM:\s+(\d+)\s+kB/m.exec(status)?.[1];
    return kb === undefined ? undefined : Math.round(Number(kb) / 102.4) / 10;
  } catch {
    return undefined;
  }
}

export function tail(file: string, lines = 15): string {
  try {
    return readFileSync(file, "utf8").trimEnd().split("\n").slice(-lines).join("\n");
  } catch {
    return "(no log)";
  }
}
