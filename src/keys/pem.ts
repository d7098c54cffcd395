/** PEM handling for Ed25519 keys. Errors name the source, never the key material. */
import { createPrivateKey, createPublicKey, type KeyObject } from "node:crypto";

export class KeyError extends Error {
  override name = "KeyError";
}

export function parsePrivateKeyPem(pem: string, source: string): KeyObject {
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: pem, format: "pem" });
  } catch {
    throw new KeyError(`${source} is not a PEM private key (expected "-----BEGIN PRIVATE KEY-----" holding an Ed25519 key)`);
  }
  if (key.asymmetricKeyType !== "ed25519") {
    throw new KeyError(`${source} holds a ${key.asymmetricKeyType ?? "unknown"} key; Vouch signs with Ed25519`);
  }
  return key;
}

const PUBLIC_BLOCK = /-----BEGIN PUBLIC KEY-----[\s\S]*?-----END PUBLIC KEY-----/g;

/** Every public key in a PEM bundle (several keys concatenated), each Ed25519. */
export function parsePublicKeysPem(text: string, source: string): KeyObject[] {
  const blocks = text.match(PUBLIC_BLOCK) ?? [];
  if (blocks.length === 0) throw new KeyError(`${source} holds no "-----BEGIN PUBLIC KEY-----" block`);
  return blocks.map((b, i) => {
    let key: KeyObject;
    try {
      key = createPublicKey({ key: b, format: "pem" });
    } catch {
      throw new KeyError(`${source}: public key ${i + 1} is not valid PEM`);
    }
    if (key.asymmetricKeyType !== "ed25519") {
      throw new KeyError(`${source}: public key ${i + 1} is ${key.asymmetricKeyType ?? "unknown"}, not Ed25519`);
    }
    return key;
  });
}

export function publicPem(key: KeyObject): string {
  return key.export({ type: "spki", format: "pem" }).toString();
}
