import { describe, test, expect, beforeAll, afterAll } from "@jest/globals";
import { execFileSync } from "node:child_process";
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CatFileSource, gitHasBatchCommand } from "../../src/git/cat-file.js";
import { assertObjectId, hashObject, ObjectReadError, type RawObject } from "../../src/git/objects.js";
import { parseHeaders, parsePerson } from "../../src/git/headers.js";
import { splitSigned, armorFormat } from "../../src/git/signed.js";
import { resolveRevisions } from "../../src/git/revisions.js";

const env = {
  ...process.env,
  GIT_AUTHOR_NAME: "A U Thor",
  GIT_AUTHOR_EMAIL: "author@example.com",
  GIT_COMMITTER_NAME: "C O Mitter",
  GIT_COMMITTER_EMAIL: "committer@example.com",
  GIT_AUTHOR_DATE: "1700000000 +0000",
  GIT_COMMITTER_DATE: "1700000000 +0000",
  GIT_CONFIG_NOSYSTEM: "1",
  GIT_CONFIG_GLOBAL: "/dev/null",
};

function git(dir: string, args: string[], input?: string | Buffer): string {
  return execFileSync("git", ["-C", dir, ...args], { env, input, encoding: "utf8" }).trim();
}

let root: string;
let sha1Repo: string;
let sha256Repo: string;
/** A git that says it is 2.35 (no `cat-file --batch-command`) and logs how it is called. */
let oldGit: string;
let oldGitLog: string;

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), "vouch-git-"));
  sha1Repo = join(root, "sha1");
  sha256Repo = join(root, "sha256");
  execFileSync("git", ["init", "-q", sha1Repo], { env });
  execFileSync("git", ["init", "-q", "--object-format=sha256", sha256Repo], { env });
  for (const repo of [sha1Repo, sha256Repo]) {
    git(repo, ["commit", "-q", "--allow-empty", "-m", "first"]);
    git(repo, ["tag", "-a", "-m", "release", "v1"]);
  }
  oldGit = join(root, "old-git");
  oldGitLog = join(root, "old-git.log");
  writeFileSync(oldGit, `#!/bin/sh\necho "$*" >> '${oldGitLog}'\nif [ "$1" = version ]; then echo "git version 2.35.1"; exit 0; fi\nexec git "$@"\n`);
  chmodSync(oldGit, 0o755);
});

afterAll(() => rmSync(root, { recursive: true, force: true }));

describe("gitHasBatchCommand", () => {
  test("is true for this machine's git (2.36 or later) and false for an older one, which then gets plain --batch", async () => {
    expect(gitHasBatchCommand("git")).toBe(true);
    expect(gitHasBatchCommand(oldGit)).toBe(false);
    expect(gitHasBatchCommand(join(root, "no-such-git"))).toBe(false);
    const src = new CatFileSource(sha1Repo, { git: oldGit });
    try {
      expect((await src.read(git(sha1Repo, ["rev-parse", "HEAD"]))).type).toBe("commit");
    } finally {
      src.close();
    }
    const calls = readFileSync(oldGitLog, "utf8");
    expect(calls).toMatch(/cat-file --batch$/m);
    expect(calls).not.toMatch(/--batch-command/);
  });
});

