import { describe, test, expect } from "@jest/globals";
import { generateKeyPairSync } from "node:crypto";
import { mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { keyIdOf, signEnvelope, verifyEnvelope } from "../../src/attest/dsse.js";
import { dataDir } from "../../src/keys/data-dir.js";
import { loadKeyRing, loadPublicKeysFile } from "../../src/keys/keyring.js";

const tmp = () => mkdtempSync(join(tmpdir(), "vouch-keys-"));
const pkcs8 = (k: ReturnType<typeof generateKeyPairSync>["privateKey"]) => k.export({ type: "pkcs8", format: "pem" }).toString();

describe("loadKeyRing", () => {
  test("generates a key on first start into the data directory, mode 0600, with one log line, and reuses it", () => {
    const dir = join(tmp(), "data");
    const logs: string[] = [];
    const first = loadKeyRing({ env: { VOUCH_DATA_DIR: dir }, log: (m) => logs.push(m) });
    const file = join(dir, "signing-key.pem");
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(first.source).toBe(`generated:${file}`);
    expect(logs).toHaveLength(1);
    expect(logs[0]).toContain(first.signer.keyId);
    expect(logs[0]).not.toContain("PRIVATE KEY");
    const second = loadKeyRing({ env: { VOUCH_DATA_DIR: dir }, log: (m) => logs.push(m) });
    expect(second.signer.keyId).toBe(first.signer.keyId);
    expect(logs).toHaveLength(1);
  });

  test("a key from the environment wins, and its public half is served as PEM", () => {
    const { privateKey, publicKey } = generateKeyPairSync("ed25519");
    const ring = loadKeyRing({ env: { VOUCH_DATA_DIR: tmp(), VOUCH_SIGNING_KEY: pkcs8(privateKey) } });
    expect(ring.source).toBe("env:VOUCH_SIGNING_KEY");
    expect(ring.signer.keyId).toBe(keyIdOf(publicKey));
    expect(ring.publicKeysPem()).toBe(publicKey.export({ type: "spki", format: "pem" }).toString());
    expect(ring.publicKeysPem()).not.toContain("PRIVATE");
  });

  test("a key file is read; retired public keys stay valid for verification after a rotation", () => {
    const dir = tmp();
    const old = generateKeyPairSync("ed25519");
    const current = generateKeyPairSync("ed25519");
    const keyFile = join(dir, "current.pem");
    writeFileSync(keyFile, pkcs8(current.privateKey));
    writeFileSync(join(dir, "public-keys.pem"), old.publicKey.export({ type: "spki", format: "pem" }).toString());
    const ring = loadKeyRing({ env: { VOUCH_DATA_DIR: dir, VOUCH_SIGNING_KEY_FILE: keyFile } });
    expect(ring.signer.keyId).toBe(keyIdOf(current.publicKey));
    expect([...ring.publicKeys.keys()]).toEqual([keyIdOf(current.publicKey), keyIdOf(old.publicKey)]);
    const oldEnvelope = signEnvelope(Buffer.from("x"), "t", { keyId: keyIdOf(old.publicKey), privateKey: old.privateKey });
    expect(verifyEnvelope(oldEnvelope, ring.publicKeys)).toMatchObject({ ok: true, keyId: keyIdOf(old.publicKey) });
    const bundle = join(dir, "bundle.pem");
    writeFileSync(bundle, ring.publicKeysPem());
    expect([...loadPublicKeysFile(bundle).keys()]).toEqual([...ring.publicKeys.keys()]);
  });

  test("bad keys are refused with errors that name the source and never echo the material", () => {
    const secretish = "-----BEGIN PRIVATE KEY-----\nTOPSECRETMATERIAL\n-----END PRIVATE KEY-----\n";
    expect(() => loadKeyRing({ env: { VOUCH_DATA_DIR: tmp(), VOUCH_SIGNING_KEY: secretish } })).toThrow(/VOUCH_SIGNING_KEY/);
    try {
      loadKeyRing({ env: { VOUCH_DATA_DIR: tmp(), VOUCH_SIGNING_KEY: secretish } });
    } catch (e) {
      expect(String(e)).not.toContain("TOPSECRET");
    }
    const rsa = generateKeyPairSync("rsa", { modulusLength: 1024 }).privateKey.export({ type: "pkcs8", format: "pem" }).toString();
    expect(() => loadKeyRing({ env: { VOUCH_DATA_DIR: tmp(), VOUCH_SIGNING_KEY: rsa } })).toThrow(/rsa key; Vouch signs with Ed25519/);
    expect(() => loadKeyRing({ env: { VOUCH_DATA_DIR: tmp(), VOUCH_SIGNING_KEY_FILE: "/nonexistent/key.pem" } })).toThrow(/ENOENT/);
    const dir = tmp();
    writeFileSync(join(dir, "pub.pem"), "not a key");
    expect(() => loadPublicKeysFile(join(dir, "pub.pem"))).toThrow(/no "-----BEGIN PUBLIC KEY-----" block/);
  });

  test("a corrupt generated key file is an error, not silently replaced", () => {
    const dir = tmp();
    writeFileSync(join(dir, "signing-key.pem"), "garbage");
    expect(() => loadKeyRing({ env: { VOUCH_DATA_DIR: dir } })).toThrow(/signing-key.pem is not a PEM private key/);
    expect(readFileSync(join(dir, "signing-key.pem"), "utf8")).toBe("garbage");
  });

  test("the data directory defaults to ./.data", () => {
    expect(dataDir({})).toBe(join(process.cwd(), ".data"));
    expect(dataDir({ VOUCH_DATA_DIR: "/srv/vouch" })).toBe("/srv/vouch");
  });
});
