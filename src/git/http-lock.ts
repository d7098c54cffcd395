/**
 * An exclusive lock on one cache directory, held for as long as an evaluation reads from it.
 * isomorphic-git writes packs and their indexes non-atomically and scans every index on a
 * lookup, so a reader must never overlap a writer; evaluations of one repository therefore take
 * turns. Within the process a promise chain orders them; a `vouch.lock` file (O_EXCL, holding
 * the pid) keeps a second process off the same directory, and is taken over once its owner is dead.
 */
import { open, readFile, rm } from "node:fs/promises";
import { join } from "node:path";

const chains = new Map<string, Promise<void>>();

export class LockTimeoutError extends Error {
  constructor(dir: string) {
    super(`timed out waiting for the git cache lock on ${dir}`);
    this.name = "LockTimeoutError";
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

async function takeFile(path: string, deadline: number): Promise<void> {
  for (;;) {
    try {
      const handle = await open(path, "wx", 0o600);
      await handle.writeFile(String(process.pid));
      await handle.close();
      return;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
    }
    const owner = Number((await readFile(path, "utf8").catch(() => "")).trim());
    // An empty file is a lock being written right now; only a dead owner's file is removed.
    if (Number.isInteger(owner) && owner > 0 && owner !== process.pid && !alive(owner)) {
      await rm(path, { force: true });
      continue;
    }
    if (Date.now() > deadline) throw new LockTimeoutError(path);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Waits for the directory's lock (at most `timeoutMs`) and returns the function that releases it. */
export async function lockDirectory(dir: string, timeoutMs = 10 * 60 * 1000): Promise<() => Promise<void>> {
  const previous = chains.get(dir) ?? Promise.resolve();
  let release!: () => void;
  const mine = new Promise<void>((r) => (release = r));
  const chain = previous.then(() => mine);
  chains.set(dir, chain);
  const deadline = Date.now() + timeoutMs;
  const path = join(dir, "vouch.lock");
  try {
    await Promise.race([
      previous,
      new Promise<never>((_, reject) => {
        const t = setTimeout(() => reject(new LockTimeoutError(dir)), timeoutMs);
        t.unref(); // waiting must not keep a finished process alive
        void previous.then(() => clearTimeout(t));
      }),
    ]);
    await takeFile(path, deadline);
  } catch (e) {
    // Our turn in the chain is given up only once the one before us is done, keeping the order.
    void previous.then(release);
    if (chains.get(dir) === chain) void chain.then(() => chains.get(dir) === chain && chains.delete(dir));
    throw e;
  }
  let released = false;
  return async () => {
    if (released) return;
    released = true;
    await rm(path, { force: true });
    release();
    if (chains.get(dir) === chain) chains.delete(dir);
  };
}
