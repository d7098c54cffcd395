/**
 * A real `vouch serve --role worker` process (run from source with tsx), for tests that kill or
 * stop it. Its log lines are collected; `ready` resolves once it listens.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { Env } from "../../src/config.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

export interface WorkerProcess {
  child: ChildProcess;
  lines: string[];
  ready: Promise<void>;
  exited: Promise<number | null>;
}

export function spawnWorker(env: Env): WorkerProcess {
  const childEnv: Record<string, string> = { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: process.env.HOME ?? "/tmp" };
  for (const [k, v] of Object.entries(env)) if (v !== undefined) childEnv[k] = v;
  const child = spawn(process.execPath, ["--import", "tsx", "src/cli/main.ts", "serve", "--role", "worker"], {
    cwd: ROOT,
    env: childEnv,
    stdio: ["ignore", "pipe", "pipe"],
  });
  const lines: string[] = [];
  let resolveReady!: () => void;
  let rejectReady!: (e: Error) => void;
  const ready = new Promise<void>((resolve, reject) => {
    resolveReady = resolve;
    rejectReady = reject;
  });
  const collect = (chunk: Buffer): void => {
    for (const line of chunk.toString("utf8").split("\n")) {
      if (line.length === 0) continue;
      lines.push(line);
      if (line.includes('"msg":"Vouch is listening"')) resolveReady();
    }
  };
  child.stdout!.on("data", collect);
  child.stderr!.on("data", collect);
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  void exited.then((code) => rejectReady(new Error(`worker exited (${code}) before listening:\n${lines.slice(-10).join("\n")}`)));
  const timer = setTimeout(() => rejectReady(new Error(`worker did not start within 30 s:\n${lines.slice(-10).join("\n")}`)), 30_000);
  void ready.finally(() => clearTimeout(timer)).catch(() => undefined);
  return { child, lines, ready, exited };
}

/** Kills the worker if still running and waits for it to exit. */
export async function stopWorker(worker: WorkerProcess | undefined, signal: NodeJS.Signals = "SIGKILL"): Promise<void> {
  if (!worker || worker.child.exitCode !== null || worker.child.signalCode !== null) return;
  worker.child.kill(signal);
  await worker.exited;
}

export async function waitFor(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