describe.each([
  ["git cat-file --batch-command --buffer", () => ({})],
  ["git cat-file --batch (git before 2.36)", () => ({ git: oldGit })],
])("CatFileSource over %s", (_mode, gitOption) => {
  test("serves many reads made in one tick and across ticks, in order", async () => {
    const src = new CatFileSource(sha1Repo, gitOption());
    try {
      const head = git(sha1Repo, ["rev-parse", "HEAD"]);
      const tag = git(sha1Repo, ["rev-parse", "v1"]);
      const ids = Array.from({ length: 300 }, (_, i) => (i % 3 === 0 ? tag : head));
      const first = await Promise.all(ids.map((id) => src.read(id)));
      expect(first.map((o) => o.id)).toEqual(ids);
      for (const id of ids.slice(0, 5)) expect((await src.read(id)).id).toBe(id);
    } finally {
      src.close();
    }
  });

  test.each([
    ["sha1", 40],
    ["sha256", 64],
  ])("reads and re-hashes commits and tags in a %s repository", async (kind, len) => {
    const repo = kind === "sha1" ? sha1Repo : sha256Repo;
    const src = new CatFileSource(repo, gitOption());
    try {
      const commitId = git(repo, ["rev-parse", "HEAD"]);
      const tagId = git(repo, ["rev-parse", "v1"]);
      expect(commitId).toHaveLength(len);
      const [commit, tag] = await Promise.all([src.read(commitId), src.read(tagId)]);
      expect(commit.type).toBe("commit");
      expect(tag.type).toBe("tag");
      expect(commit.body.toString()).toBe(git(repo, ["cat-file", "commit", commitId]) + "\n");
      expect(hashObject("commit", commit.body, kind as "sha1" | "sha256")).toBe(commitId);
    } finally {
      src.close();
    }
  });

  test("rejects a missing object and keeps serving later reads", async () => {
    const src = new CatFileSource(sha1Repo, gitOption());
    try {
      const missing = src.read("0".repeat(40));
      await expect(missing).rejects.toMatchObject({ code: "missing" });
      const ok = await src.read(git(sha1Repo, ["rev-parse", "HEAD"]));
      expect(ok.type).toBe("commit");
    } finally {
      src.close();
    }
  });

  test("rejects ids that are not full hex object ids without asking git", async () => {
    const src = new CatFileSource(sha1Repo);
    await expect(src.read("HEAD")).rejects.toBeInstanceOf(ObjectReadError);
    await expect(src.read("abc\n" + "0".repeat(40))).rejects.toMatchObject({ code: "bad_id" });
    src.close();
  });

  test("refuses objects above the size bound without failing the stream", async () => {
    const blob = git(sha1Repo, ["hash-object", "-w", "--stdin"], "x".repeat(5000));
    const src = new CatFileSource(sha1Repo, { ...gitOption(), maxObjectBytes: 1000 });
    try {
      await expect(src.read(blob)).rejects.toMatchObject({ code: "too_large" });
      expect((await src.read(git(sha1Repo, ["rev-parse", "HEAD"]))).type).toBe("commit");
    } finally {
      src.close();
    }
  });

  test("fails reads cleanly when the repository does not exist", async () => {
    const src = new CatFileSource(join(root, "nope"), gitOption());
    await expect(src.read("1".repeat(40))).rejects.toBeInstanceOf(ObjectReadError);
    src.close();
  });
});

describe("assertObjectId", () => {
  test("rejects bytes that do not hash to the claimed id", () => {
    const body = Buffer.from("tree 4b825dc642cb6eb9a060e54bf8d69288fbee4904\ncommitter a <a@b> 1 +0000\n\nm\n");
    const id = hashObject("commit", body, "sha1");
    expect(() => assertObjectId({ id, type: "commit", body })).not.toThrow();
    const tampered = Buffer.from(body);
    tampered[tampered.length - 2] = 0x6e;
    expect(() => assertObjectId({ id, type: "commit", body: tampered })).toThrow(/hashes to/);
    expect(() => assertObjectId({ id, type: "tag", body })).toThrow(ObjectReadError);
  });
});

describe("parseHeaders", () => {
  test("joins continuation lines and stops at the first empty line", () => {
    const body = Buffer.from("a 1\nb first\n second\n \n third\nc 3\n\nmsg\nx y\n");
    const { fields, messageStart } = parseHeaders(body);
    expect(fields.map((f) => f.name)).toEqual(["a", "b", "c"]);
    expect(fields[1]?.value.toString()).toBe("first\nsecond\n\nthird\n");
    expect(body.subarray(messageStart).toString()).toBe("msg\nx y\n");
  });

  test("rejects a continuation line with nothing to continue", () => {
    expect(() => parseHeaders(Buffer.from(" oops\n\n"))).toThrow(/continuation/);
  });

  test("parses people and refuses garbage", () => {
    expect(parsePerson("C O Mitter <c@example.com> 1700000000 +0100")).toEqual({
      name: "C O Mitter",
      email: "c@example.com",
      timestamp: 1700000000,
      tz: "+0100",
    });
    expect(parsePerson("no email 12 +0000")).toBeUndefined();
  });
});

