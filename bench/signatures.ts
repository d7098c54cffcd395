/**
 * Signature verification throughput: Vouch vs `git verify-commit` on the same commits.
 * Builds one repository of signed commits in four groups (OpenPGP and SSH, each with an
 * Ed25519 and an RSA-3072 key; signed in-process and written as loose objects, because signing
 * thousands of commits through git takes minutes), then, for several rounds, verifies each
 * group with Vouch and with git back to back and prints commits/s and the ratio of each round.
 * One untimed warm-up pass on each side comes first (Vouch's JIT, gpg's and git's files in the
 * page cache), so rounds measure the steady state a server or a long `vouch verify` sees.
 * Also measures the bare public-key verification Vouch uses (libsodium for Ed25519,
 * node:crypto for RSA) on one such signature: the ceiling for Vouch.
 *   npx tsx bench/signatures.ts [--commits 8000] [--rounds 5] [--git-sample 2000]
 * Vouch verifies every commit of a group each round; git, at one process per commit, the first
 * git-sample / 4 of them (its cost per commit does not depend on which commits).
 * Both sides use one core: Vouch verifies on one thread (git cat-file feeds it), git runs one
 * verify-commit process at a time. Figures only; no pass/fail.
 */
import { execFileSync } from "node:child_process";
import { createHash, generateKeyPairSync, randomBytes, sign as cryptoSign, verify as cryptoVerify, type KeyObject } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { deflateSync } from "node:zlib";
import { createMessage, generateKey, sign, type PrivateKey } from "openpgp";
import { CatFileSource } from "../src/git/cat-file.js";
import { hashObject } from "../src/git/objects.js";
import { buildTrustStore } from "../src/controls/signatures/trust.js";
import { verifyEd25519 } from "../src/controls/signatures/ed25519.js";
import { verifyRevisions } from "../src/controls/signatures/verify.js";
import { ed25519Key, publicKeyLine, rsaKey, sshsig, type TestKey } from "../test/controls/signatures/sshsig-builder.js";
import { printReport, type BenchReport } from "./stats.js";

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const v = i >= 0 ? Number(process.argv[i + 1]) : fallback;
  return Number.isFinite(v) && v > 0 ? Math.floor(v) : fallback;
}

const seconds = (start: bigint): number => Number(process.hrtime.bigint() - start) / 1e9;
const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? (s[mid] ?? 0) : ((s[mid - 1] ?? 0) + (s[mid] ?? 0)) / 2;
};

type KeyKind = "ed25519" | "rsa-3072";
interface Group {
  format: "openpgp" | "ssh";
  kind: KeyKind;
  ids: string[];
}

export interface Built {
  root: string;
  repo: string;
  gnupg: string;
  allowedSigners: string;
  keyring: string;
  allowedSignersText: string;
  groups: Group[];
}

export async function build(total: number): Promise<Built> {
  const root = mkdtempSync(join(tmpdir(), "vouch-bench-sig-"));
  const repo = join(root, "repo");
  const gnupg = join(root, "gnupg");
  mkdirSync(gnupg, { mode: 0o700 });
  execFileSync("git", ["init", "-q", repo]);
  const tree = execFileSync("git", ["-C", repo, "mktree"], { input: "", encoding: "utf8" }).trim();

  const userIDs = [{ name: "Bench", email: "bench@example.com" }];
  const pgp: Record<KeyKind, PrivateKey> = {
    ed25519: (await generateKey({ type: "ecc", userIDs, format: "object" })).privateKey,
    "rsa-3072": (await generateKey({ type: "rsa", rsaBits: 3072, userIDs, format: "object" })).privateKey,
  };
  const keyring = pgp.ed25519.toPublic().armor() + pgp["rsa-3072"].toPublic().armor();
  execFileSync("gpg", ["--homedir", gnupg, "--batch", "--import"], { input: keyring, stdio: ["pipe", "ignore", "ignore"] });
  const ssh: Record<KeyKind, TestKey> = { ed25519: ed25519Key(), "rsa-3072": rsaKey(3072) };
  const allowedSignersText = Object.values(ssh)
    .map((k) => `bench@example.com ${publicKeyLine(k)}\n`)
    .join("");
  const allowedSigners = join(root, "allowed_signers");
  writeFileSync(allowedSigners, allowedSignersText);

  const groups: Group[] = [];
  for (const format of ["openpgp", "ssh"] as const) for (const kind of ["ed25519", "rsa-3072"] as const) groups.push({ format, kind, ids: [] });
  let parent: string | undefined;
  const base = Math.floor(Date.now() / 1000) - total - 10;
  for (let i = 0; i < total; i++) {
    const group = groups[i % groups.length] as Group;
    const who = `Bench <bench@example.com> ${base + i} +0000`;
    const unsigned = `tree ${tree}\n${parent ? `parent ${parent}\n` : ""}author ${who}\ncommitter ${who}\n\ncommit ${i}\n`;
    const payload = Buffer.from(unsigned);
    const armored = group.format === "openpgp" ? await signOpenPgp(pgp[group.kind], payload) : sshsig(ssh[group.kind], payload);
    const header = `gpgsig ${armored.trimEnd().replace(/\r?\n/g, "\n ")}\n`;
    const body = Buffer.from(unsigned.replace("\n\n", `\n${header}\n`));
    const id = hashObject("commit", body, "sha1");
    const dir = join(repo, ".git", "objects", id.slice(0, 2));
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, id.slice(2)), deflateSync(Buffer.concat([Buffer.from(`commit ${body.length}\0`), body])));
    group.ids.push(id);
    parent = id;
  }
  return { root, repo, gnupg, allowedSigners, keyring, allowedSignersText, groups };
}

