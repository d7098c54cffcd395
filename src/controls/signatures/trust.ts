/**
 * The keys Vouch trusts and who each may sign as. Built from armored OpenPGP keyrings,
 * allowed_signers files, and policy identities (`identities.*.keys`, bound to that identity's
 * emails). Only these sources count; nothing is fetched from keyservers.
 */
import { readKeys, type PublicKey } from "openpgp";
import type { Policy } from "../../policy/schema.js";
import { parseAllowedSigners, parseKeyBlob, type AllowedSigner } from "./allowed-signers.js";
import { sshFingerprint } from "./ssh-wire.js";

export interface TrustedOpenPgpKey {
  key: PublicKey;
  /** Emails this key may sign as: the policy identity's emails, or the key's own self-certified user IDs for keyring files. */
  emails: string[];
  /** Policy identity name, when the key came from the policy (or from GitHub for that identity). */
  identity: string | null;
  origin: string;
  /** Set for keys fetched from GitHub: when they were fetched. */
  github?: GithubKeyOrigin;
}

export interface TrustedSshKey extends AllowedSigner {
  identity: string | null;
  /** Policy and GitHub keys: the identity's emails, compared exactly (emails may contain pattern characters). */
  emails?: string[];
  github?: GithubKeyOrigin;
}

/** Where a GitHub-held key came from: the account, the API URL and the time it was fetched. */
export interface GithubKeyOrigin {
  login: string;
  url: string;
  fetchedAt: string;
}

/**
 * A key GitHub holds for the account a policy identity names (`identities.<name>.github`): it
 * binds to that identity's emails, because the policy says that account is that person.
 */
export interface GithubHeldKey {
  identity: string;
  emails: readonly string[];
  format: "openpgp" | "ssh";
  /** The armored key (`raw_key`) or the SSH public key line. */
  text: string;
  origin: GithubKeyOrigin;
}

export interface TrustOptions {
  /** Require the signer to be the committer/tagger (policy `signatures.identity: committer`). */
  bindIdentity: boolean;
}

export class TrustStore {
  constructor(
    readonly openpgp: readonly TrustedOpenPgpKey[],
    readonly ssh: readonly TrustedSshKey[],
    readonly options: TrustOptions = { bindIdentity: true },
  ) {}
}

export class TrustInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "TrustInputError";
  }
}

export interface TrustFile {
  /** A name for messages (a path). */
  name: string;
  text: string;
}

export interface TrustInput {
  openpgpKeyrings?: readonly TrustFile[];
  allowedSigners?: readonly TrustFile[];
  policy?: Policy;
  /** Keys fetched from GitHub for policy identities; they must parse (see parseGithubHeldKey). */
  github?: readonly GithubHeldKey[];
  /** Overrides the policy's `signatures.identity`; defaults to binding. */
  bindIdentity?: boolean;
}

async function uidEmails(key: PublicKey): Promise<string[]> {
  const emails: string[] = [];
  for (const user of key.users) {
    const email = user.userID?.email;
    if (!email) continue;
    try {
      // Only self-certified user IDs bind; a stripped or forged certification does not.
      await user.verify();
      emails.push(email.toLowerCase());
    } catch {
      // Not bound.
    }
  }
  return emails;
}

const ARMORED_KEY_BLOCK = /-----BEGIN PGP (PUBLIC|PRIVATE) KEY BLOCK-----[\s\S]*?-----END PGP \1 KEY BLOCK-----/g;

/**
 * Every key in `text`. A file may hold several armored blocks (`cat a.asc b.asc`, as gpg
 * --import accepts); openpgp.js reads only the first block of a string, so each is read alone.
 */
export async function readArmoredKeys(text: string, origin: string): Promise<PublicKey[]> {
  const blocks = text.match(ARMORED_KEY_BLOCK) ?? [text];
  const keys: PublicKey[] = [];
  for (const [i, block] of blocks.entries()) {
    const where = blocks.length > 1 ? `${origin} (armored block ${i + 1})` : origin;
    try {
      for (const k of await readKeys({ armoredKeys: block })) keys.push(k.isPrivate() ? k.toPublic() : (k as PublicKey));
    } catch (e) {
      throw new TrustInputError(`${where}: not an armored OpenPGP key: ${(e as Error).message.split("\n")[0] ?? ""}`);
    }
  }
  return keys;
}

export function sshLine(line: string, origin: string): { keyType: string; keyBlob: Buffer } {
  const [keyType, b64] = line.trim().split(/\s+/);
  if (!keyType || !b64) throw new TrustInputError(`${origin}: expected an SSH public key line "type base64 [comment]"`);
  let keyBlob: Buffer;
  try {
    keyBlob = parseKeyBlob(b64);
  } catch (e) {
    throw new TrustInputError(`${origin}: ${(e as Error).message}`);
  }
  // The blob names its own type; a mismatch means a mangled or mislabelled key.
  const inner = keyBlob.length >= 4 ? keyBlob.subarray(4, 4 + keyBlob.readUInt32BE(0)).toString("latin1") : "";
  if (inner !== keyType) throw new TrustInputError(`${origin}: key type ${JSON.stringify(keyType.slice(0, 40))} does not match the key`);
  return { keyType, keyBlob };
}

export async function buildTrustStore(input: TrustInput): Promise<TrustStore> {
  const openpgp: TrustedOpenPgpKey[] = [];
  const ssh: TrustedSshKey[] = [];
  for (const file of input.openpgpKeyrings ?? []) {
    for (const key of await readArmoredKeys(file.text, file.name)) {
      openpgp.push({ key, emails: await uidEmails(key), identity: null, origin: file.name });
    }
  }
  for (const file of input.allowedSigners ?? []) {
    try {
      for (const entry of parseAllowedSigners(file.text, file.name)) ssh.push({ ...entry, identity: null });
    } catch (e) {
      throw new TrustInputError((e as Error).message);
    }
  }
  for (const [name, identity] of Object.entries(input.policy?.identities ?? {})) {
    const emails = identity.emails.map((e) => e.toLowerCase());
    identity.keys.forEach((text, i) => {
      if (text.includes("-----BEGIN PGP")) return;
      const origin = `policy identities.${name}.keys[${i}]`;
      const { keyType, keyBlob } = sshLine(text, origin);
      ssh.push({ principals: emails.join(","), emails, keyType, keyBlob, fingerprint: sshFingerprint(keyBlob), origin, certAuthority: false, identity: name });
    });
    for (const [i, text] of identity.keys.entries()) {
      if (!text.includes("-----BEGIN PGP")) continue;
      const origin = `policy identities.${name}.keys[${i}]`;
      for (const key of await readArmoredKeys(text, origin)) openpgp.push({ key, emails, identity: name, origin });
    }
  }
  for (const k of input.github ?? []) {
    const emails = k.emails.map((e) => e.toLowerCase());
    const origin = k.origin.url;
    if (k.format === "ssh") {
      const { keyType, keyBlob } = sshLine(k.text, origin);
      ssh.push({ principals: emails.join(","), emails, keyType, keyBlob, fingerprint: sshFingerprint(keyBlob), origin, certAuthority: false, identity: k.identity, github: k.origin });
    } else {
      for (const key of await readArmoredKeys(k.text, origin)) openpgp.push({ key, emails, identity: k.identity, origin, github: k.origin });
    }
  }
  const bindIdentity = input.bindIdentity ?? (input.policy ? input.policy.signatures.identity === "committer" : true);
  return new TrustStore(openpgp, ssh, { bindIdentity });
}
