/** Crafts SSHSIG blobs with node:crypto for cases ssh-keygen will not produce (weak, wrong namespace, broken). */
import { createHash, generateKeyPairSync, sign, type KeyObject } from "node:crypto";

export function str(b: Buffer | string): Buffer {
  const buf = typeof b === "string" ? Buffer.from(b) : b;
  const len = Buffer.alloc(4);
  len.writeUInt32BE(buf.length, 0);
  return Buffer.concat([len, buf]);
}

function mpint(b: Buffer): Buffer {
  let i = 0;
  while (i < b.length - 1 && b[i] === 0) i++;
  const trimmed = b.subarray(i);
  return str((trimmed[0] ?? 0) & 0x80 ? Buffer.concat([Buffer.from([0]), trimmed]) : trimmed);
}

export interface TestKey {
  type: string;
  blob: Buffer;
  privateKey: KeyObject;
  /** Produces the inner signature blob (string sig-alg, string sig). */
  sign(data: Buffer, algorithm?: string): Buffer;
}

export function ed25519Key(): TestKey {
  const { publicKey, privateKey } = generateKeyPairSync("ed25519");
  const x = Buffer.from(publicKey.export({ format: "jwk" }).x ?? "", "base64url");
  return {
    type: "ssh-ed25519",
    blob: Buffer.concat([str("ssh-ed25519"), str(x)]),
    privateKey,
    sign: (data, alg = "ssh-ed25519") => Buffer.concat([str(alg), str(sign(null, data, privateKey))]),
  };
}

export function ecdsaKey(curve: "P-256" | "P-384" | "P-521"): TestKey {
  const name = { "P-256": "nistp256", "P-384": "nistp384", "P-521": "nistp521" }[curve];
  const hash = { "P-256": "sha256", "P-384": "sha384", "P-521": "sha512" }[curve];
  const size = { "P-256": 32, "P-384": 48, "P-521": 66 }[curve];
  const { publicKey, privateKey } = generateKeyPairSync("ec", { namedCurve: curve });
  const jwk = publicKey.export({ format: "jwk" });
  const q = Buffer.concat([Buffer.from([4]), Buffer.from(jwk.x ?? "", "base64url"), Buffer.from(jwk.y ?? "", "base64url")]);
  const type = `ecdsa-sha2-${name}`;
  return {
    type,
    blob: Buffer.concat([str(type), str(name), str(q)]),
    privateKey,
    sign: (data, alg = type) => {
      const rs = sign(hash, data, { key: privateKey, dsaEncoding: "ieee-p1363" });
      return Buffer.concat([str(alg), str(Buffer.concat([mpint(rs.subarray(0, size)), mpint(rs.subarray(size))]))]);
    },
  };
}

export function rsaKey(bits = 2048): TestKey {
  const { publicKey, privateKey } = generateKeyPairSync("rsa", { modulusLength: bits });
  const jwk = publicKey.export({ format: "jwk" });
  return {
    type: "ssh-rsa",
    blob: Buffer.concat([str("ssh-rsa"), mpint(Buffer.from(jwk.e ?? "", "base64url")), mpint(Buffer.from(jwk.n ?? "", "base64url"))]),
    privateKey,
    sign: (data, alg = "rsa-sha2-512") => {
      const hash = alg === "rsa-sha2-256" ? "sha256" : alg === "ssh-rsa" ? "sha1" : "sha512";
      return Buffer.concat([str(alg), str(sign(hash, data, privateKey))]);
    },
  };
}

export interface SshsigOptions {
  namespace?: string;
  hashAlgorithm?: string;
  signatureAlgorithm?: string;
  version?: number;
  magic?: string;
  /** Replace the embedded public key blob (e.g. with a certificate or FIDO type). */
  publicKeyBlob?: Buffer;
}

/** A complete armored SSH signature over `payload`. */
export function sshsig(key: TestKey, payload: Buffer, o: SshsigOptions = {}): string {
  const namespace = o.namespace ?? "git";
  const hashAlgorithm = o.hashAlgorithm ?? "sha512";
  const digest = createHash(hashAlgorithm === "md5" ? "md5" : hashAlgorithm).update(payload).digest();
  const signed = Buffer.concat([Buffer.from("SSHSIG"), str(namespace), str(""), str(hashAlgorithm), str(digest)]);
  const version = Buffer.alloc(4);
  version.writeUInt32BE(o.version ?? 1, 0);
  const blob = Buffer.concat([
    Buffer.from(o.magic ?? "SSHSIG"),
    version,
    str(o.publicKeyBlob ?? key.blob),
    str(namespace),
    str(""),
    str(hashAlgorithm),
    str(key.sign(signed, o.signatureAlgorithm)),
  ]);
  return armor(blob);
}

export function armor(blob: Buffer): string {
  const b64 = blob.toString("base64").replace(/.{1,70}/g, "$&\n");
  return `-----BEGIN SSH SIGNATURE-----\n${b64}-----END SSH SIGNATURE-----\n`;
}

export function publicKeyLine(key: TestKey, comment = "test"): string {
  return `${key.type} ${key.blob.toString("base64")} ${comment}`;
}
