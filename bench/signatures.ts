/**
 * Signature verification throughput: Vouch vs `git verify-commit` on the same commits.
 * Builds a repository of signed commits (half OpenPGP, half SSH; signed in-process and
 * written as loose objects, because signing thousands of commits through git takes minutes),
 * verifies all of them with Vouch, then with git, and prints commits/s and the ratio.
 *   npx tsx bench/signatures.ts [--commits 2000] [--git-sample N]
 * Figures only; no pass/fail.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { deflateSync } from "node:zlib";
import { createMessage, generateKey, sign, type PrivateKey } from "openpgp";
import { CatFileSource } from "../src/git/cat-file.js";
import { hashObject } from "../src/git/objects.js";
import { buildTrustStore } from "../src/controls/signatures/trust.js";
import { verifyRevisions } from "../src/controls/signatures/verify.js";
import { ed25519Key, publicKeyLine, sshsig } from "../test/controls/signatures/sshsig-builder.js";
import { printReport, type BenchReport } from "./stats.js";

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const v = i >= 0 ? Number(process.argv[i + 1]) : fallback;
  return Number.isFinite(v) && v > 0 ? Math.floor(v) : fallback;
}

const seconds = (start: bigint): number => Number(process.hrtime.bigint() - start) / 1e9;

interface Built {
  root: string;
  repo: string;
  gnupg: string;
  allowedSigners: string;
  keyring: string;
  allowedSignersText: string;
  ids: { openpgp: string[]; ssh: string[] };
}

async function build(total: number): Promise<Built> {
  const root = mkdtempSync(join(tmpdir(), "vouch-bench-sig-"));
  const repo = join(root, "repo");
  const gnupg = join(root, "gnupg");
  mkdirSync(gnupg, { mode: 0o700 });
  execFileSync("git", ["init", "-q", repo]);
  const tree = execFileSync("git", ["-C", repo, "mktree"], { input: "", encoding: "utf8" }).trim();

  const { privateKey, publicKey } = await generateKey({ type: "ecc", userIDs: [{ name: "Bench", email: "bench@example.com" }], format: "object" });
  const keyring = publicKey.armor();
  execFileSync("gpg", ["--homedir", gnupg, "--batch", "--import"], { input: keyring, stdio: ["pipe", "ignore", "ignore"] });
  const ssh = ed25519Key();
  const allowedSignersText = `bench@example.com ${publicKeyLine(ssh)}\n`;
  const allowedSigners = join(root, "allowed_signers");
  writeFileSync(allowedSigners, allowedSignersText);

  const ids = { openpgp: [] as string[], ssh: [] as string[] };
  let parent: string | undefined;
  const base = Math.floor(Date.now() / 1000) - total - 10;
  for (let i = 0; i < total; i++) {
    const who = `Bench <bench@example.com> ${base + i} +0000`;
    const unsigned = `tree ${tree}\n${parent ? `parent ${parent}\n` : ""}author ${who}\ncommitter ${who}\n\ncommit ${i}\n`;
    const payload = Buffer.from(unsigned);
    const format = i % 2 === 0 ? "openpgp" : "ssh";
    const armored = format === "openpgp" ? await signOpenPgp(privateKey, payload) : sshsig(ssh, payload);
    const header = `gpgsig ${armored.trimEnd().replace(/\r?\n/g, "\n ")}\n`;
    const body = Buffer.from(unsigned.replace("\n\n", `\n${header}\n`));
    const id = hashObject("commit", body, "sha1");
    const dir = join(repo, ".git", "objects", id.slice(0, 2));
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, id.slice(2)), deflateSync(Buffer.concat([Buffer.from(`commit ${body.length}\0`), body])));
    ids[format].push(id);
    parent = id;
  }
  return { root, repo, gnupg, allowedSigners, keyring, allowedSignersText, ids };
}

async function signOpenPgp(key: PrivateKey, payload: Buffer): Promise<string> {
  return sign({ message: await createMessage({ binary: new Uint8Array(payload) }), signingKeys: key, detached: true, format: "armored" });
}

async function vouchRate(b: Built, ids: string[]): Promise<{ rate: number; valid: number }> {
  const trust = await buildTrustStore({
    openpgpKeyrings: [{ name: "keyring", text: b.keyring }],
    allowedSigners: [{ name: "allowed_signers", text: b.allowedSignersText }],
  });
  const source = new CatFileSource(b.repo);
  const at = new Date(Date.now() + 1000);
  let valid = 0;
  const start = process.hrtime.bigint();
  try {
    for await (const v of verifyRevisions(source, ids, trust, at)) if (v.signature.status === "valid") valid++;
  } finally {
    source.close();
  }
  return { rate: ids.length / seconds(start), valid };
}

function gitRate(b: Built, ids: string[]): { rate: number; good: boolean } {
  const start = process.hrtime.bigint();
  let good = true;
  // Many ids per invocation: the cheapest way to drive git, so the comparison favours git.
  for (let i = 0; i < ids.length; i += 100) {
    try {
      execFileSync("git", ["-C", b.repo, "-c", `gpg.ssh.allowedSignersFile=${b.allowedSigners}`, "verify-commit", ...ids.slice(i, i + 100)], {
        env: { ...process.env, GNUPGHOME: b.gnupg },
        stdio: "ignore",
      });
    } catch {
      good = false;
    }
  }
  return { rate: ids.length / seconds(start), good };
}

export async function benchSignatures(): Promise<BenchReport[]> {
  const total = Math.max(2, arg("commits", 2000));
  const sample = arg("git-sample", total);
  const t0 = process.hrtime.bigint();
  const b = await build(total);
  const buildSeconds = seconds(t0);
  const reports: BenchReport[] = [];
  try {
    for (const format of ["openpgp", "ssh"] as const) {
      const ids = b.ids[format];
      const vouch = await vouchRate(b, ids);
      const gitIds = ids.slice(0, Math.max(1, Math.floor(sample / 2)));
      const git = gitRate(b, gitIds);
      reports.push({
        name: `signatures: ${format}`,
        figures: {
          commits: ids.length,
          "vouch commits/s": vouch.rate.toFixed(0),
          "vouch valid": `${vouch.valid}/${ids.length}`,
          "git verify-commit commits/s": git.rate.toFixed(1),
          "git commits measured": gitIds.length,
          "git all good": String(git.good),
          "ratio (vouch/git)": (vouch.rate / git.rate).toFixed(1),
        },
        notes: [`corpus of ${total} commits built in ${buildSeconds.toFixed(1)} s; target ratio >= 30`],
      });
    }
  } finally {
    try {
      execFileSync("gpgconf", ["--homedir", b.gnupg, "--kill", "all"], { stdio: "ignore" });
    } catch {
      // no agent was started
    }
    rmSync(b.root, { recursive: true, force: true });
  }
  return reports;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  for (const r of await benchSignatures()) printReport(r);
}
