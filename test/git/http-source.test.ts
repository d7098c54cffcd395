// The HTTP source against the stand-in's real `git http-backend`: auth, caching, limits, locking.
import { afterAll, beforeAll, describe, expect, test } from "@jest/globals";
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { commitFiles, gitEnv, importCommit, initRepo, push, removeDir, tempDir } from "../helpers/git.js";
import { startStandIn, type StandIn } from "../standin/index.js";
import { appKeys } from "../standin/testing.js";
import nodeHttp from "isomorphic-git/http/node";
import type { GitHttpRequest, HttpClient } from "isomorphic-git/http/node";
import { cacheDirName, GitFetchError, isRetryableFetchError, openHttpObjectSource, type HttpObjectSourceOptions } from "../../src/git/http-source.js";
import { newCommits } from "../../src/git/commit-changes.js";

let standIn: StandIn;
let work: string;
let gitDir: string;
let url: string;
const dirs: string[] = [];
let first: string;
let second: string;
let unreachable: string;

async function dataDir(): Promise<string> {
  const d = await tempDir("vouch-http-data-");
  dirs.push(d);
  return d;
}

function open(options: Partial<HttpObjectSourceOptions> & { dir: string }) {
  return openHttpObjectSource({ url, token: standIn.issueToken(), want: [second], ...options });
}

function uploadPacks(): number {
  return standIn.requests({ method: "POST", pathPrefix: "/acme/http.git/git-upload-pack" }).length;
}

beforeAll(async () => {
  standIn = await startStandIn({ publicKey: appKeys().publicKey });
  gitDir = (await standIn.addRepo({ owner: "acme", name: "http" })).gitDir;
  url = `${standIn.url}/acme/http.git`;
  work = await initRepo();
  first = await commitFiles(work, { "a.txt": "a\n" }, "first");
  second = await commitFiles(work, { "b.txt": "b\n" }, "second");
  await push(work, gitDir, ["main"]);
  // An object that exists on the server but that no ref reaches (like a force-pushed-away commit).
  unreachable = execFileSync("git", ["-C", gitDir, "commit-tree", "-m", "dangling", "-p", second, `${second}^{tree}`], {
    env: gitEnv(),
    encoding: "utf8",
  }).trim();
});

afterAll(async () => {
  for (const d of dirs) await removeDir(d);
  await removeDir(work);
  await standIn.close();
});

