/**
 * An ObjectSource over objects fetched from GitHub with isomorphic-git (smart HTTP), for the app,
 * which has no clone. Objects land in a per-repository cache directory and are read back as raw
 * bytes, re-hashed to their id, never through isomorphic-git's parsed `payload`.
 */
import * as fs from "node:fs";
import { mkdir, readdir, rm } from "node:fs/promises";
import { createHash } from "node:crypto";
import { join } from "node:path";
import git from "isomorphic-git";
import nodeHttp from "isomorphic-git/http/node";
import type { GitHttpRequest, GitHttpResponse, HttpClient } from "isomorphic-git/http/node";
import { assertObjectId, isObjectId, ObjectReadError, type ObjectSource, type RawObject } from "./objects.js";
import { lockDirectory } from "./http-lock.js";

export type GitFetchErrorCode = "auth" | "not_found" | "too_large" | "unsupported" | "network" | "timeout" | "bad_input";

/** A fetch that failed; the message never contains the token. */
export class GitFetchError extends Error {
  constructor(
    message: string,
    readonly code: GitFetchErrorCode,
    /** The server's HTTP status when it answered with an error (5xx and 429 mean "try again later"). */
    readonly status?: number,
  ) {
    super(message);
    this.name = "GitFetchError";
  }
}

export interface HttpObjectSourceOptions {
  /** `${gitBaseUrl}/<owner>/<repo>.git`, without credentials. */
  url: string;
  /** Installation token, sent as the basic-auth password of `x-access-token`. */
  token?: string;
  /** Data directory; the cache lives in `<dir>/git-cache/<repo>-<hash>.git`. */
  dir: string;
  /** Commit ids or ref names (`refs/heads/main`, `main`) whose history is needed. */
  want: string[];
  /** Commit ids the caller knows are in the cache already (e.g. the base fetched before); sent as `have`. */
  have?: string[];
  /** Fetch at most this many commits of each want's history (a shallow fetch). */
  depth?: number;
  /** Upper bound on one fetch's response in bytes (default 512 MiB); the pack is held in memory while indexed. */
  maxBytes?: number;
  /** Objects larger than this are refused with `too_large` by read() (default 16 MiB). */
  maxObjectBytes?: number;
  /** How long to wait for another evaluation of the same repository (default 10 minutes). */
  lockTimeoutMs?: number;
  /**
   * A request that sends nothing (no answer, or no more of its body) for this long is abandoned
   * with a `timeout` error (default 60 s). It bounds silence, not size: a large pack that keeps
   * arriving is never cut off.
   */
  idleTimeoutMs?: number;
  /** Injected for tests; defaults to isomorphic-git's Node client. */
  http?: HttpClient;
}

export interface HttpObjectSource extends ObjectSource {
  /** Object id each `want` resolved to, in the order given. */
  readonly resolved: ReadonlyMap<string, string>;
  /** The cache directory (a bare repository). */
  readonly gitdir: string;
  /** Releases the cache lock; reads after close reject. */
  close(): Promise<void>;
}

const SHA1 = /^[0-9a-f]{40}$/;
const HAVE_REF = "refs/vouch/have";
const UNSHALLOW = 2147483647;

/** `https://host/owner/repo.git` → `owner-repo-<12 hex of the credential-free URL>`: readable and collision-free. */
export function cacheDirName(url: string): string {
  const u = new URL(url);
  u.username = "";
  u.password = "";
  const slug = u.pathname.replace(/\.git$/, "").replace(/[^A-Za-z0-9._-]+/g, "-").replace(/^-+|-+$/g, "").slice(0, 80);
  const hash = createHash("sha256").update(u.toString()).digest("hex").slice(0, 12);
  return `${slug || "repo"}-${hash}.git`;
}

/**
 * Counts response bytes and aborts past the limit, so a huge pack fails instead of exhausting memory.
 * isomorphic-git swallows errors thrown from the body stream, so the overflow is also remembered.
 */
