/**
 * Runs the server until SIGTERM or SIGINT, then shuts down gracefully: stop accepting requests,
 * stop taking jobs, let running jobs finish, close the ledger. A second signal exits at once; a
 * job still running then is taken again by another worker once its lock lapses.
 */
import { existsSync } from "node:fs";

export interface ServeOptions {
  /** Where startup problems go (standard error). */
  report: (message: string) => void;
}

/**
 * Starts the server with `start` and resolves with the exit code once it has stopped (or failed
 * to start). `start` is passed in rather than imported: main.ts runs this at its top level, and a
 * module cycle through a top-level await would never settle.
 */
export async function serveUntilSignal(start: () => Promise<{ close(): Promise<void> }>, options: ServeOptions): Promise<number> {
  // Listening before start: a signal that arrives while the server starts (it logs before it is
  // ready) must stop it gracefully once started, not kill it with the default action.
  let onSignal: (signal: NodeJS.Signals) => void = () => undefined;
  const stopRequested = new Promise<NodeJS.Signals>((resolve) => (onSignal = resolve));
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  let running;
  try {
    running = await start();
  } catch (error) {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
    // ConfigError messages name variables, never values.
    options.report(error instanceof Error ? error.message : "Vouch failed to start");
    return 1;
  }
  const signal = await stopRequested;
  const force = (): never => process.exit(1);
  process.once("SIGINT", force);
  process.once("SIGTERM", force);
  try {
    await running.close();
    return 0;
  } catch {
    options.report(`Vouch did not stop cleanly after ${signal}`);
    return 1;
  }
}

/** `.env` is where the registration flow writes the app's credentials; real environment variables win. */
export function loadDotEnv(): void {
  if (existsSync(".env")) process.loadEnvFile(".env");
}