describe("openHttpObjectSource", () => {
  test("fetches by object id and by ref name, and resolves each want", async () => {
    const src = await open({ dir: await dataDir(), want: [first, "refs/heads/main", "main"] });
    try {
      expect([...src.resolved.entries()]).toEqual([
        [first, first],
        ["refs/heads/main", second],
        ["main", second],
      ]);
      expect((await src.read(second)).body.toString()).toContain("\nsecond\n");
    } finally {
      await src.close();
    }
  });

  test("without a token the fetch fails with an authentication error", async () => {
    const failure = openHttpObjectSource({ url, dir: await dataDir(), want: [second] });
    await expect(failure).rejects.toBeInstanceOf(GitFetchError);
    await expect(failure).rejects.toMatchObject({ code: "auth", message: expect.stringMatching(/authentication .* failed \(HTTP 401\)/) });
  });

  test("a refused token is an authentication error that never repeats the token", async () => {
    const token = "ghs_canaryTOKENcanaryTOKENcanary000000";
    const error = await openHttpObjectSource({ url, token, dir: await dataDir(), want: [second] }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "auth" });
    expect(JSON.stringify(error, Object.getOwnPropertyNames(error))).not.toContain(token);
    expect(String((error as Error).stack)).not.toContain(token);
  });

  test("credentials inside the URL are refused rather than risk logging them", async () => {
    const withToken = standIn.gitUrl("acme", "http");
    const error = await openHttpObjectSource({ url: withToken, dir: await dataDir(), want: [second] }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "bad_input" });
    expect((error as Error).message).not.toContain(new URL(withToken).password);
  });

  test("an unknown repository, an unknown ref and an unknown or unreachable id are not_found", async () => {
    const dir = await dataDir();
    await expect(openHttpObjectSource({ url: `${standIn.url}/acme/nope.git`, token: standIn.issueToken(), dir, want: [second] })).rejects.toMatchObject({
      code: "not_found",
    });
    await expect(open({ dir, want: ["refs/heads/no-such-branch"] })).rejects.toMatchObject({ code: "not_found" });
    await expect(open({ dir, want: ["0123456789abcdef0123456789abcdef01234567"] })).rejects.toMatchObject({ code: "not_found" });
    // git http-backend serves ids reachable from a ref; GitHub also serves some unreachable ones.
    await expect(open({ dir, want: [unreachable] })).rejects.toMatchObject({ code: "not_found" });
  });

  test("SHA-256 ids and malformed wants are refused before any request", async () => {
    const before = standIn.requests({ pathPrefix: "/acme/http.git" }).length;
    await expect(open({ dir: await dataDir(), want: ["a".repeat(64)] })).rejects.toMatchObject({ code: "unsupported" });
    await expect(open({ dir: await dataDir(), want: ["--upload-pack=evil"] })).rejects.toMatchObject({ code: "bad_input" });
    expect(standIn.requests({ pathPrefix: "/acme/http.git" })).toHaveLength(before);
  });

  test("a response larger than maxBytes aborts the fetch with too_large", async () => {
    const dir = await dataDir();
    await expect(open({ dir, maxBytes: 100 })).rejects.toMatchObject({ code: "too_large" });
    // Nothing half-fetched is left behind: the same cache then serves a normal fetch.
    const packDir = join(dir, "git-cache", cacheDirName(url), "objects", "pack");
    expect(existsSync(packDir) ? readdirSync(packDir) : []).toEqual([]);
    const src = await open({ dir });
    await expect(src.read(first)).resolves.toMatchObject({ type: "commit" });
    await src.close();
  });

  test("read() refuses objects over maxObjectBytes, SHA-256 ids, and reads after close", async () => {
    const src = await open({ dir: await dataDir(), maxObjectBytes: 10 });
    await expect(src.read(second)).rejects.toMatchObject({ code: "too_large" });
    await expect(src.read("b".repeat(64))).rejects.toMatchObject({ code: "bad_id" });
    await src.close();
    await expect(src.read(second)).rejects.toMatchObject({ code: "io" });
  });

  test("the cache is reused: objects already fetched cost no request, a newer head fetches only what is new", async () => {
    const dir = await dataDir();
    const a = await open({ dir, want: [second] });
    await a.close();
    const before = uploadPacks();
    const b = await open({ dir, want: [second, first] });
    await b.close();
    expect(uploadPacks()).toBe(before);

    const third = await commitFiles(work, { "c.txt": "c\n" }, "third");
    await push(work, gitDir, ["main"]);
    const c = await open({ dir, want: [third] });
    try {
      expect(uploadPacks()).toBe(before + 1);
      // The last upload-pack request told the server what we had, so only the new commit came back.
      const packs = execFileSync("sh", ["-c", `ls ${join(c.gitdir, "objects/pack")}/*.pack`], { encoding: "utf8" }).trim().split("\n");
      const counts = packs.map((p) => spawnSync("git", ["verify-pack", "-v", p], { encoding: "utf8", env: gitEnv() }).stdout);
      const newest = counts.find((out) => out.includes(third));
      expect(newest).toBeDefined();
      expect(newest).not.toContain(second);
      expect(await newCommits(c, { head: third, exclude: [second], limit: 10 })).toEqual([third]);
    } finally {
      await c.close();
    }
  });

  test("two evaluations of one repository take turns on its cache directory", async () => {
    const dir = await dataDir();
    const a = await open({ dir });
    const order: string[] = [];
    const b = open({ dir }).then((s) => {
      order.push("b opened");
      return s;
    });
    // However long b waits, it cannot get in before a lets go.
    for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
    order.push("a closing");
    await a.close();
    const opened = await b;
    await opened.close();
    expect(order).toEqual(["a closing", "b opened"]);
    expect(existsSync(join(opened.gitdir, "vouch.lock"))).toBe(false);
  });

  test("a wait that times out gives up its turn without blocking those after it", async () => {
    const dir = await dataDir();
    const a = await open({ dir });
    await expect(open({ dir, lockTimeoutMs: 100 })).rejects.toThrow(/timed out waiting for the git cache lock/);
    const c = open({ dir });
    await a.close();
    await (await c).close();
  });

  test("a lock file left by a dead process is taken over; a live owner's is waited for until the timeout", async () => {
    const dir = await dataDir();
    const gitdir = join(dir, "git-cache", cacheDirName(url));
    await mkdir(gitdir, { recursive: true });
    const dead = spawnSync(process.execPath, ["-e", "process.exit(0)"]).pid;
    await writeFile(join(gitdir, "vouch.lock"), String(dead));
    const src = await open({ dir });
    await src.close();
    await writeFile(join(gitdir, "vouch.lock"), String(process.ppid));
    await expect(open({ dir, lockTimeoutMs: 200 })).rejects.toThrow(/timed out waiting for the git cache lock/);
  });

  test("a shallow fetch stops at the depth, and a walk that needs more history says so", async () => {
    const dir = await dataDir();
    const tip = await importCommit(gitDir, { ref: "deep", from: second, files: { "d.txt": "d\n" }, message: "deep" });
    const src = await open({ dir, want: [tip], depth: 1 });
    try {
      await expect(src.read(tip)).resolves.toMatchObject({ type: "commit" });
      await expect(src.read(second)).rejects.toMatchObject({ code: "missing" });
      await expect(newCommits(src, { head: tip, exclude: [], limit: 10 })).rejects.toMatchObject({ code: "missing" });
    } finally {
      await src.close();
    }
    // A later full fetch into the same cache deepens it instead of stopping at the old boundary.
    const full = await open({ dir, want: [tip] });
    try {
      expect(await newCommits(full, { head: tip, exclude: [], limit: 10 })).toEqual([first, second, tip]);
    } finally {
      await full.close();
    }
    // Once deepened the cache is complete again, and the same want costs no request.
    const before = uploadPacks();
    const again = await open({ dir, want: [tip] });
    await again.close();
    expect(uploadPacks()).toBe(before);
  });

  test("a server that does not answer for idleTimeoutMs is abandoned with a retryable timeout", async () => {
    standIn.failNext({ pathPrefix: "/acme/http.git/", hangMs: 20_000 });
    const started = Date.now();
    const error = await open({ dir: await dataDir(), idleTimeoutMs: 300 }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "timeout" });
    expect((error as Error).message).toMatch(/sent nothing for 300 ms/);
    expect(isRetryableFetchError(error)).toBe(true);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  test("a response that stops in the middle of its body is abandoned too, and leaves no pack behind", async () => {
    // The pack starts to arrive, then nothing more comes: the inner client ignores the abort on purpose.
    const stalling: HttpClient = {
      async request(req: GitHttpRequest) {
        const res = await nodeHttp.request(req);
        if (req.method !== "POST" || !res.body) return res;
        const body = res.body;
        async function* firstChunkOnly(): AsyncGenerator<Uint8Array> {
          for await (const chunk of body) {
            yield chunk.subarray(0, Math.max(1, chunk.length >> 1));
            await new Promise(() => undefined);
          }
        }
        return { ...res, body: firstChunkOnly() };
      },
    };
    const dir = await dataDir();
    await expect(open({ dir, http: stalling, idleTimeoutMs: 300 })).rejects.toMatchObject({ code: "timeout" });
    const packDir = join(dir, "git-cache", cacheDirName(url), "objects", "pack");
    expect(existsSync(packDir) ? readdirSync(packDir) : []).toEqual([]);
  });

  test("a slow server that keeps sending is never cut off: the limit is on silence, not on time", async () => {
    const trickle: HttpClient = {
      async request(req: GitHttpRequest) {
        const res = await nodeHttp.request(req);
        if (!res.body) return res;
        const body = res.body;
        async function* slowly(): AsyncGenerator<Uint8Array> {
          for await (const chunk of body) {
            for (let i = 0; i < chunk.length; i += 64) {
              await new Promise((r) => setTimeout(r, 20));
              yield chunk.subarray(i, i + 64);
            }
          }
        }
        return { ...res, body: slowly() };
      },
    };
    const started = Date.now();
    const src = await open({ dir: await dataDir(), http: trickle, idleTimeoutMs: 150 });
    try {
      expect(Date.now() - started).toBeGreaterThan(150);
      await expect(src.read(second)).resolves.toMatchObject({ type: "commit" });
    } finally {
      await src.close();
    }
  });

  test("which failures are worth a retry: silence, 429 and 5xx; not a refusal or a missing repository", () => {
    expect(isRetryableFetchError(new GitFetchError("x", "timeout"))).toBe(true);
    expect(isRetryableFetchError(new GitFetchError("x", "network", 502))).toBe(true);
    expect(isRetryableFetchError(new GitFetchError("x", "network", 429))).toBe(true);
    expect(isRetryableFetchError(new GitFetchError("x", "network"))).toBe(false);
    expect(isRetryableFetchError(new GitFetchError("x", "auth", 401))).toBe(false);
    expect(isRetryableFetchError(new GitFetchError("x", "not_found", 404))).toBe(false);
    expect(isRetryableFetchError(new Error("x"))).toBe(false);
  });

  test("cache directory names are stable, readable and free of credentials", () => {
    const name = cacheDirName("https://x-access-token:ghs_secret@github.com/acme/widgets.git");
    expect(name).toBe(cacheDirName("https://github.com/acme/widgets.git"));
    expect(name).toMatch(/^acme-widgets-[0-9a-f]{12}\.git$/);
    expect(cacheDirName("https://ghe.example.com/acme/widgets.git")).not.toBe(name);
  });
});