function limitedHttp(inner: HttpClient, maxBytes: number): { client: HttpClient; overflowed: () => boolean } {
  let overflow = false;
  const client: HttpClient = {
    async request(req: GitHttpRequest): Promise<GitHttpResponse> {
      const res = await inner.request(req);
      const body = res.body;
      if (!body) return res;
      let seen = 0;
      async function* counted(): AsyncGenerator<Uint8Array> {
        for await (const chunk of body as AsyncIterable<Uint8Array>) {
          seen += chunk.length;
          if (seen > maxBytes) {
            overflow = true;
            throw new GitFetchError(`fetch response exceeds ${maxBytes} bytes`, "too_large");
          }
          yield chunk;
        }
      }
      return { ...res, body: counted() };
    },
  };
  return { client, overflowed: () => overflow };
}

/**
 * Abandons a request after `idleMs` without an answer or another chunk of its body: its signal is
 * aborted (the node client then closes the socket) and the wait itself ends, whatever the inner
 * client does. isomorphic-git may swallow the error, so the timeout is also remembered.
 */
function idleTimeoutHttp(inner: HttpClient, idleMs: number): { client: HttpClient; timedOut: () => boolean } {
  let timedOut = false;
  const client: HttpClient = {
    async request(req: GitHttpRequest): Promise<GitHttpResponse> {
      const controller = new AbortController();
      let rejectIdle: (e: Error) => void = () => undefined;
      const idle = new Promise<never>((_, reject) => (rejectIdle = reject));
      idle.catch(() => undefined);
      let timer: NodeJS.Timeout | undefined;
      const arm = (): void => {
        clearTimeout(timer);
        timer = setTimeout(() => {
          timedOut = true;
          const error = new GitFetchError(`no data for ${idleMs} ms`, "timeout");
          controller.abort(error);
          rejectIdle(error);
        }, idleMs);
      };
      const signal = req.signal ? AbortSignal.any([req.signal, controller.signal]) : controller.signal;
      arm();
      let res: GitHttpResponse;
      try {
        res = await Promise.race([inner.request({ ...req, signal }), idle]);
      } finally {
        clearTimeout(timer);
      }
      const body = res.body;
      if (!body) return res;
      // Only the waits for the server count, not the time isomorphic-git spends on each chunk.
      async function* watched(): AsyncGenerator<Uint8Array> {
        const it = (body as AsyncIterable<Uint8Array>)[Symbol.asyncIterator]();
        try {
          for (;;) {
            arm();
            const next = await Promise.race([it.next(), idle]);
            clearTimeout(timer);
            if (next.done) return;
            yield next.value;
          }
        } finally {
          clearTimeout(timer);
          void it.return?.();
        }
      }
      return { ...res, body: watched() };
    },
  };
  return { client, timedOut: () => timedOut };
}

/** Whether a failed fetch says nothing about the repository: the server was overloaded, limiting, or silent. Retry those. */
export function isRetryableFetchError(error: unknown): error is GitFetchError {
  if (!(error instanceof GitFetchError)) return false;
  if (error.code === "timeout") return true;
  return error.status !== undefined && (error.status === 429 || error.status >= 500);
}

/** Turns any isomorphic-git failure into a GitFetchError whose text cannot carry the token. */
function fetchFailure(e: unknown, url: string, want: string, token: string | undefined): GitFetchError {
  if (e instanceof GitFetchError) return e;
  const err = e as { code?: string; data?: { statusCode?: number }; message?: string };
  const scrub = (s: string): string => (token ? s.split(token).join("***") : s);
  const status = err.data?.statusCode;
  if (err.code === "HttpError" && (status === 401 || status === 403)) {
    return new GitFetchError(`authentication to ${url} failed (HTTP ${status}): the installation token is missing, expired or lacks contents:read`, "auth");
  }
  if (err.code === "HttpError" && status === 404) return new GitFetchError(`repository ${url} not found (HTTP 404)`, "not_found");
  if (err.code === "NotFoundError") return new GitFetchError(`${want} is not a ref of ${url}`, "not_found");
  const detail = scrub(String(err.message ?? e)).slice(0, 300);
  if (/not our ref|unadvertised object|upload-pack: not our/i.test(detail)) {
    return new GitFetchError(`the server refused to send ${want}: it is not reachable from any ref of ${url}`, "not_found");
  }
  return new GitFetchError(`fetching ${want} from ${url} failed: ${detail}`, "network", err.code === "HttpError" ? status : undefined);
}

