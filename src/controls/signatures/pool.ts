/**
 * A bounded pool of verification threads. The caller reads raw objects (in order, on its own
 * thread); each thread holds a trust store rebuilt from the same description and verifies what
 * it is sent. A thread that crashes or exits fails closed: every object it held becomes a
 * `malformed` verdict saying so, and later objects go to the threads that remain (or fail the
 * same way when none remain). Nothing waits on a dead thread.
 */
import { availableParallelism } from "node:os";
import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";
import type { ObjectType, RawObject } from "../../git/objects.js";
import type { TrustDescription } from "./trust.js";
import { verdict, type ObjectVerdict } from "./types.js";

export interface PoolRequest {
  seq: number;
  id: string;
  type: ObjectType;
  body: Uint8Array;
  at: number;
}

export interface PoolResponse {
  seq: number;
  verdict: ObjectVerdict;
}

/** Below this many objects, starting threads costs more than it saves: verify on the calling thread. */
export const MIN_PARALLEL_OBJECTS = 64;

/**
 * Verification threads to use: `VOUCH_VERIFY_THREADS` when it is a positive integer, else one
 * fewer than the machine's available parallelism, leaving a core for the thread that reads the
 * objects (and git cat-file). 1 means no threads at all; that is the default on two cores, where
 * a pool measured slower than one thread (decision 0041).
 */
export function verifyThreads(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.VOUCH_VERIFY_THREADS?.trim();
  if (raw) {
    if (!/^[1-9][0-9]*$/.test(raw)) throw new Error(`VOUCH_VERIFY_THREADS must be a positive integer, got ${JSON.stringify(raw.slice(0, 20))}`);
    return Math.min(Number(raw), 256);
  }
  return Math.max(1, availableParallelism() - 1);
}

interface Pending {
  id: string;
  type: ObjectType;
  resolve: (v: ObjectVerdict) => void;
}

interface Slot {
  worker: Worker;
  pending: Map<number, Pending>;
  alive: boolean;
}

export interface WorkerScript {
  url: URL;
  /** Set when the script is TypeScript source (tests, benches): the thread loads it through tsx. */
  typescript?: boolean;
}

/** The thread script: the compiled .js next to this module, or the .ts source under tsx/jest. */
function workerScript(): WorkerScript {
  const typescript = import.meta.url.endsWith(".ts");
  return { url: new URL(typescript ? "./verify-worker.ts" : "./verify-worker.js", import.meta.url), typescript };
}

function startWorker(script: WorkerScript, workerData: unknown): Worker {
  if (!script.typescript) return new Worker(script.url, { workerData });
  // Source runs only where tsx is installed (development); node cannot load .ts by itself.
  // The ESM entry of tsx/esm/api (require.resolve finds its CommonJS twin next to it).
  const tsx = createRequire(import.meta.url).resolve("tsx/esm/api").replace(/\.cjs$/, ".mjs");
  const boot = `import(${JSON.stringify(pathToFileURL(tsx).href)}).then((m) => { m.register(); return import(${JSON.stringify(script.url.href)}); });`;
  return new Worker(boot, { eval: true, workerData });
}

function typeOf(t: ObjectType): "commit" | "tag" {
  return t === "tag" ? "tag" : "commit";
}

export interface VerifyPoolOptions {
  threads: number;
  trust: TrustDescription;
  /** Another thread script speaking the same messages (tests use it to make a thread fail). */
  script?: WorkerScript;
}

export class VerifyPool {
  /** Threads started by every pool in this process, ever: lets tests see that none were. */
  static threadsStarted = 0;
  private readonly slots: Slot[] = [];
  private seq = 0;
  private next = 0;

  constructor(options: VerifyPoolOptions) {
    const script = options.script ?? workerScript();
    for (let i = 0; i < Math.max(1, options.threads); i++) {
      const worker = startWorker(script, { trust: options.trust });
      VerifyPool.threadsStarted++;
      const slot: Slot = { worker, pending: new Map(), alive: true };
      worker.on("message", (m: PoolResponse) => {
        const p = slot.pending.get(m.seq);
        if (!p) return;
        slot.pending.delete(m.seq);
        // The thread answers for the object it was sent, never another: anything else fails closed.
        if (m.verdict?.id !== p.id) p.resolve({ id: p.id, type: typeOf(p.type), signature: verdict("malformed", "verification thread answered for another object") });
        else p.resolve(m.verdict);
      });
      const fail = (why: string) => {
        if (!slot.alive) return;
        slot.alive = false;
        for (const p of slot.pending.values()) {
          p.resolve({ id: p.id, type: typeOf(p.type), signature: verdict("malformed", `verification failed: ${why}; not verified`) });
        }
        slot.pending.clear();
      };
      worker.on("error", (e) => fail(`verification thread crashed (${e.message})`));
      worker.on("messageerror", () => fail("verification thread sent an unreadable message"));
      worker.on("exit", (code) => fail(`verification thread exited (code ${code})`));
      // Idle threads must not keep the process alive.
      worker.unref();
      this.slots.push(slot);
    }
  }

  /** The verdict for `raw` at `at`, from the least busy live thread. Never rejects. */
  verify(raw: RawObject, at: Date): Promise<ObjectVerdict> {
    const live = this.slots.filter((s) => s.alive);
    if (live.length === 0) {
      return Promise.resolve({ id: raw.id, type: typeOf(raw.type), signature: verdict("malformed", "verification failed: no verification thread is left; not verified") });
    }
    let slot = live[this.next++ % live.length] as Slot;
    for (const s of live) if (s.pending.size < slot.pending.size) slot = s;
    const seq = this.seq++;
    // A copy the thread owns: the source's buffer may be a view into a larger one.
    const body = new Uint8Array(raw.body);
    return new Promise((resolve) => {
      slot.pending.set(seq, { id: raw.id, type: raw.type, resolve });
      slot.worker.ref();
      try {
        slot.worker.postMessage({ seq, id: raw.id, type: raw.type, body, at: at.getTime() } satisfies PoolRequest, [body.buffer as ArrayBuffer]);
      } catch (e) {
        slot.pending.delete(seq);
        resolve({ id: raw.id, type: typeOf(raw.type), signature: verdict("malformed", `verification failed: ${(e as Error).message}; not verified`) });
      }
    }).finally(() => {
      if (slot.pending.size === 0) slot.worker.unref();
    }) as Promise<ObjectVerdict>;
  }

  /** Live threads (for tests and reports). */
  get liveThreads(): number {
    return this.slots.filter((s) => s.alive).length;
  }

  async close(): Promise<void> {
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
  }
}
