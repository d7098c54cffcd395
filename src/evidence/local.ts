/**
 * Evidence from a local clone, for `vouch verify`: the same `Evidence` the GitHub adapter builds,
 * gathered with the `git` command line. Only reads the repository; never changes it.
 */
import { execFile } from "node:child_process";
import { basename } from "node:path";
import { promisify } from "node:util";
import type { TrustStore } from "../controls/signatures/trust.js";
import { signatureEvidence } from "../controls/signatures/evidence.js";
import { CatFileSource } from "../git/cat-file.js";
import { ObjectReadError } from "../git/objects.js";
import { CODEOWNERS_PATHS, parseCodeowners } from "../policy/codeowners.js";
import type { CodeownersEvidence } from "./codeowners.js";
import {
  EVIDENCE_SCHEMA,
  type ChangedFile,
  type Evidence,
  type FileStatus,
  type SignatureEvidence,
  type TrustedKeyEvidence,
} from "./types.js";

const run = promisify(execFile);

/** A git command failed or a revision could not be resolved: bad input, not a violation. */
export class LocalGitError extends Error {}

export async function git(repo: string, args: string[], options: { allowFailure?: boolean } = {}): Promise<string | null> {
  try {
    const { stdout } = await run("git", ["-C", repo, ...args], {
      maxBuffer: 256 * 1024 * 1024,
      encoding: "utf8",
      // Never prompt, and never let the user's pager or external diff tools run.
      env: { ...process.env, GIT_TERMINAL_PROMPT: "0", GIT_PAGER: "cat", GIT_EXTERNAL_DIFF: "" },
    });
    return stdout;
  } catch (error) {
    if (options.allowFailure) return null;
    const stderr = (error as { stderr?: string }).stderr?.trim().split("\n")[0];
    throw new LocalGitError(`git ${args[0]} failed: ${stderr || (error as Error).message}`);
  }
}

export interface LocalRange {
  /** As the user wrote it: REV, A..B or A...B. */
  spec: string;
  /** Null for a root commit: everything in it is new. */
  base: string | null;
  head: string;
}

async function resolveCommit(repo: string, rev: string): Promise<string> {
  // A revision that looks like an option could smuggle flags into git.
  if (rev.startsWith("-") || rev.length === 0) throw new LocalGitError(`not a revision: "${rev}"`);
  const out = await git(repo, ["rev-parse", "--verify", "--quiet", "--end-of-options", `${rev}^{commit}`], { allowFailure: true });
  if (!out) throw new LocalGitError(`unknown revision "${rev}" in ${repo}`);
  return out.trim();
}

/** REV means the commit against its first parent; A..B the tree change from A to B; A...B from their merge base. */
export async function resolveRange(repo: string, spec: string): Promise<LocalRange> {
  const three = spec.split("...");
  if (three.length === 2) {
    const [a, b] = [await resolveCommit(repo, three[0] || "HEAD"), await resolveCommit(repo, three[1] || "HEAD")];
    const mb = await git(repo, ["merge-base", a, b], { allowFailure: true });
    if (!mb) throw new LocalGitError(`${spec}: the two revisions have no common ancestor`);
    return { spec, base: mb.trim(), head: b };
  }
  const two = spec.split("..");
  if (two.length === 2) {
    return { spec, base: await resolveCommit(repo, two[0] || "HEAD"), head: await resolveCommit(repo, two[1] || "HEAD") };
  }
  if (two.length > 2) throw new LocalGitError(`not a revision or range: "${spec}"`);
  const head = await resolveCommit(repo, spec);
  const parent = await git(repo, ["rev-parse", "--verify", "--quiet", `${head}^1`], { allowFailure: true });
  return { spec, base: parent ? parent.trim() : null, head };
}

const STATUS: Record<string, FileStatus> = {
  A: "added",
  M: "modified",
  D: "removed",
  R: "renamed",
  C: "copied",
  T: "changed",
};

/** Parses `git diff --name-status -z` output: `S\0path\0`, or `Rnnn\0old\0new\0` for renames and copies. */
export function parseNameStatus(out: string): ChangedFile[] {
  const parts = out.split("\0");
  const files: ChangedFile[] = [];
  for (let i = 0; i < parts.length; ) {
    const code = parts[i++];
    if (!code) continue;
    const letter = code[0]!;
    const status = STATUS[letter] ?? "changed";
    if (letter === "R" || letter === "C") {
      const previousPath = parts[i++];
      const path = parts[i++];
      if (!previousPath || !path) throw new LocalGitError("truncated git diff output");
      files.push({ path, previousPath, status });
    } else {
      const path = parts[i++];
      if (!path) throw new LocalGitError("truncated git diff output");
      files.push({ path, status });
    }
  }
  return files;
}

export async function changedFiles(repo: string, range: LocalRange): Promise<ChangedFile[]> {
  const base = range.base ?? (await emptyTree(repo));
  const out = await git(repo, ["diff", "--no-ext-diff", "--no-textconv", "--name-status", "-z", "-M", base, range.head, "--"]);
  return parseNameStatus(out ?? "");
}