async function hasObject(gitdir: string, oid: string, cache: object): Promise<boolean> {
  try {
    await git.readObject({ fs, gitdir, oid, format: "deflated", cache });
    return true;
  } catch {
    return false;
  }
}

/**
 * Fetches what `want` needs into the repository's cache (skipping wants already present) and
 * returns a source over the cache. The cache stays locked until close(): always call it.
 */
export async function openHttpObjectSource(options: HttpObjectSourceOptions): Promise<HttpObjectSource> {
  const { url, token } = options;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new GitFetchError("the repository URL is not a valid URL", "bad_input");
  }
  if (parsed.username || parsed.password) throw new GitFetchError("pass the token as `token`, not inside the URL", "bad_input");
  for (const w of options.want) {
    if (/^[0-9a-f]{64}$/.test(w)) throw new GitFetchError("SHA-256 repositories cannot be fetched over HTTP (isomorphic-git speaks SHA-1 only)", "unsupported");
    if (w.length === 0 || w.startsWith("-") || /[\s\0]/.test(w)) throw new GitFetchError(`not a ref or object id: ${JSON.stringify(w.slice(0, 80))}`, "bad_input");
  }
  const gitdir = join(options.dir, "git-cache", cacheDirName(url));
  await mkdir(gitdir, { recursive: true });
  const release = await lockDirectory(gitdir, options.lockTimeoutMs);
  const cache = {};
  const resolved = new Map<string, string>();
  try {
    if (!fs.existsSync(join(gitdir, "config"))) {
      await git.init({ fs, gitdir, bare: true });
      // isomorphic-git needs a fetch refspec; fetched ids match none, so no remote refs get written.
      await git.setConfig({ fs, gitdir, path: "remote.origin.fetch", value: "+refs/heads/*:refs/remotes/origin/*" });
    }
    const maxBytes = options.maxBytes ?? 512 * 1024 * 1024;
    const idleMs = options.idleTimeoutMs ?? 60_000;
    const watched = idleTimeoutHttp(options.http ?? nodeHttp, idleMs);
    const limited = limitedHttp(watched.client, maxBytes);
    const http = limited.client;
    const tooLarge = (want: string): GitFetchError => new GitFetchError(`fetching ${want} from ${url}: the response exceeds ${maxBytes} bytes (maxBytes)`, "too_large");
    const silent = (want: string): GitFetchError => new GitFetchError(`fetching ${want} from ${url}: the server sent nothing for ${idleMs} ms`, "timeout");
    const onAuth = token ? () => ({ username: "x-access-token", password: token }) : undefined;
    for (const want of options.want) {
      // A cache left shallow by an earlier `depth` fetch may hold the want without its history, and
      // a plain fetch would stop at the old boundary: deepen without limit, as --unshallow does.
      const shallow = options.depth === undefined && isShallow(gitdir);
      const depth = options.depth ?? (shallow ? UNSHALLOW : undefined);
      if (!shallow && SHA1.test(want) && (await hasObject(gitdir, want, cache))) {
        resolved.set(want, want);
        continue;
      }
      // isomorphic-git offers exactly one `have` in single-branch mode: the local ref named `ref`.
      const have = await pickHave(gitdir, [...(options.have ?? []), ...resolved.values()], cache);
      if (have) await git.writeRef({ fs, gitdir, ref: HAVE_REF, value: have, force: true });
      let fetched: string | null;
      const packsBefore = await listPacks(gitdir);
      try {
        const result = await git.fetch({
          fs,
          http,
          gitdir,
          url,
          cache,
          ref: have ? HAVE_REF : want,
          remoteRef: want,
          singleBranch: true,
          tags: false,
          ...(depth !== undefined ? { depth } : {}),
          ...(onAuth ? { onAuth } : {}),
          onAuthFailure: () => ({ cancel: true }),
        });
        fetched = result.fetchHead;
      } catch (e) {
        await removeNewPacks(gitdir, packsBefore);
        if (limited.overflowed()) throw tooLarge(want);
        if (watched.timedOut()) throw silent(want);
        const err = e as { code?: string };
        // Cancelling after a refused token surfaces as UserCanceledError: it is an auth failure.
        if (err.code === "UserCanceledError") throw fetchFailure({ code: "HttpError", data: { statusCode: 401 } }, url, want, token);
        throw fetchFailure(e, url, want, token);
      }
      if (limited.overflowed() || watched.timedOut()) {
        // A cut-off pack must not stay behind for later readers.
        await removeNewPacks(gitdir, packsBefore);
        throw limited.overflowed() ? tooLarge(want) : silent(want);
      }
      if (!fetched) throw new GitFetchError(`the repository at ${url} is empty`, "not_found");
      // upload-pack answers an unknown or unreachable id with an empty pack, not an error.
      if (!(await hasObject(gitdir, fetched, cache))) {
        throw new GitFetchError(`the server did not send ${want}: it does not exist or is not reachable from any ref of ${url}`, "not_found");
      }
      resolved.set(want, fetched);
      await git.writeRef({ fs, gitdir, ref: HAVE_REF, value: fetched, force: true });
    }
  } catch (e) {
    await release();
    throw e;
  }
  return new CachedObjectSource(gitdir, resolved, cache, options.maxObjectBytes ?? 16 * 1024 * 1024, release);
}

