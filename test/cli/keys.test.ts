import { afterEach, describe, expect, test } from "@jest/globals";
import { generateKeyPairSync } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { keyIdOf } from "../../src/attest/dsse.js";
import { loadPublicKeysFile } from "../../src/keys/keyring.js";
import { runCli } from "../../src/cli/run.js";

/** Runs `vouch keys …` the way runCli does (exit codes, input errors on stderr), with its own environment. */
async function keys(argv: string[], env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = "";
  let stderr = "";
  const io = { stdout: { write: (s: string) => void (stdout += s) }, stderr: { write: (s: string) => void (stderr += s) }, cwd: tmpdir() };
  const code = await runCli(["keys", ...argv], io, { env });
  return { code, stdout, stderr };
}

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function dataDir(): string {
  const d = mkdtempSync(join(tmpdir(), "vouch-keys-"));
  dirs.push(d);
  return d;
}
function pemFile(dir: string, text: string): string {
  const p = join(dir, `k-${Math.random().toString(36).slice(2)}.pem`);
  writeFileSync(p, text);
  return p;
}

describe("vouch keys public", () => {
  test("without a signing key it says so, exits 2 and creates nothing", async () => {
    const dir = dataDir();
    const r = await keys(["public"], { VOUCH_DATA_DIR: dir });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toContain("no signing key");
    expect(r.stderr).toContain(join(dir, "signing-key.pem"));
    expect(existsSync(join(dir, "signing-key.pem"))).toBe(false);
  });

  test("--create generates the key (mode 0600) and later runs print the same public key, whose id is listed", async () => {
    const dir = dataDir();
    const first = await keys(["public", "--create"], { VOUCH_DATA_DIR: dir });
    expect(first.code).toBe(0);
    expect(first.stderr).toMatch(/Generated a new Ed25519 attestation signing key/);
    expect(statSync(join(dir, "signing-key.pem")).mode & 0o777).toBe(0o600);
    expect(first.stdout).toMatch(/^-----BEGIN PUBLIC KEY-----\n[\s\S]+-----END PUBLIC KEY-----\n$/);
    expect(first.stdout).not.toContain("PRIVATE");

    const again = await keys(["public"], { VOUCH_DATA_DIR: dir });
    expect(again.code).toBe(0);
    expect(again.stdout).toBe(first.stdout);
    expect(again.stderr).not.toMatch(/Generated/);
    const [id] = [...loadPublicKeysFile(pemFile(dir, again.stdout)).keys()];
    expect(again.stderr).toBe(`key ${id} (signing)\n`);
  });

  test("a key from VOUCH_SIGNING_KEY comes first, then the retired keys kept in the data directory", async () => {
    const dir = dataDir();
    const current = generateKeyPairSync("ed25519");
    const retired = generateKeyPairSync("ed25519");
    writeFileSync(join(dir, "public-keys.pem"), retired.publicKey.export({ type: "spki", format: "pem" }));
    const r = await keys(["public"], { VOUCH_DATA_DIR: dir, VOUCH_SIGNING_KEY: current.privateKey.export({ type: "pkcs8", format: "pem" }).toString() });
    expect(r.code).toBe(0);
    expect([...loadPublicKeysFile(pemFile(dir, r.stdout)).keys()]).toEqual([keyIdOf(current.publicKey), keyIdOf(retired.publicKey)]);
    expect(r.stderr).toBe(`key ${keyIdOf(current.publicKey)} (signing)\nkey ${keyIdOf(retired.publicKey)}\n`);
    // The data directory was not used for a signing key.
    expect(existsSync(join(dir, "signing-key.pem"))).toBe(false);
  });

  test("an unreadable or non-Ed25519 key is an input error that never shows key material", async () => {
    const dir = dataDir();
    const rsa = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({ type: "pkcs8", format: "pem" }).toString();
    writeFileSync(join(dir, "signing-key.pem"), rsa);
    const r = await keys(["public"], { VOUCH_DATA_DIR: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("rsa");
    expect(r.stderr).not.toContain(rsa.split("\n")[1]!);

    const missing = await keys(["public"], { VOUCH_DATA_DIR: dir, VOUCH_SIGNING_KEY_FILE: join(dir, "nope.pem") });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("ENOENT");
    expect(readFileSync(join(dir, "signing-key.pem"), "utf8")).toBe(rsa);
  });
});