async function emptyTree(repo: string): Promise<string> {
  // The empty tree's id depends on the repository's hash algorithm (sha1 or sha256).
  const out = await git(repo, ["hash-object", "-t", "tree", "/dev/null"]);
  return (out ?? "").trim();
}

/** The branch HEAD points at, e.g. `refs/heads/main`; null when HEAD is detached. */
export async function currentRef(repo: string): Promise<string | null> {
  const out = await git(repo, ["symbolic-ref", "-q", "HEAD"], { allowFailure: true });
  return out ? out.trim() : null;
}

/** A file's exact bytes at a revision, or null when it does not exist there. */
export async function readAtRevision(repo: string, rev: string, path: string): Promise<string | null> {
  const exists = await git(repo, ["cat-file", "-e", `${rev}:${path}`], { allowFailure: true });
  if (exists === null) return null;
  let bytes: Buffer;
  try {
    ({ stdout: bytes } = await run("git", ["-C", repo, "cat-file", "blob", `${rev}:${path}`], {
      encoding: "buffer",
      maxBuffer: 16 * 1024 * 1024,
    }));
  } catch {
    throw new LocalGitError(`cannot read ${path} at ${rev}`);
  }
  try {
    // Strict decoding: the policy digest must be over the file's exact bytes.
    return new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    throw new LocalGitError(`${path} at ${rev} is not valid UTF-8`);
  }
}

/** `owner/name` from a GitHub remote, else the directory name. Never echoes the URL (it may hold a token). */
export async function repositoryName(repo: string): Promise<string> {
  const url = (await git(repo, ["config", "--get", "remote.origin.url"], { allowFailure: true }))?.trim() ?? "";
  const m = /github\.com[:/]([^/]+)\/([^/]+?)(?:\.git)?\/?$/.exec(url);
  if (m) return `${m[1]}/${m[2]}`;
  const top = (await git(repo, ["rev-parse", "--show-toplevel"]))?.trim() ?? repo;
  return basename(top);
}

export interface LocalEvidenceOptions {
  /** The ref the change lands on; defaults to the branch HEAD points at. */
  ref: string;
  now?: Date;
  /** Signature verdicts of the range's objects, when they were verified. */
  signatures?: SignatureEvidence;
}

export async function localEvidence(repo: string, range: LocalRange, options: LocalEvidenceOptions): Promise<Evidence> {
  const [files, fullName] = await Promise.all([changedFiles(repo, range), repositoryName(repo)]);
  return {
    schema: EVIDENCE_SCHEMA,
    repository: { id: null, fullName },
    observedAt: (options.now ?? new Date()).toISOString(),
    change: {
      kind: "local",
      ref: options.ref,
      baseSha: range.base,
      headSha: range.head,
      files,
      filesComplete: true,
    },
    gaps: [],
    ...(options.signatures ? { signatures: options.signatures } : {}),
  };
}

/** The CODEOWNERS file GitHub would use at a revision (the first of its three locations), parsed. */
export async function localCodeowners(repo: string, rev: string, ref: string): Promise<CodeownersEvidence> {
  for (const path of CODEOWNERS_PATHS) {
    const text = await readAtRevision(repo, rev, path);
    if (text === null) continue;
    const sha = (await git(repo, ["rev-parse", "--verify", "--quiet", `${rev}:${path}`], { allowFailure: true }))?.trim();
    return { path, ref, ...(sha ? { sha } : {}), ...parseCodeowners(text) };
  }
  return { path: null, ref, rules: [], errors: [] };
}

/**
 * The objects whose signatures a range stands for: for `REV`, that one object (an annotated tag
 * itself, so its own signature is checked, or a commit); for `A..B` and `A...B`, every commit
 * reachable from the head and not from the base, newest first.
 */
export async function rangeObjects(repo: string, range: LocalRange): Promise<string[]> {
  if (!range.spec.includes("..")) {
    const out = await git(repo, ["rev-parse", "--verify", "--quiet", "--end-of-options", `${range.spec}^{object}`], { allowFailure: true });
    if (!out) throw new LocalGitError(`unknown revision "${range.spec}" in ${repo}`);
    return [out.trim()];
  }
  const out = await git(repo, ["rev-list", range.base ? `${range.base}..${range.head}` : range.head, "--"]);
  return (out ?? "").split("\n").filter((l) => l.length > 0);
}

/**
 * Verifies `ids` in a local clone at the trusted time `at` and records the verdicts, with each
 * object's committer (tagger) so findings can name them. Missing objects are input errors.
 */
export async function localSignatureEvidence(repo: string, ids: readonly string[], trust: TrustStore, at: Date, keys: TrustedKeyEvidence[]): Promise<SignatureEvidence> {
  const cat = new CatFileSource(repo);
  try {
    return await signatureEvidence(cat, ids, trust, at, keys);
  } catch (error) {
    if (error instanceof ObjectReadError) throw new LocalGitError(`cannot read object: ${error.message}`);
    throw error;
  } finally {
    cat.close();
  }
}
