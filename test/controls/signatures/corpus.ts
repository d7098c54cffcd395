/**
 * Builds a signed-object corpus at test time with the real git, gpg and ssh-keygen: every
 * signature status Vouch reports, in a SHA-1 and a SHA-256 repository. Not a test file itself.
 */
import { execFileSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { SignatureStatus } from "../../../src/controls/signatures/types.js";

export interface CorpusObject {
  name: string;
  repo: string;
  id: string;
  type: "commit" | "tag";
  /** What Vouch must say at `now` with identity binding on. */
  expected: SignatureStatus;
}

export interface Corpus {
  root: string;
  sha1Repo: string;
  sha256Repo: string;
  objects: CorpusObject[];
  /** Armored public keys Vouch and git trust (not the untrusted one). */
  keyring: string;
  allowedSigners: string;
  allowedSignersPath: string;
  /** GNUPGHOME holding only the trusted public keys, for `git verify-*`. */
  verifyHome: string;
  /** Armored public keys, by name, for policy identities. */
  publicKeys: Record<string, string>;
  sshPublicKeys: Record<string, string>;
  /** Signs arbitrary bytes as git would with the named SSH key (ssh-keygen -Y sign -n git). */
  signSsh(payload: Buffer, keyName: string): string;
  env: NodeJS.ProcessEnv;
  cleanup(): void;
}

const GPG = ["--batch", "--pinentry-mode", "loopback", "--passphrase", ""];

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv, input?: string | Buffer): string {
  return execFileSync(cmd, args, { env, input, encoding: "utf8", stdio: ["pipe", "pipe", "pipe"] }).trim();
}

function fingerprint(home: string, uid: string, env: NodeJS.ProcessEnv): string {
  const out = run("gpg", ["--homedir", home, "--with-colons", "--list-keys", uid], env);
  const fpr = out.split("\n").find((l) => l.startsWith("fpr:"));
  return fpr?.split(":")[9] ?? "";
}

export interface BuildOptions {
  /** Only a few valid objects (for fuzzing), skipping the slow and negative cases. */
  small?: boolean;
}

export function buildCorpus(options: BuildOptions = {}): Corpus {
  const root = mkdtempSync(join(tmpdir(), "vouch-sig-"));
  try {
    return build(root, options);
  } catch (e) {
    // Do not leave gpg agents and key material behind when a build step fails.
    cleanupRoot(root);
    throw e;
  }
}

function cleanupRoot(root: string): void {
  for (const home of ["gpg-sign", "gpg-verify"]) {
    try {
      execFileSync("gpgconf", ["--homedir", join(root, home), "--kill", "all"], { stdio: "ignore" });
    } catch {
      // no agent running there
    }
  }
  rmSync(root, { recursive: true, force: true });
}