describe("splitSigned", () => {
  const sig = "-----BEGIN SSH SIGNATURE-----\nAAAA\n-----END SSH SIGNATURE-----\n";
  const indented = sig.replace(/\n(?!$)/g, "\n ");
  const commitWith = (headers: string): RawObject => {
    const body = Buffer.from(`tree ${"4b825dc642cb6eb9a060e54bf8d69288fbee4904"}\nparent ${"1".repeat(40)}\n` +
      `author A <a@example.com> 1 +0000\ncommitter C <c@example.com> 1 +0000\n${headers}\nmessage\r\n\xff\n`, "latin1");
    return { id: hashObject("commit", body, "sha1"), type: "commit", body };
  };

  test("removes gpgsig and gpgsig-sha256 and returns the native signature byte-exact", () => {
    const raw = commitWith(`encoding ISO-8859-1\ngpgsig ${indented}gpgsig-sha256 ${indented}x-unknown keep\n`);
    const s = splitSigned(raw);
    expect(s.signatures.map((b) => b.toString())).toEqual([sig]);
    expect(s.otherSignatures).toHaveLength(1);
    const expected = commitWith("encoding ISO-8859-1\nx-unknown keep\n").body;
    expect(s.payload.equals(expected)).toBe(true);
    expect(s.signer?.email).toBe("c@example.com");
    expect(s.parents).toEqual(["1".repeat(40)]);
  });

  test("counts two signature headers, and two armored blocks in one header, as several signatures", () => {
    expect(splitSigned(commitWith(`gpgsig ${indented}gpgsig ${indented}`)).signatures).toHaveLength(2);
    const twoBlocks = (sig + sig).replace(/\n(?!$)/g, "\n ");
    expect(splitSigned(commitWith(`gpgsig ${twoBlocks}`)).signatures).toHaveLength(2);
  });

  test("splits a tag's trailing signature block off and detects the armor format", () => {
    const head = `object ${"2".repeat(40)}\ntype commit\ntag v1\ntagger T <t@example.com> 1 +0000\n\nrelease\n`;
    const body = Buffer.from(head + sig);
    const s = splitSigned({ id: hashObject("tag", body, "sha1"), type: "tag", body });
    expect(s.payload.toString()).toBe(head);
    expect(s.signatures.map(String)).toEqual([sig]);
    expect(armorFormat(s.signatures[0] ?? Buffer.alloc(0))).toBe("ssh");
    expect(s.target).toBe("2".repeat(40));
    const two = Buffer.from(head + sig + sig);
    expect(splitSigned({ id: hashObject("tag", two, "sha1"), type: "tag", body: two }).signatures).toHaveLength(2);
  });

  test("extracts mergetag headers as embedded tag objects", () => {
    const tag = `object ${"1".repeat(40)}\ntype commit\ntag v1\ntagger T <t@example.com> 1 +0000\n\nrel\n${sig}`;
    const raw = commitWith(`mergetag ${tag.replace(/\n(?!$)/g, "\n ")}`);
    const [embedded] = splitSigned(raw).mergetags;
    expect(embedded?.body.toString()).toBe(tag);
    expect(embedded?.id).toBe(hashObject("tag", Buffer.from(tag), "sha1"));
  });

  test("rejects structurally broken objects", () => {
    const body = Buffer.from("committer C <c@example.com> 1 +0000\n\nm\n");
    expect(() => splitSigned({ id: hashObject("commit", body, "sha1"), type: "commit", body })).toThrow(/tree/);
    const blob = Buffer.from("x");
    expect(() => splitSigned({ id: hashObject("blob", blob, "sha1"), type: "blob", body: blob })).toThrow();
  });

  test("the payload of a real signed commit equals the same commit made unsigned", () => {
    // git commit-tree with a fixed date produces identical content, so the only difference is the signature header.
    const tree = git(sha1Repo, ["rev-parse", "HEAD^{tree}"]);
    const unsigned = git(sha1Repo, ["commit-tree", tree, "-m", "same"]);
    const body = Buffer.from(git(sha1Repo, ["cat-file", "commit", unsigned]) + "\n");
    const signedBody = Buffer.from(body.toString().replace("\n\nsame", `\ngpgsig ${indented}\nsame`));
    const s = splitSigned({ id: hashObject("commit", signedBody, "sha1"), type: "commit", body: signedBody });
    expect(s.payload.equals(body)).toBe(true);
  });
});