/**
 * A detached signature shaped like gpg's for git: creation time and issuer subpackets only.
 * openpgp.js would also add its own random "salt" notation, which gpg never writes and which
 * costs a reader an extra subpacket parse per commit.
 */
async function signOpenPgp(key: PrivateKey, payload: Buffer): Promise<string> {
  return sign({
    message: await createMessage({ binary: new Uint8Array(payload) }),
    signingKeys: key,
    detached: true,
    format: "armored",
    config: { nonDeterministicSignaturesViaNotation: false },
  });
}

export async function vouchRate(b: Built, ids: string[]): Promise<{ rate: number; valid: number }> {
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

/**
 * The bare public-key verification Vouch uses, as each group needs it once per commit: Ed25519
 * with libsodium over a 32-byte digest, with the raw key; RSA PKCS#1 v1.5 with SHA-512 over a
 * commit-sized message with node:crypto and a ready key object. Nothing else (reading,
 * parsing, hashing, trust) is in this figure.
 */
function cryptoFloor(kind: KeyKind, n = 1000): number {
  const keys: { publicKey: KeyObject; privateKey: KeyObject } =
    kind === "ed25519" ? generateKeyPairSync("ed25519") : generateKeyPairSync("rsa", { modulusLength: 3072 });
  const message = kind === "ed25519" ? createHash("sha256").update(randomBytes(600)).digest() : randomBytes(600);
  const algorithm = kind === "ed25519" ? null : "sha512";
  const signature = cryptoSign(algorithm, message, keys.privateKey);
  const raw = kind === "ed25519" ? Buffer.from(keys.publicKey.export({ format: "jwk" }).x ?? "", "base64url") : undefined;
  const start = process.hrtime.bigint();
  if (raw) for (let i = 0; i < n; i++) verifyEd25519(raw, message, signature);
  else for (let i = 0; i < n; i++) cryptoVerify(algorithm, message, keys.publicKey, signature);
  return n / seconds(start);
}

export async function benchSignatures(): Promise<BenchReport[]> {
  const total = Math.max(4, arg("commits", 8000));
  const rounds = arg("rounds", 5);
  const sample = Math.min(total, arg("git-sample", 2000));
  const t0 = process.hrtime.bigint();
  const b = await build(total);
  const buildSeconds = seconds(t0);
  const results = b.groups.map(() => ({ vouch: [] as number[], git: [] as number[], floor: [] as number[], valid: Infinity, good: true, coldVouch: NaN, coldGit: NaN }));
  const perGroup = Math.max(1, Math.floor(sample / b.groups.length));
  try {
    // The warm-up is also the cold first pass, reported on its own.
    for (const [i, group] of b.groups.entries()) {
      const res = results[i];
      const cold = await vouchRate(b, group.ids);
      const coldGit = gitRate(b, group.ids.slice(0, Math.min(perGroup, 100)));
      if (res) [res.coldVouch, res.coldGit] = [cold.rate, coldGit.rate];
    }
    for (let r = 0; r < rounds; r++) {
      for (const [i, group] of b.groups.entries()) {
        const res = results[i];
        if (!res) continue;
        const vouch = await vouchRate(b, group.ids);
        res.floor.push(cryptoFloor(group.kind));
        const git = gitRate(b, group.ids.slice(0, perGroup));
        res.vouch.push(vouch.rate);
        res.git.push(git.rate);
        res.valid = Math.min(res.valid, vouch.valid);
        res.good &&= git.good;
      }
    }
  } finally {
    try {
      execFileSync("gpgconf", ["--homedir", b.gnupg, "--kill", "all"], { stdio: "ignore" });
    } catch {
      // no agent was started
    }
    rmSync(b.root, { recursive: true, force: true });
  }
  return b.groups.map((group, i) => {
    const res = results[i] ?? { vouch: [], git: [], floor: [], valid: 0, good: false, coldVouch: NaN, coldGit: NaN };
    const ratios = res.vouch.map((v, k) => v / (res.git[k] ?? Number.NaN));
    const floorRatios = res.floor.map((f, k) => f / (res.git[k] ?? Number.NaN));
    return {
      name: `signatures: ${group.format} (${group.kind})`,
      figures: {
        commits: group.ids.length,
        "vouch commits/s (median)": median(res.vouch).toFixed(0),
        "vouch valid": `${res.valid}/${group.ids.length}`,
        "git verify-commit commits/s (median)": median(res.git).toFixed(1),
        "git all good": String(res.good),
        "ratio vouch/git per round": ratios.map((x) => x.toFixed(1)).join(", "),
        "ratio vouch/git (median)": median(ratios).toFixed(1),
        [`bare ${group.kind === "ed25519" ? "libsodium" : "node:crypto"} verify/s (median)`]: median(res.floor).toFixed(0),
        "bare verify/git, the ceiling (median)": median(floorRatios).toFixed(1),
        "cold first pass: vouch commits/s, vouch/git": `${res.coldVouch.toFixed(0)}, ${(res.coldVouch / res.coldGit).toFixed(1)}`,
      },
      notes: [
        `corpus of ${total} commits in ${b.groups.length} groups built in ${buildSeconds.toFixed(1)} s; one untimed warm-up pass, then ${rounds} rounds, each Vouch then git on the same commits; target ratio >= 30`,
        `one core each: Vouch on one thread (plus git cat-file), git one verify-commit process at a time with 100 ids per call, on ${perGroup} of the group's commits per round`,
      ],
    };
  });
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  for (const r of await benchSignatures()) printReport(r);
}
