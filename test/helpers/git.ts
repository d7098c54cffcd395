// Real git repositories for tests. Identity and dates are pinned so object ids are reproducible.
import { execFile } from "node:child_process";
import { mkdtemp, mkdir, writeFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { promisify } from "node:util";

const execFileAsync = promisify(execFile);

export interface Person {
  name: string;
  email: string;
}

export const DEFAULT_AUTHOR: Person = { name: "Test Author", email: "author@example.com" };
export const DEFAULT_DATE = "2024-01-01T00:00:00Z";

/** Environment that isolates git from the machine's config and pins identities and dates. */
export function gitEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    HOME: process.env.HOME ?? tmpdir(),
    GIT_CONFIG_NOSYSTEM: "1",
    GIT_CONFIG_GLOBAL: "/dev/null",
    GIT_TERMINAL_PROMPT: "0",
    GIT_AUTHOR_NAME: DEFAULT_AUTHOR.name,
    GIT_AUTHOR_EMAIL: DEFAULT_AUTHOR.email,
    GIT_COMMITTER_NAME: DEFAULT_AUTHOR.name,
    GIT_COMMITTER_EMAIL: DEFAULT_AUTHOR.email,
    GIT_AUTHOR_DATE: DEFAULT_DATE,
    GIT_COMMITTER_DATE: DEFAULT_DATE,
    ...extra,
  };
}

/** Runs git in `cwd`, returning trimmed stdout; the error carries stderr. */
export async function git(cwd: string, args: string[], env: Record<string, string> = {}): Promise<string> {
  try {
    const { stdout } = await execFileAsync("git", args, { cwd, env: gitEnv(env), maxBuffer: 256 * 1024 * 1024 });
    return stdout.trim();
  } catch (error) {
    const e = error as { stderr?: string; message: string };
    throw new Error(`git ${args.join(" ")} failed in ${cwd}: ${e.stderr?.trim() || e.message}`);
  }
}

export async function tempDir(prefix = "vouch-test-"): Promise<string> {
  return mkdtemp(join(tmpdir(), prefix));
}

export async function removeDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
}

/** A fresh non-bare repository whose first branch is `branch` (default `main`). */
export async function initRepo(dir?: string, branch = "main"): Promise<string> {
  const target = dir ?? (await tempDir("vouch-work-"));
  await git(target, ["init", "-q", "-b", branch]);
  return target;
}

export async function initBareRepo(dir: string, branch = "main"): Promise<string> {
  await mkdir(dir, { recursive: true });
  await git(dir, ["init", "-q", "--bare", "-b", branch]);
  return dir;
}

export interface CommitOptions {
  author?: Person;
  committer?: Person;
  /** ISO date used for both author and committer dates. */
  date?: string;
  /** Extra `git commit` arguments, e.g. `["-S"]` with a signing key configured. */
  args?: string[];
  env?: Record<string, string>;
}

/**
 * Writes `files` (path → content; `null` deletes the path), stages everything and commits.
 * Returns the new commit id.
 */
export async function commitFiles(
  dir: string,
  files: Record<string, string | Buffer | null>,
  message: string,
  options: CommitOptions = {},
): Promise<string> {
  for (const [path, content] of Object.entries(files)) {
    const full = join(dir, path);
    if (content === null) {
      await git(dir, ["rm", "-q", "--cached", "--ignore-unmatch", "--", path]);
      await rm(full, { force: true });
    } else {
      await mkdir(dirname(full), { recursive: true });
      await writeFile(full, content);
    }
  }
  await git(dir, ["add", "-A"]);
  const author = options.author ?? DEFAULT_AUTHOR;
  const committer = options.committer ?? author;
  const date = options.date ?? DEFAULT_DATE;
  await git(dir, ["commit", "-q", "--allow-empty", "-m", message, ...(options.args ?? [])], {
    GIT_AUTHOR_NAME: author.name,
    GIT_AUTHOR_EMAIL: author.email,
    GIT_COMMITTER_NAME: committer.name,
    GIT_COMMITTER_EMAIL: committer.email,
    GIT_AUTHOR_DATE: date,
    GIT_COMMITTER_DATE: date,
    ...(options.env ?? {}),
  });
  return revParse(dir, "HEAD");
}

export async function revParse(dir: string, rev: string): Promise<string> {
  return git(dir, ["rev-parse", "--verify", `${rev}^{commit}`]);
}

/** Creates (or resets) `name` at `from` and checks it out. */
export async function branch(dir: string, name: string, from = "HEAD"): Promise<void> {
  await git(dir, ["checkout", "-q", "-B", name, from]);
}

export async function checkout(dir: string, name: string): Promise<void> {
  await git(dir, ["checkout", "-q", name]);
}

/** Pushes `refspecs` to `remote` (a path or URL). */
export async function push(dir: string, remote: string, refspecs: string[], options: { force?: boolean } = {}): Promise<void> {
  await git(dir, ["push", "-q", ...(options.force ? ["--force"] : []), remote, ...refspecs]);
}

/**
 * Commits `files` onto `ref` with `git fast-import`, without a working tree: one process and one
 * pack, so tests can build commits with thousands of files quickly. Works on bare repositories.
 * `from` defaults to the ref's current commit (if any). Returns the new commit id.
 */
export async function importCommit(
  repoDir: string,
  input: { ref: string; files: Record<string, string | Buffer | null>; message: string; from?: string; author?: Person; date?: string },
): Promise<string> {
  const author = input.author ?? DEFAULT_AUTHOR;
  const seconds = Math.floor(Date.parse(input.date ?? DEFAULT_DATE) / 1000);
  const ident = `${author.name} <${author.email}> ${seconds} +0000`;
  const message = Buffer.from(input.message.endsWith("\n") ? input.message : `${input.message}\n`);
  const ref = input.ref.startsWith("refs/") ? input.ref : `refs/heads/${input.ref}`;
  let from = input.from;
  if (from === undefined) {
    try {
      from = await revParse(repoDir, ref);
    } catch {
      from = undefined;
    }
  }
  const parts: Buffer[] = [Buffer.from(`commit ${ref}\nauthor ${ident}\ncommitter ${ident}\ndata ${message.length}\n`), message];
  if (from) parts.push(Buffer.from(`from ${from}\n`));
  for (const [path, content] of Object.entries(input.files)) {
    if (/[\n"]/.test(path)) throw new Error(`unsupported path for importCommit: ${JSON.stringify(path)}`);
    if (content === null) {
      parts.push(Buffer.from(`D ${path}\n`));
    } else {
      const data = Buffer.isBuffer(content) ? content : Buffer.from(content);
      parts.push(Buffer.from(`M 100644 inline ${path}\ndata ${data.length}\n`), data, Buffer.from("\n"));
    }
  }
  parts.push(Buffer.from("\n"));
  await new Promise<void>((resolve, reject) => {
    const child = execFile("git", ["fast-import", "--quiet", "--force"], { cwd: repoDir, env: gitEnv() }, (error, _stdout, stderr) =>
      error ? reject(new Error(`git fast-import failed: ${stderr.trim() || error.message}`)) : resolve(),
    );
    child.stdin?.end(Buffer.concat(parts));
  });
  return revParse(repoDir, ref);
}