describe("resolveRevisions", () => {
  test("names annotated tags themselves and expands ranges", async () => {
    git(sha1Repo, ["commit", "-q", "--allow-empty", "-m", "second"]);
    const ids = await resolveRevisions(sha1Repo, ["v1", "v1..HEAD"]);
    expect(ids).toEqual([git(sha1Repo, ["rev-parse", "v1"]), git(sha1Repo, ["rev-parse", "HEAD"])]);
    await expect(resolveRevisions(sha1Repo, ["--all"])).rejects.toThrow(/may not start/);
    await expect(resolveRevisions(sha1Repo, ["no-such-ref"])).rejects.toThrow();
  });
});

describe("CatFileSource parsing", () => {
  test("reads objects whose headers and bodies arrive split into pieces of a few bytes", async () => {
    // git's output is passed on 3 bytes at a time, 1 ms apart, so headers and bodies straddle reads.
    const chopper = join(root, "chopped-git");
    const pass = `let q=Buffer.alloc(0),done=false;process.stdin.on("data",d=>{q=Buffer.concat([q,d])}).on("end",()=>{done=true});(function tick(){if(q.length){process.stdout.write(q.subarray(0,3));q=q.subarray(3)}if(!done||q.length)setTimeout(tick,1)})()`;
    writeFileSync(chopper, `#!/bin/sh\nif [ "$1" = version ]; then exec git "$@"; fi\ngit "$@" | '${process.execPath}' -e '${pass}'\n`);
    chmodSync(chopper, 0o755);
    const src = new CatFileSource(sha1Repo, { git: chopper });
    try {
      const ids = [git(sha1Repo, ["rev-parse", "HEAD"]), git(sha1Repo, ["rev-parse", "v1"]), "0".repeat(40), git(sha1Repo, ["rev-parse", "HEAD^{tree}"])];
      const got = await Promise.allSettled(ids.map((id) => src.read(id)));
      expect(got.map((g) => (g.status === "fulfilled" ? g.value.type : (g.reason as ObjectReadError).code))).toEqual(["commit", "tag", "missing", "tree"]);
      for (const g of got) if (g.status === "fulfilled") expect(g.value.body.toString("latin1")).toBe(execFileSync("git", ["-C", sha1Repo, "cat-file", g.value.type, g.value.id], { env, encoding: "latin1" }));
    } finally {
      src.close();
    }
  });
});

describe("CatFileSource lifecycle", () => {
  test("closing with reads in flight rejects them, and the source can be used again", async () => {
    const src = new CatFileSource(sha1Repo);
    const head = git(sha1Repo, ["rev-parse", "HEAD"]);
    const inFlight = src.read(head);
    src.close();
    await expect(inFlight).rejects.toMatchObject({ code: "io" });
    expect((await src.read(head)).id).toBe(head);
    const many = await Promise.all(Array.from({ length: 50 }, () => src.read(head)));
    expect(new Set(many.map((o) => o.id))).toEqual(new Set([head]));
    src.close();
  });
});
