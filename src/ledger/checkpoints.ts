/** Signed checkpoints written regularly, so a ledger's state is committed to even between exports. */
import type { Ledger } from "./types.js";

export interface CheckpointScheduleOptions {
  /** Default one hour. */
  intervalMs?: number;
  /** Told about each failure; a failed checkpoint is retried at the next tick, never fatal. */
  onError?: (error: Error) => void;
}

/** Starts writing checkpoints every interval; returns a stop function (which writes one last checkpoint). */
export function scheduleCheckpoints(ledger: Ledger, options: CheckpointScheduleOptions = {}): () => Promise<void> {
  let lastHeads = "";
  const tick = async () => {
    try {
      const heads = JSON.stringify(await ledger.heads());
      // Nothing appended since the last one: another identical checkpoint adds nothing.
      if (heads === lastHeads) return;
      await ledger.checkpoint();
      lastHeads = heads;
    } catch (e) {
      options.onError?.(e as Error);
    }
  };
  const timer = setInterval(() => void tick(), options.intervalMs ?? 3_600_000);
  timer.unref();
  return async () => {
    clearInterval(timer);
    await tick();
  };
}