function isShallow(gitdir: string): boolean {
  try {
    return fs.readFileSync(join(gitdir, "shallow"), "utf8").trim() !== "";
  } catch {
    return false;
  }
}

async function listPacks(gitdir: string): Promise<Set<string>> {
  return new Set(await readdir(join(gitdir, "objects", "pack")).catch(() => []));
}

async function removeNewPacks(gitdir: string, before: Set<string>): Promise<void> {
  for (const name of await listPacks(gitdir)) if (!before.has(name)) await rm(join(gitdir, "objects", "pack", name), { force: true });
}

async function pickHave(gitdir: string, candidates: string[], cache: object): Promise<string | undefined> {
  for (const id of candidates) if (SHA1.test(id) && (await hasObject(gitdir, id, cache))) return id;
  try {
    const previous = await git.resolveRef({ fs, gitdir, ref: HAVE_REF });
    if (await hasObject(gitdir, previous, cache)) return previous;
  } catch {
    // no previous fetch
  }
  return undefined;
}

class CachedObjectSource implements HttpObjectSource {
  private closed = false;

  constructor(
    readonly gitdir: string,
    readonly resolved: ReadonlyMap<string, string>,
    private readonly cache: object,
    private readonly maxObjectBytes: number,
    private readonly release: () => Promise<void>,
  ) {}

  async read(id: string): Promise<RawObject> {
    if (!isObjectId(id)) throw new ObjectReadError(`not a full object id: ${JSON.stringify(id.slice(0, 80))}`, "bad_id");
    if (id.length !== 40) throw new ObjectReadError(`object ${id} is a SHA-256 id; objects fetched over HTTP are SHA-1`, "bad_id");
    if (this.closed) throw new ObjectReadError("object source closed", "io");
    let result;
    try {
      result = await git.readObject({ fs, gitdir: this.gitdir, oid: id, format: "content", cache: this.cache });
    } catch (e) {
      if ((e as { code?: string }).code === "NotFoundError") throw new ObjectReadError(`object ${id} not found`, "missing");
      throw new ObjectReadError(`reading object ${id} failed: ${String((e as Error).message ?? e).slice(0, 200)}`, "io");
    }
    if (result.format !== "content") throw new ObjectReadError(`object ${id}: unexpected format`, "io");
    if (result.object.length > this.maxObjectBytes) {
      throw new ObjectReadError(`object ${id} is larger than ${this.maxObjectBytes} bytes`, "too_large");
    }
    const raw: RawObject = { id, type: result.type, body: Buffer.from(result.object.buffer, result.object.byteOffset, result.object.length) };
    assertObjectId(raw);
    return raw;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.release();
  }
}
