/**
 * The OpenSSH `allowed_signers` file (ssh-keygen(1), ALLOWED SIGNERS):
 *   principals [options] keytype base64-key [comment]
 * principals is a pattern list (quotable); options are `cert-authority`, `namespaces="..."`,
 * `valid-after="..."`, `valid-before="..."`. Lines that cannot be parsed are errors: a trust
 * file that silently drops lines would quietly change who is trusted.
 */
import { sshFingerprint } from "./ssh-wire.js";

export interface AllowedSigner {
  principals: string;
  namespaces?: string;
  validAfter?: Date;
  validBefore?: Date;
  certAuthority: boolean;
  keyType: string;
  keyBlob: Buffer;
  fingerprint: string;
  /** `file:line`, for details and errors. */
  origin: string;
}

export class AllowedSignersError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "AllowedSignersError";
  }
}

/** Splits at whitespace outside double quotes; quotes are kept so options can be re-split. */
function tokens(line: string): string[] {
  const out: string[] = [];
  let cur = "";
  let quoted = false;
  for (const ch of line) {
    if (ch === '"') quoted = !quoted;
    if (!quoted && (ch === " " || ch === "\t")) {
      if (cur) out.push(cur);
      cur = "";
    } else cur += ch;
  }
  if (quoted) throw new AllowedSignersError("unterminated quote");
  if (cur) out.push(cur);
  return out;
}

const unquote = (s: string): string => (s.length >= 2 && s.startsWith('"') && s.endsWith('"') ? s.slice(1, -1) : s);

function isKeyType(t: string): boolean {
  return /^(ssh-(ed25519|rsa|dss)|ecdsa-sha2-nistp(256|384|521)|sk-[a-z0-9-]+@openssh\.com)(-cert-v01@openssh\.com)?$/.test(t);
}

/** `YYYYMMDD[Z]` or `YYYYMMDDHHMM[SS][Z]`. Without `Z` ssh-keygen uses local time; we read UTC so a server's timezone cannot change verdicts. */
export function parseSshTime(value: string): Date {
  const m = /^(\d{4})(\d{2})(\d{2})(?:(\d{2})(\d{2})(\d{2})?)?Z?$/.exec(value);
  if (!m) throw new AllowedSignersError(`bad time ${JSON.stringify(value.slice(0, 40))}`);
  const [y, mo, d, h, mi, s] = m.slice(1).map((x) => (x === undefined ? 0 : Number(x)));
  const date = new Date(Date.UTC(y ?? 0, (mo ?? 1) - 1, d ?? 1, h ?? 0, mi ?? 0, s ?? 0));
  if (date.getUTCMonth() !== (mo ?? 1) - 1 || date.getUTCDate() !== d || (h ?? 0) > 23 || (mi ?? 0) > 59 || (s ?? 0) > 59) {
    throw new AllowedSignersError(`bad time ${JSON.stringify(value)}`);
  }
  return date;
}

function splitOptions(options: string): string[] {
  const out: string[] = [];
  let cur = "";
  let quoted = false;
  for (const ch of options) {
    if (ch === '"') quoted = !quoted;
    if (ch === "," && !quoted) {
      out.push(cur);
      cur = "";
    } else cur += ch;
  }
  out.push(cur);
  return out;
}

export function parseKeyBlob(base64: string): Buffer {
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(base64) || base64.length % 4 !== 0) throw new AllowedSignersError("key is not valid base64");
  return Buffer.from(base64, "base64");
}

export function parseAllowedSigners(text: string, name = "allowed_signers"): AllowedSigner[] {
  const out: AllowedSigner[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const origin = `${name}:${i + 1}`;
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) return;
    try {
      const t = tokens(line);
      const principals = unquote(t[0] ?? "");
      let k = 1;
      const entry: Partial<AllowedSigner> = { certAuthority: false };
      if (t[k] !== undefined && !isKeyType(t[k] ?? "")) {
        for (const opt of splitOptions(t[k] ?? "")) {
          const eq = opt.indexOf("=");
          const key = (eq < 0 ? opt : opt.slice(0, eq)).toLowerCase();
          const value = eq < 0 ? undefined : unquote(opt.slice(eq + 1));
          if (key === "cert-authority" && value === undefined) entry.certAuthority = true;
          else if (key === "namespaces" && value !== undefined) entry.namespaces = value;
          else if (key === "valid-after" && value !== undefined) entry.validAfter = parseSshTime(value);
          else if (key === "valid-before" && value !== undefined) entry.validBefore = parseSshTime(value);
          else throw new AllowedSignersError(`unknown option ${JSON.stringify(opt.slice(0, 40))}`);
        }
        k++;
      }
      const keyType = t[k];
      const b64 = t[k + 1];
      if (!principals || !keyType || !b64 || !isKeyType(keyType)) throw new AllowedSignersError("expected: principals [options] keytype base64-key [comment]");
      const keyBlob = parseKeyBlob(b64);
      // The blob names its own type; a mismatch means a mangled line.
      const inner = keyBlob.length >= 4 ? keyBlob.subarray(4, 4 + keyBlob.readUInt32BE(0)).toString("latin1") : "";
      if (inner !== keyType) throw new AllowedSignersError("key type does not match the key");
      out.push({ ...entry, principals, keyType, keyBlob, fingerprint: sshFingerprint(keyBlob), origin, certAuthority: entry.certAuthority ?? false });
    } catch (e) {
      throw new AllowedSignersError(`${origin}: ${(e as Error).message}`);
    }
  });
  return out;
}
