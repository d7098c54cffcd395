/**
 * A small signed repository for CLI tests, built with the real gpg, ssh-keygen and git: Alice
 * signs with an OpenPGP key, Bob with an SSH key, and a stranger's SSH key is trusted by nobody.
 * Not a test file itself.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";

export type SignWith = "alice-gpg" | "bob-ssh" | "stranger-ssh" | null;

export interface SigningFixture {
  root: string;
  /** Alice's armored public key (alice@example.com). */
  aliceArmored: string;
  aliceKeyringPath: string;
  /** Bob's `ssh-ed25519 AAAA...` public key line. */
  bobSsh: string;
  /** allowed_signers trusting Bob as bob@example.com. */
  allowedSignersPath: string;
  /** allowed_signers trusting Bob only before 2025-01-01 (for --at). */
  expiringSignersPath: string;
  initRepo(): string;
  /** Commits `files` as `email` (committer and author), signed as asked; returns the commit id. */
  commit(repo: string, email: string, sign: SignWith, files: Record<string, string>, message?: string): string;
  /** An annotated tag by `email`, signed as asked; returns the tag object id. */
  tag(repo: string, email: string, sign: SignWith, name: string, target: string): string;
  git(repo: string, ...args: string[]): string;
  cleanup(): void;
}

const GPG = ["--batch", "--pinentry-mode", "loopback", "--passphrase", ""];

export function buildSigningFixture(): SigningFixture {
  const root = mkdtempSync(join(tmpdir(), "vouch-cli-sig-"));
  const gnupg = join(root, "gnupg");
  mkdirSync(gnupg, { mode: 0o700 });
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: root,
    GNUPGHOME: gnupg,
    GIT_CONFIG_NOSYSTEM: "1",
    GIT_CONFIG_GLOBAL: "/dev/null",
    LC_ALL: "C",
    TZ: "UTC",
  };
  const run = (cmd: string, args: string[], extra: NodeJS.ProcessEnv = {}) =>
    execFileSync(cmd, args, { env: { ...env, ...extra }, encoding: "utf8", stdio: ["pipe", "pipe", "pipe"] }).trim();
  const cleanup = () => {
    try {
      execFileSync("gpgconf", ["--homedir", gnupg, "--kill", "all"], { stdio: "ignore" });
    } catch {
      // no agent was started
    }
    rmSync(root, { recursive: true, force: true });
  };
  try {
    run("gpg", [...GPG, "--quick-gen-key", "Alice <alice@example.com>", "ed25519", "sign", "never"]);
    const aliceFpr = run("gpg", ["--with-colons", "--list-keys", "alice@example.com"]).split("\n").find((l) => l.startsWith("fpr:"))?.split(":")[9] ?? "";
    const aliceArmored = run("gpg", ["--armor", "--export", "alice@example.com"]);
    const aliceKeyringPath = join(root, "alice.asc");
    writeFileSync(aliceKeyringPath, `${aliceArmored}\n`);
    const ssh: Record<string, string> = {};
    for (const name of ["bob", "stranger"]) {
      const path = join(root, `ssh-${name}`);
      run("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", name, "-f", path]);
      ssh[name] = path;
    }
    const bobSsh = readFileSync(`${ssh.bob}.pub`, "utf8").trim();
    const allowedSignersPath = join(root, "allowed_signers");
    writeFileSync(allowedSignersPath, `bob@example.com ${bobSsh}\n`);
    const expiringSignersPath = join(root, "allowed_signers_expiring");
    writeFileSync(expiringSignersPath, `bob@example.com valid-before="20250101" ${bobSsh}\n`);

    const signArgs = (sign: SignWith): string[] => {
      switch (sign) {
        case "alice-gpg":
          return ["-c", "gpg.format=openpgp", "-c", `user.signingkey=${aliceFpr}`];
        case "bob-ssh":
          return ["-c", "gpg.format=ssh", "-c", `user.signingkey=${ssh.bob}`];
        case "stranger-ssh":
          return ["-c", "gpg.format=ssh", "-c", `user.signingkey=${ssh.stranger}`];
        default:
          return [];
      }
    };
    const who = (email: string) => {
      const name = email.split("@")[0] ?? email;
      // Signatures are made now (gpg's clock); the commit dates only need to be stable.
      return { GIT_AUTHOR_NAME: name, GIT_AUTHOR_EMAIL: email, GIT_COMMITTER_NAME: name, GIT_COMMITTER_EMAIL: email, GIT_AUTHOR_DATE: "2024-06-01T00:00:00Z", GIT_COMMITTER_DATE: "2024-06-01T00:00:00Z" };
    };
    return {
      root,
      aliceArmored,
      aliceKeyringPath,
      bobSsh,
      allowedSignersPath,
      expiringSignersPath,
      initRepo() {
        const repo = mkdtempSync(join(root, "repo-"));
        run("git", ["init", "-q", "-b", "main", repo]);
        return repo;
      },
      commit(repo, email, sign, files, message = "change") {
        for (const [path, text] of Object.entries(files)) {
          mkdirSync(dirname(join(repo, path)), { recursive: true });
          writeFileSync(join(repo, path), text);
        }
        run("git", ["-C", repo, "add", "-A"]);
        run("git", ["-C", repo, ...signArgs(sign), "commit", "-q", "--allow-empty", ...(sign ? ["-S"] : []), "-m", message], who(email));
        return run("git", ["-C", repo, "rev-parse", "HEAD"]);
      },
      tag(repo, email, sign, name, target) {
        const e = who(email);
        run("git", ["-C", repo, ...signArgs(sign), "tag", ...(sign ? ["-s"] : ["-a"]), "-m", `release ${name}`, name, target], { GIT_COMMITTER_NAME: e.GIT_COMMITTER_NAME, GIT_COMMITTER_EMAIL: email, GIT_COMMITTER_DATE: e.GIT_COMMITTER_DATE });
        return run("git", ["-C", repo, "rev-parse", name]);
      },
      git(repo, ...args) {
        return run("git", ["-C", repo, ...args]);
      },
      cleanup,
    };
  } catch (error) {
    cleanup();
    throw error;
  }
}
