/**
 * `vouch keys public`: the PEM public keys of the data directory's key ring (the app's signing key
 * and retired keys), for auditors. Never creates a signing key unless asked: a CLI run on the wrong
 * machine (or with the wrong VOUCH_DATA_DIR) must not quietly mint a key nobody else trusts.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import type { Command } from "commander";
import { dataDir } from "../keys/data-dir.js";
import { loadKeyRing, SIGNING_KEY_FILE, type KeyRing } from "../keys/keyring.js";
import { KeyError } from "../keys/pem.js";
import { CliInputError, type CliIo, EXIT } from "./io.js";

export type CliEnv = Readonly<Record<string, string | undefined>>;

/** Whether a signing key is configured (environment) or present in the data directory. */
export function hasSigningKey(env: CliEnv): boolean {
  if (env.VOUCH_SIGNING_KEY?.trim() || env.VOUCH_SIGNING_KEY_FILE?.trim()) return true;
  return existsSync(join(dataDir(env), SIGNING_KEY_FILE));
}

/**
 * The key ring for CLI use. Without `create`, a missing signing key is an input error naming where
 * it was looked for; key problems become input errors too (their messages never hold key material).
 */
export function cliKeyRing(env: CliEnv, options: { create?: boolean; log?: (m: string) => void } = {}): KeyRing {
  if (!options.create && !hasSigningKey(env)) {
    throw new CliInputError(
      `no signing key: VOUCH_SIGNING_KEY and VOUCH_SIGNING_KEY_FILE are unset and ${join(dataDir(env), SIGNING_KEY_FILE)} does not exist ` +
        "(set VOUCH_DATA_DIR to the app's data directory, or pass --create to generate a key there)",
    );
  }
  try {
    return loadKeyRing({ env, ...(options.log ? { log: options.log } : {}) });
  } catch (error) {
    if (error instanceof KeyError) throw new CliInputError(error.message);
    throw error;
  }
}

export function registerKeys(program: Command, io: CliIo, setExit: (code: number) => void, env: CliEnv = process.env): void {
  const keys = program.command("keys").description("The attestation signing keys shared with the app (VOUCH_DATA_DIR).");
  keys
    .command("public")
    .description("Print every public key valid for verifying attestations as PEM, the current signing key first.")
    .option("--create", "generate a signing key in the data directory when none exists (as the app does on first start)")
    .addHelpText(
      "after",
      "\nKey ids (sha256 of each key's DER SubjectPublicKeyInfo) are listed on standard error, so\n" +
        "`vouch keys public > vouch-keys.pem` writes only the PEM.\n\nExit status: 0 printed, 2 no signing key or an unreadable key.",
    )
    .action((opts: { create?: boolean }) => {
      const ring = cliKeyRing(env, { create: opts.create === true, log: (m) => void io.stderr.write(`${m}\n`) });
      io.stdout.write(ring.publicKeysPem());
      for (const id of ring.publicKeys.keys()) io.stderr.write(`key ${id}${id === ring.signer.keyId ? " (signing)" : ""}\n`);
      setExit(EXIT.pass);
    });
}