function build(root: string, options: BuildOptions): Corpus {
  const signHome = join(root, "gpg-sign");
  const verifyHome = join(root, "gpg-verify");
  mkdirSync(signHome, { mode: 0o700 });
  mkdirSync(verifyHome, { mode: 0o700 });
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: root,
    GNUPGHOME: signHome,
    GIT_CONFIG_NOSYSTEM: "1",
    GIT_CONFIG_GLOBAL: "/dev/null",
    GIT_AUTHOR_NAME: "A U Thor",
    GIT_AUTHOR_EMAIL: "author@example.com",
    LC_ALL: "C",
    TZ: "UTC",
  };
  const gpg = (args: string[], input?: string): string => run("gpg", ["--homedir", signHome, ...GPG, ...args], env, input);

  // OpenPGP keys: Alice signs with an ed25519 subkey; Rob with an RSA primary key; Eve's key
  // expired in 2021 (made and used with a faked clock); Rev gets hard-revoked after signing;
  // Mallory is never trusted.
  gpg(["--quick-gen-key", "Alice <alice@example.com>", "ed25519", "cert", "never"]);
  const alice = fingerprint(signHome, "alice@example.com", env);
  gpg(["--quick-add-key", alice, "ed25519", "sign", "never"]);
  gpg(["--quick-gen-key", "Mallory <mallory@example.com>", "ed25519", "sign", "never"]);
  const mallory = fingerprint(signHome, "mallory@example.com", env);
  let rob = "";
  let eve = "";
  let rev = "";
  if (!options.small) {
    gpg(["--quick-gen-key", "Rob <rob@example.com>", "rsa2048", "sign", "never"]);
    rob = fingerprint(signHome, "rob@example.com", env);
    gpg(["--faked-system-time", "20200101T000000", "--quick-gen-key", "Eve <eve@example.com>", "ed25519", "sign", "1y"]);
    eve = fingerprint(signHome, "eve@example.com", env);
    gpg(["--quick-gen-key", "Rev <rev@example.com>", "ed25519", "sign", "never"]);
    rev = fingerprint(signHome, "rev@example.com", env);
  }
  // gpg.program wrappers: one signs with SHA-1, one with a clock in 2020.
  const sha1Gpg = join(root, "gpg-sha1");
  writeFileSync(sha1Gpg, `#!/bin/sh\nexec gpg --digest-algo SHA1 "$@"\n`);
  const pastGpg = join(root, "gpg-past");
  writeFileSync(pastGpg, `#!/bin/sh\nexec gpg --faked-system-time 20200102T000000 "$@"\n`);
  chmodSync(sha1Gpg, 0o755);
  chmodSync(pastGpg, 0o755);

  // SSH keys.
  const sshKeys: Record<string, string> = {};
  const sshPublicKeys: Record<string, string> = {};
  const sshTypes: Array<[string, string[]]> = options.small
    ? [["ed25519", ["-t", "ed25519"]]]
    : [
        ["ed25519", ["-t", "ed25519"]],
        ["p256", ["-t", "ecdsa", "-b", "256"]],
        ["p384", ["-t", "ecdsa", "-b", "384"]],
        ["p521", ["-t", "ecdsa", "-b", "521"]],
        ["rsa", ["-t", "rsa", "-b", "2048"]],
        ["stranger", ["-t", "ed25519"]],
        ["retired", ["-t", "ed25519"]],
        ["filesonly", ["-t", "ed25519"]],
      ];
  for (const [name, args] of sshTypes) {
    const path = join(root, `ssh-${name}`);
    run("ssh-keygen", ["-q", ...args, "-N", "", "-C", `${name}-key`, "-f", path], env);
    sshKeys[name] = path;
    sshPublicKeys[name] = readFileSync(`${path}.pub`, "utf8").trim();
  }
  const allowedLines = Object.entries(sshPublicKeys)
    .filter(([name]) => name !== "stranger")
    .map(([name, pub]) => {
      if (name === "retired") return `"${name}@example.com" valid-before="20200101" ${pub}`;
      if (name === "filesonly") return `${name}@example.com namespaces="file" ${pub}`;
      return `${name}@example.com,*@ssh.example.org namespaces="git" ${pub}`;
    });
  const allowedSigners = `# trusted SSH signers\n${allowedLines.join("\n")}\n`;
  const allowedSignersPath = join(root, "allowed_signers");
  writeFileSync(allowedSignersPath, allowedSigners);

  const sha1Repo = join(root, "repo-sha1");
  const sha256Repo = join(root, "repo-sha256");
  run("git", ["init", "-q", "-b", "main", sha1Repo], env);
  run("git", ["init", "-q", "-b", "main", "--object-format=sha256", sha256Repo], env);

  const objects: CorpusObject[] = [];
  let tick = 0;
  interface Signer {
    format: "openpgp" | "ssh" | null;
    key?: string;
    program?: string;
    email: string;
  }
  const signConfig = (s: Signer): string[] =>
    s.format === null
      ? []
      : [
          "-c",
          `gpg.format=${s.format}`,
          "-c",
          `user.signingkey=${s.key ?? ""}`,
          ...(s.program ? ["-c", `gpg.program=${s.program}`] : []),
        ];
  const gitEnv = (s: Signer, date?: string): NodeJS.ProcessEnv => {
    tick++;
    const when = date ?? `${1_700_000_000 + tick * 60} +0000`;
    return { ...env, GIT_COMMITTER_NAME: "Signer", GIT_COMMITTER_EMAIL: s.email, GIT_COMMITTER_DATE: when, GIT_AUTHOR_DATE: when };
  };
  const commit = (repo: string, s: Signer, message: string, date?: string): string => {
    run("git", ["-C", repo, ...signConfig(s), "commit", "-q", "--allow-empty", ...(s.format ? ["-S"] : []), "-m", message], gitEnv(s, date));
    return run("git", ["-C", repo, "rev-parse", "HEAD"], env);
  };
  const add = (name: string, repo: string, id: string, type: "commit" | "tag", expected: SignatureStatus): string => {
    objects.push({ name, repo, id, type, expected });
    return id;
  };
  const catFile = (repo: string, type: string, id: string): string => execFileSync("git", ["-C", repo, "cat-file", type, id], { env, encoding: "latin1" });
  const writeObject = (repo: string, type: string, body: string): string =>
    execFileSync("git", ["-C", repo, "hash-object", "-t", type, "-w", "--stdin", "--literally"], { env, input: Buffer.from(body, "latin1"), encoding: "utf8" }).trim();

  const aliceS: Signer = { format: "openpgp", key: alice, email: "alice@example.com" };
  const sshS = (name: string, email = `${name}@example.com`): Signer => ({ format: "ssh", key: sshKeys[name], email });

  for (const repo of options.small ? [sha1Repo] : [sha1Repo, sha256Repo]) {
    const tag = repo === sha1Repo ? "" : "-sha256";
    add(`openpgp-subkey${tag}`, repo, commit(repo, aliceS, "signed by alice's subkey"), "commit", "valid");
    add(`ssh-ed25519${tag}`, repo, commit(repo, sshS("ed25519"), "signed with ssh ed25519\n\nbody line\r\nwith CR"), "commit", "valid");
    if (repo === sha256Repo) {
      run("git", ["-C", repo, ...signConfig(aliceS), "tag", "-s", "-m", "sha256 release", "v1-sha256"], gitEnv(aliceS));
      add("tag-openpgp-sha256", repo, run("git", ["-C", repo, "rev-parse", "v1-sha256"], env), "tag", "valid");
    }
  }
  if (!options.small) {
    const repo = sha1Repo;
    add("openpgp-rsa", repo, commit(repo, { format: "openpgp", key: rob, email: "rob@example.com" }, "rob"), "commit", "valid");
    add("openpgp-untrusted", repo, commit(repo, { format: "openpgp", key: mallory, email: "mallory@example.com" }, "untrusted"), "commit", "unknown_key");
    add("openpgp-mismatch", repo, commit(repo, { ...aliceS, email: "bob@example.com" }, "alice signs as bob"), "commit", "identity_mismatch");
    add("openpgp-sha1", repo, commit(repo, { ...aliceS, program: sha1Gpg }, "sha1 digest"), "commit", "weak_algorithm");
    add("openpgp-expired", repo, commit(repo, { format: "openpgp", key: eve, email: "eve@example.com", program: pastGpg }, "made in 2020", "1577923200 +0000"), "commit", "expired_key");
    const revoked = add("openpgp-revoked", repo, commit(repo, { format: "openpgp", key: rev, email: "rev@example.com" }, "later revoked"), "commit", "revoked_key");
    void revoked;
    for (const name of ["p256", "p384", "p521", "rsa"]) add(`ssh-${name}`, repo, commit(repo, sshS(name), `ssh ${name}`), "commit", "valid");
    add("ssh-wildcard-principal", repo, commit(repo, sshS("p256", "anyone@ssh.example.org"), "wildcard principal"), "commit", "valid");
    add("ssh-untrusted", repo, commit(repo, sshS("stranger"), "stranger"), "commit", "unknown_key");
    add("ssh-mismatch", repo, commit(repo, sshS("ed25519", "bob@example.com"), "ed25519 key as bob"), "commit", "identity_mismatch");
    add("ssh-retired", repo, commit(repo, sshS("retired"), "key retired in 2020"), "commit", "expired_key");
    add("ssh-wrong-namespace", repo, commit(repo, sshS("filesonly"), "key only for files"), "commit", "unknown_key");
    add("unsigned", repo, commit(repo, { format: null, email: "alice@example.com" }, "not signed"), "commit", "unsigned");

    // Tampered message, intact signature.
    for (const base of ["openpgp-subkey", "ssh-ed25519"]) {
      const orig = objects.find((o) => o.name === base);
      if (!orig) continue;
      const body = catFile(repo, "commit", orig.id).replace("signed", "SIGNED");
      add(`${base}-tampered`, repo, writeObject(repo, "commit", body), "commit", "bad_signature");
    }
    // Two signature headers: a good one first (git accepts it and ignores the second).
    {
      const good = catFile(repo, "commit", objects.find((o) => o.name === "openpgp-subkey")?.id ?? "");
      const other = catFile(repo, "commit", objects.find((o) => o.name === "ssh-ed25519")?.id ?? "");
      const header = /\ngpgsig [^\n]*(?:\n [^\n]*)*/.exec(other)?.[0] ?? "";
      add("two-signature-headers", repo, writeObject(repo, "commit", good.replace("\n\n", `${header}\n\n`)), "commit", "multiple_signatures");
      const x509 = good.replace(/\ngpgsig [^\n]*(?:\n [^\n]*)*/, "\ngpgsig -----BEGIN SIGNED MESSAGE-----\n MIIB\n -----END SIGNED MESSAGE-----");
      add("x509", repo, writeObject(repo, "commit", x509), "commit", "unsupported_format");
      const broken = good.replace(/\ngpgsig [^\n]*(?:\n [^\n]*)*/, "\ngpgsig -----BEGIN PGP SIGNATURE-----\n \n !!!!\n -----END PGP SIGNATURE-----");
      add("garbage-armor", repo, writeObject(repo, "commit", broken), "commit", "malformed");
    }

    // Signed merge of a branch, and a merge of a signed tag (mergetag).
    run("git", ["-C", repo, "checkout", "-q", "-b", "side"], env);
    commit(repo, aliceS, "side work");
    run("git", ["-C", repo, ...signConfig(aliceS), "tag", "-s", "-m", "side release", "side-v1"], gitEnv(aliceS));
    commit(repo, aliceS, "later side work");
    run("git", ["-C", repo, "checkout", "-q", "-b", "side2", "main"], env);
    commit(repo, aliceS, "more side work");
    run("git", ["-C", repo, "-c", `gpg.format=openpgp`, "-c", `user.signingkey=${mallory}`, "tag", "-s", "-m", "bad release", "side-v2"], gitEnv({ ...aliceS, email: "mallory@example.com" }));
    run("git", ["-C", repo, "checkout", "-q", "main"], env);
    run("git", ["-C", repo, ...signConfig(aliceS), "merge", "-q", "--no-ff", "-S", "-m", "merge tag", "side-v1"], gitEnv(aliceS));
    const mt = add("mergetag", repo, run("git", ["-C", repo, "rev-parse", "HEAD"], env), "commit", "valid");
    if (!catFile(repo, "commit", mt).includes("\nmergetag ")) throw new Error("corpus: expected a mergetag header");
    run("git", ["-C", repo, ...signConfig(aliceS), "merge", "-q", "--no-ff", "-S", "-m", "merge side", "side"], gitEnv(aliceS));
    add("signed-merge", repo, run("git", ["-C", repo, "rev-parse", "HEAD"], env), "commit", "valid");
    run("git", ["-C", repo, ...signConfig(aliceS), "merge", "-q", "--no-ff", "-S", "-m", "merge untrusted tag", "side-v2"], gitEnv(aliceS));
    add("mergetag-untrusted", repo, run("git", ["-C", repo, "rev-parse", "HEAD"], env), "commit", "unknown_key");

    // Annotated tags.
    run("git", ["-C", repo, ...signConfig(aliceS), "tag", "-s", "-m", "pgp release", "v1-pgp"], gitEnv(aliceS));
    add("tag-openpgp", repo, run("git", ["-C", repo, "rev-parse", "v1-pgp"], env), "tag", "valid");
    const sshTagger = sshS("ed25519");
    run("git", ["-C", repo, ...signConfig(sshTagger), "tag", "-s", "-m", "ssh release", "v1-ssh"], gitEnv(sshTagger));
    const sshTag = add("tag-ssh", repo, run("git", ["-C", repo, "rev-parse", "v1-ssh"], env), "tag", "valid");
    add("tag-ssh-tampered", repo, writeObject(repo, "tag", catFile(repo, "tag", sshTag).replace("ssh release", "ssh RELEASE")), "tag", "bad_signature");
    run("git", ["-C", repo, "tag", "-a", "-m", "plain", "v1-plain"], gitEnv(aliceS));
    add("tag-unsigned", repo, run("git", ["-C", repo, "rev-parse", "v1-plain"], env), "tag", "unsigned");

    // Hard revocation of Rev's key after it signed (gpg's stored certificate: reason "none").
    const revFile = readdirSync(join(signHome, "openpgp-revocs.d")).find((f) => f.startsWith(rev));
    const cert = readFileSync(join(signHome, "openpgp-revocs.d", revFile ?? ""), "utf8").replace(":-----BEGIN", "-----BEGIN");
    gpg(["--import"], cert);
  }

  const trusted = options.small ? [alice] : [alice, rob, eve, rev];
  const keyring = gpg(["--armor", "--export", ...trusted]);
  const publicKeys: Record<string, string> = { alice: gpg(["--armor", "--export", alice]), mallory: gpg(["--armor", "--export", mallory]) };
  if (!options.small) publicKeys.rob = gpg(["--armor", "--export", rob]);
  run("gpg", ["--homedir", verifyHome, ...GPG, "--import"], env, keyring);

  return {
    root,
    sha1Repo,
    sha256Repo,
    objects,
    keyring,
    allowedSigners,
    allowedSignersPath,
    verifyHome,
    publicKeys,
    sshPublicKeys,
    signSsh(payload: Buffer, keyName: string): string {
      return execFileSync("ssh-keygen", ["-Y", "sign", "-n", "git", "-f", sshKeys[keyName] ?? "", "-q"], { env, input: payload, encoding: "utf8" });
    },
    env,
    cleanup() {
      cleanupRoot(root);
    },
  };
}

/** git's own opinion: true when `git verify-commit`/`verify-tag` accepts the object with only the trusted keys. */
export function gitAccepts(corpus: Corpus, obj: CorpusObject): boolean {
  try {
    execFileSync(
      "git",
      ["-C", obj.repo, "-c", `gpg.ssh.allowedSignersFile=${corpus.allowedSignersPath}`, obj.type === "tag" ? "verify-tag" : "verify-commit", obj.id],
      { env: { ...corpus.env, GNUPGHOME: corpus.verifyHome }, stdio: "ignore" },
    );
    return true;
  } catch {
    return false;
  }
}
