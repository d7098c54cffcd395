/**
 * An ObjectSource over a local clone: one long-lived `git cat-file` process, so that
 * thousands of objects cost one fork. Requests are served in order; each object is buffered
 * alone and objects above `maxObjectBytes` are skipped without buffering, to bound memory.
 *
 * With git 2.36 or later the process runs `--batch-command --buffer`: git holds its output
 * until the `flush` that ends each batch of requests, so a batch arrives in a few large
 * chunks. Plain `--batch` flushes after every object, and handling one small pipe read per
 * object cost more main-thread time than verifying its signature (decision 0055).
 */
import { execFileSync, spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { assertObjectId, isObjectId, ObjectReadError, type ObjectType, type ObjectSource, type RawObject } from "./objects.js";

interface Pending {
  id: string;
  resolve: (o: RawObject) => void;
  reject: (e: Error) => void;
}

const TYPES = new Set(["commit", "tag", "tree", "blob"]);

/** Per git executable: whether it has `cat-file --batch-command` with `flush` (git 2.36). Asked once per process. */
const batchCommandSupport = new Map<string, boolean>();

export function gitHasBatchCommand(git: string): boolean {
  let known = batchCommandSupport.get(git);
  if (known === undefined) {
    try {
      const m = /git version (\d+)\.(\d+)/.exec(execFileSync(git, ["version"], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }));
      known = m !== null && (Number(m[1]) > 2 || (Number(m[1]) === 2 && Number(m[2]) >= 36));
    } catch {
      known = false; // the spawn in start() reports a missing git
    }
    batchCommandSupport.set(git, known);
  }
  return known;
}

export interface CatFileOptions {
  /** Objects larger than this are rejected with `too_large` (default 16 MiB; commits and tags are small). */
  maxObjectBytes?: number;
  /** The git executable (default `git`). */
  git?: string;
}

export class CatFileSource implements ObjectSource {
  private proc: ChildProcessWithoutNullStreams | undefined;
  private readonly queue: Pending[] = [];
  private chunks: Buffer[] = [];
  private buffered = 0;
  /** Header of the object being received: its size and whether it is kept. */
  private current: { id: string; type: string; size: number; keep: boolean; got: number } | undefined;
  private failed: Error | undefined;
  private readonly maxObjectBytes: number;
  private batchCommand = false;

  constructor(
    private readonly repoDir: string,
    private readonly options: CatFileOptions = {},
  ) {
    this.maxObjectBytes = options.maxObjectBytes ?? 16 * 1024 * 1024;
  }

  read(id: string): Promise<RawObject> {
    if (!isObjectId(id)) return Promise.reject(new ObjectReadError(`not a full object id: ${JSON.stringify(id.slice(0, 80))}`, "bad_id"));
    if (this.failed) return Promise.reject(this.failed);
    return new Promise((resolve, reject) => {
      this.queue.push({ id, resolve, reject });
      this.outgoing.push(id);
      if (this.outgoing.length === 1) process.nextTick(() => this.flush());
    });
  }

  /** Requests made in the same tick go to git in one write: one syscall instead of one per object. */
  private readonly outgoing: string[] = [];

  private flush(): void {
    const ids = this.outgoing.splice(0);
    if (ids.length === 0 || this.failed) return;
    const proc = this.start();
    proc.stdin.write(this.batchCommand ? `contents ${ids.join("\ncontents ")}\nflush\n` : `${ids.join("\n")}\n`);
  }

  /** Ends the git process; pending reads are rejected. */
  close(): void {
    const proc = this.proc;
    this.proc = undefined;
    if (proc) proc.stdin.end();
    this.fail(new ObjectReadError("object source closed", "io"));
    this.failed = undefined;
  }

  private start(): ChildProcessWithoutNullStreams {
    if (this.proc) return this.proc;
    const git = this.options.git ?? "git";
    this.batchCommand = gitHasBatchCommand(git);
    const mode = this.batchCommand ? ["--batch-command", "--buffer"] : ["--batch"];
    const proc = spawn(git, ["-C", this.repoDir, "cat-file", ...mode], { stdio: ["pipe", "pipe", "pipe"] });
    proc.stdout.on("data", (d: Buffer) => this.onData(d));
    proc.stderr.resume();
    proc.on("error", (e) => this.fail(new ObjectReadError(`git cat-file failed: ${e.message}`, "io")));
    proc.on("exit", (code) => {
      if (this.proc === proc) {
        this.proc = undefined;
        this.fail(new ObjectReadError(`git cat-file exited with code ${code ?? "signal"}`, "io"));
      }
    });
    proc.stdin.on("error", () => undefined); // reported through 'exit'
    this.proc = proc;
    return proc;
  }

  private fail(e: Error): void {
    this.failed = e;
    this.outgoing.length = 0;
    for (const p of this.queue.splice(0)) p.reject(e);
    this.chunks = [];
    this.buffered = 0;
    this.current = undefined;
  }

  private onData(data: Buffer): void {
    let buf = data;
    while (buf.length > 0) {
      if (!this.current) {
        const nl = buf.indexOf(0x0a);
        if (nl < 0) {
          this.chunks.push(buf);
          this.buffered += buf.length;
          if (this.buffered > 4096) this.fail(new ObjectReadError("git cat-file: header line too long", "io"));
          return;
        }
        const line = this.chunks.length === 0 ? buf.toString("latin1", 0, nl) : Buffer.concat([...this.chunks, buf.subarray(0, nl)]).toString("latin1");
        this.chunks = [];
        this.buffered = 0;
        buf = buf.subarray(nl + 1);
        const pending = this.queue[0];
        const [oid, type, size] = line.split(" ");
        if (!pending) return this.fail(new ObjectReadError("git cat-file: unexpected output", "io"));
        if (type === "missing" || type === "ambiguous" || size === undefined) {
          this.queue.shift();
          pending.reject(new ObjectReadError(`object ${pending.id} not found`, "missing"));
          continue;
        }
        const n = Number(size);
        if (!TYPES.has(type ?? "") || !Number.isSafeInteger(n) || oid !== pending.id) {
          return this.fail(new ObjectReadError("git cat-file: unexpected header", "io"));
        }
        this.current = { id: pending.id, type: type ?? "", size: n, keep: n <= this.maxObjectBytes, got: 0 };
        continue;
      }
      // Content plus the trailing newline git prints after it.
      const cur = this.current;
      const want = cur.size + 1 - cur.got;
      const take = buf.subarray(0, want);
      if (cur.keep) this.chunks.push(take);
      cur.got += take.length;
      buf = buf.subarray(take.length);
      if (cur.got === cur.size + 1) {
        const pending = this.queue.shift();
        const body = cur.keep ? Buffer.concat(this.chunks).subarray(0, cur.size) : undefined;
        this.chunks = [];
        this.current = undefined;
        if (!pending) continue;
        if (!body) {
          pending.reject(new ObjectReadError(`object ${cur.id} is larger than ${this.maxObjectBytes} bytes`, "too_large"));
          continue;
        }
        const raw: RawObject = { id: cur.id, type: cur.type as ObjectType, body };
        try {
          assertObjectId(raw);
          pending.resolve(raw);
        } catch (e) {
          pending.reject(e as Error);
        }
      }
    }
  }
}
