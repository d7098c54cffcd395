/**
 * The app's signing key and the public keys valid for verification.
 * Signing key, first match wins:
 *   1. VOUCH_SIGNING_KEY       PEM text of an Ed25519 private key (PKCS#8);
 *   2. VOUCH_SIGNING_KEY_FILE  path to such a PEM file;
 *   3. <data dir>/signing-key.pem, generated on first start (mode 0600) with a log line.
 * Verification keys: the signing key's public half, plus every key in VOUCH_PUBLIC_KEYS_FILE and
 * <data dir>/public-keys.pem (retired keys kept after a rotation), each under its key id.
 */
import { generateKeyPairSync, createPublicKey, type KeyObject } from "node:crypto";
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { keyIdOf, type Signer } from "../attest/dsse.js";
import { dataDir } from "./data-dir.js";
import { KeyError, parsePrivateKeyPem, parsePublicKeysPem, publicPem } from "./pem.js";

export const SIGNING_KEY_FILE = "signing-key.pem";
export const RETIRED_KEYS_FILE = "public-keys.pem";

export interface KeyRing {
  signer: Signer;
  /** Where the signing key came from: `env:VOUCH_SIGNING_KEY`, `file:<path>`, or `generated:<path>`. */
  source: string;
  /** Key id -> public key, the signing key's included. */
  publicKeys: ReadonlyMap<string, KeyObject>;
  /** Every verification key as one PEM bundle, the current signing key first. */
  publicKeysPem(): string;
}

export interface KeyRingOptions {
  env?: Readonly<Record<string, string | undefined>>;
  /** Called once with a human line when a key is generated. */
  log?: (message: string) => void;
}

function readText(path: string, what: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch (e) {
    throw new KeyError(`cannot read ${what} ${path}: ${(e as NodeJS.ErrnoException).code ?? "error"}`);
  }
}

function loadOrGenerate(dir: string, log: (m: string) => void): { key: KeyObject; source: string } {
  const path = join(dir, SIGNING_KEY_FILE);
  try {
    return { key: parsePrivateKeyPem(readFileSync(path, "utf8"), path), source: `file:${path}` };
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
  }
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const { privateKey } = generateKeyPairSync("ed25519");
  const pem = privateKey.export({ type: "pkcs8", format: "pem" }).toString();
  try {
    // `wx`: two processes starting together must not overwrite each other's key.
    writeFileSync(path, pem, { mode: 0o600, flag: "wx" });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "EEXIST") {
      return { key: parsePrivateKeyPem(readFileSync(path, "utf8"), path), source: `file:${path}` };
    }
    throw new KeyError(`cannot write the generated signing key to ${path}: ${(e as NodeJS.ErrnoException).code ?? "error"}`);
  }
  chmodSync(path, 0o600);
  const id = keyIdOf(createPublicKey(privateKey));
  log(`Generated a new Ed25519 attestation signing key ${id} at ${path} (mode 0600). Back it up: attestations are verified with its public key (vouch keys public).`);
  return { key: privateKey, source: `generated:${path}` };
}

export function loadKeyRing(options: KeyRingOptions = {}): KeyRing {
  const env = options.env ?? process.env;
  const dir = dataDir(env);
  let key: KeyObject;
  let source: string;
  if (env.VOUCH_SIGNING_KEY?.trim()) {
    key = parsePrivateKeyPem(env.VOUCH_SIGNING_KEY, "VOUCH_SIGNING_KEY");
    source = "env:VOUCH_SIGNING_KEY";
  } else if (env.VOUCH_SIGNING_KEY_FILE?.trim()) {
    const path = env.VOUCH_SIGNING_KEY_FILE.trim();
    key = parsePrivateKeyPem(readText(path, "VOUCH_SIGNING_KEY_FILE"), `VOUCH_SIGNING_KEY_FILE (${path})`);
    source = `file:${path}`;
  } else {
    ({ key, source } = loadOrGenerate(dir, options.log ?? (() => {})));
  }
  const pub = createPublicKey(key);
  const signer: Signer = { keyId: keyIdOf(pub), privateKey: key };
  const keys = new Map<string, KeyObject>([[signer.keyId, pub]]);
  const extra: [string, string][] = [];
  if (env.VOUCH_PUBLIC_KEYS_FILE?.trim()) extra.push([env.VOUCH_PUBLIC_KEYS_FILE.trim(), "VOUCH_PUBLIC_KEYS_FILE"]);
  const retired = join(dir, RETIRED_KEYS_FILE);
  try {
    readFileSync(retired);
    extra.push([retired, retired]);
  } catch {
    // No retired keys yet.
  }
  for (const [path, what] of extra) {
    for (const k of parsePublicKeysPem(readText(path, what), what)) keys.set(keyIdOf(k), k);
  }
  return {
    signer,
    source,
    publicKeys: keys,
    publicKeysPem: () => [...keys.values()].map(publicPem).join(""),
  };
}

/** Public keys from a PEM bundle file, by key id: what an auditor passes to `vouch audit verify --public-key`. */
export function loadPublicKeysFile(path: string): Map<string, KeyObject> {
  return new Map(parsePublicKeysPem(readText(path, "public key file"), path).map((k) => [keyIdOf(k), k]));
}
