/** SSH wire-format reading (RFC 4251 `string`, `uint32`, `mpint`) and public key blobs → node:crypto keys. */
import { createHash, createPublicKey, type KeyObject } from "node:crypto";

export class SshFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SshFormatError";
  }
}

export class WireReader {
  private pos = 0;
  constructor(private readonly buf: Buffer) {}

  get done(): boolean {
    return this.pos === this.buf.length;
  }

  bytes(n: number): Buffer {
    if (n < 0 || this.pos + n > this.buf.length) throw new SshFormatError("truncated SSH data");
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  uint32(): number {
    return this.bytes(4).readUInt32BE(0);
  }

  string(): Buffer {
    return this.bytes(this.uint32());
  }

  text(): string {
    return this.string().toString("latin1");
  }

  /** An mpint as unsigned big-endian bytes without leading zeros. */
  mpint(): Buffer {
    const b = this.string();
    if (b.length > 0 && (b[0] ?? 0) & 0x80) throw new SshFormatError("negative mpint");
    let i = 0;
    while (i < b.length && b[i] === 0) i++;
    return b.subarray(i);
  }

  end(): void {
    if (!this.done) throw new SshFormatError("trailing bytes in SSH data");
  }
}

export function sshFingerprint(blob: Buffer): string {
  return `SHA256:${createHash("sha256").update(blob).digest("base64").replace(/=+$/, "")}`;
}

interface SshKeyCommon {
  /** The key type as the blob names it (`ssh-ed25519`, `ecdsa-sha2-nistp256`, `ssh-rsa`). */
  type: string;
  blob: Buffer;
}

/** A parsed SSH public key. Ed25519 keys stay raw bytes: they are verified with libsodium, the others with node:crypto. */
export type SshPublicKey =
  | (SshKeyCommon & { kind: "ed25519"; publicKey: Buffer })
  | (SshKeyCommon & { kind: "ecdsa"; key: KeyObject; hash: "sha256" | "sha384" | "sha512"; size: number })
  | (SshKeyCommon & { kind: "rsa"; key: KeyObject; bits: number });

const CURVES: Record<string, { crv: string; hash: "sha256" | "sha384" | "sha512"; size: number }> = {
  nistp256: { crv: "P-256", hash: "sha256", size: 32 },
  nistp384: { crv: "P-384", hash: "sha384", size: 48 },
  nistp521: { crv: "P-521", hash: "sha512", size: 66 },
};

const b64url = (b: Buffer): string => b.toString("base64url");

export class UnsupportedKeyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UnsupportedKeyError";
  }
}

/** Parses a public key blob. Throws SshFormatError (broken) or UnsupportedKeyError (certificates, FIDO, DSA). */
export function parseSshPublicKey(blob: Buffer): SshPublicKey {
  const r = new WireReader(blob);
  const type = r.text();
  if (type === "ssh-ed25519") {
    const pk = r.string();
    r.end();
    if (pk.length !== 32) throw new SshFormatError("Ed25519 key is not 32 bytes");
    return { kind: "ed25519", type, blob, publicKey: Buffer.from(pk) };
  }
  const ec = /^ecdsa-sha2-(nistp256|nistp384|nistp521)$/.exec(type);
  if (ec) {
    const curve = CURVES[ec[1] ?? ""];
    const name = r.text();
    const q = r.string();
    r.end();
    if (!curve || name !== ec[1]) throw new SshFormatError("ECDSA curve name does not match the key type");
    if (q.length !== 1 + 2 * curve.size || q[0] !== 0x04) throw new SshFormatError("ECDSA point is not uncompressed or has the wrong size");
    const x = q.subarray(1, 1 + curve.size);
    const y = q.subarray(1 + curve.size);
    try {
      const key = createPublicKey({ key: { kty: "EC", crv: curve.crv, x: b64url(x), y: b64url(y) }, format: "jwk" });
      return { kind: "ecdsa", type, blob, key, hash: curve.hash, size: curve.size };
    } catch {
      throw new SshFormatError("ECDSA point is not on the curve");
    }
  }
  if (type === "ssh-rsa") {
    const e = r.mpint();
    const n = r.mpint();
    r.end();
    if (n.length === 0 || e.length === 0) throw new SshFormatError("empty RSA parameters");
    const key = createPublicKey({ key: { kty: "RSA", n: b64url(n), e: b64url(e) }, format: "jwk" });
    return { kind: "rsa", type, blob, key, bits: key.asymmetricKeyDetails?.modulusLength ?? n.length * 8 };
  }
  if (type.includes("-cert-v01@openssh.com")) throw new UnsupportedKeyError("SSH certificates are not supported yet");
  if (type.startsWith("sk-")) throw new UnsupportedKeyError("FIDO (sk-*) SSH keys are not supported yet");
  if (type === "ssh-dss") throw new UnsupportedKeyError("DSA SSH keys are not supported");
  throw new UnsupportedKeyError(`unknown SSH key type ${JSON.stringify(type.slice(0, 40))}`);
}

/** SSH `mpint r, mpint s` → fixed-width r‖s (ieee-p1363) for node:crypto. */
export function ecdsaSignatureToP1363(sshSig: Buffer, size: number): Buffer {
  const r = new WireReader(sshSig);
  const rr = r.mpint();
  const ss = r.mpint();
  r.end();
  if (rr.length > size || ss.length > size || rr.length === 0 || ss.length === 0) throw new SshFormatError("ECDSA signature values out of range");
  const out = Buffer.alloc(2 * size);
  rr.copy(out, size - rr.length);
  ss.copy(out, 2 * size - ss.length);
  return out;
}
