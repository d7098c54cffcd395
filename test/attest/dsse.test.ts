import { describe, test, expect } from "@jest/globals";
import { createPublicKey, generateKeyPairSync } from "node:crypto";
import { decodeBase64, keyIdOf, pae, signEnvelope, verifyEnvelope } from "../../src/attest/dsse.js";

// The DSSE protocol's published test vector (secure-systems-lab/dsse, protocol.md): ECDSA P-256, raw r||s.
const toB64url = (dec: string) => Buffer.from(BigInt(dec).toString(16).padStart(64, "0"), "hex").toString("base64url");
const VECTOR_KEY = createPublicKey({
  key: {
    kty: "EC",
    crv: "P-256",
    x: toB64url("46950820868899156662930047687818585632848591499744589407958293238635476079160"),
    y: toB64url("5640078356564379163099075877009565129882514886557779369047442380624545832820"),
  },
  format: "jwk",
});
const VECTOR_ENVELOPE = {
  payload: "aGVsbG8gd29ybGQ=",
  payloadType: "http://example.com/HelloWorld",
  signatures: [{ sig: "A3JqsQGtVsJ2O2xqrI5IcnXip5GToJ3F+FnZ+O88SjtR6rDAajabZKciJTfUiHqJPcIAriEGAHTVeCUjW2JIZA==" }],
};

describe("PAE", () => {
  test("matches the spec vector byte for byte", () => {
    expect(pae("http://example.com/HelloWorld", Buffer.from("hello world")).toString("latin1")).toBe(
      "DSSEv1 29 http://example.com/HelloWorld 11 hello world",
    );
  });
  test("counts bytes, not characters", () => {
    expect(pae("t/ü", Buffer.from("é", "utf8")).toString("utf8")).toBe("DSSEv1 4 t/ü 2 é");
    expect(pae("x", Buffer.alloc(0)).toString("latin1")).toBe("DSSEv1 1 x 0 ");
  });
});

describe("envelope verification", () => {
  test("the spec's envelope verifies under the spec's key", () => {
    const r = verifyEnvelope(VECTOR_ENVELOPE, new Map([["vector", VECTOR_KEY]]));
    expect(r).toMatchObject({ ok: true, payloadType: "http://example.com/HelloWorld" });
    expect(r.ok && r.payload.toString()).toBe("hello world");
  });

  test("the spec's envelope fails once the payload type changes (it is authenticated)", () => {
    const r = verifyEnvelope({ ...VECTOR_ENVELOPE, payloadType: "http://example.com/HelloWorlD" }, new Map([["v", VECTOR_KEY]]));
    expect(r.ok).toBe(false);
  });

  const { privateKey, publicKey } = generateKeyPairSync("ed25519");
  const signer = { keyId: keyIdOf(publicKey), privateKey };
  const trusted = new Map([[signer.keyId, publicKey]]);

  test("Ed25519 round trip, with the key id as sha256 of the DER SPKI", () => {
    const env = signEnvelope(Buffer.from('{"a":1}'), "application/vnd.in-toto+json", signer);
    expect(signer.keyId).toMatch(/^[0-9a-f]{64}$/);
    expect(env.signatures[0]?.keyid).toBe(signer.keyId);
    expect(Buffer.from(env.signatures[0]!.sig, "base64")).toHaveLength(64);
    const r = verifyEnvelope(env, trusted);
    expect(r.ok && r.payload.toString()).toBe('{"a":1}');
  });

  test("URL-safe base64 is accepted as the spec requires", () => {
    const env = signEnvelope(Buffer.from([0xfb, 0xff, 0xfe]), "x", signer);
    const urlSafe = {
      ...env,
      payload: Buffer.from(env.payload, "base64").toString("base64url"),
      signatures: env.signatures.map((s) => ({ ...s, sig: Buffer.from(s.sig, "base64").toString("base64url") })),
    };
    expect(verifyEnvelope(urlSafe, trusted).ok).toBe(true);
  });

  test("a changed payload, a foreign key, and malformed envelopes are rejected with a reason", () => {
    const env = signEnvelope(Buffer.from("hello"), "x", signer);
    expect(verifyEnvelope({ ...env, payload: Buffer.from("hellO").toString("base64") }, trusted).ok).toBe(false);
    const other = generateKeyPairSync("ed25519").publicKey;
    const foreign = verifyEnvelope(env, new Map([[keyIdOf(other), other]]));
    expect(foreign).toEqual({ ok: false, reason: expect.stringContaining("unknown key") });
    expect(verifyEnvelope(null, trusted).ok).toBe(false);
    expect(verifyEnvelope({ ...env, payload: "***" }, trusted)).toEqual({ ok: false, reason: "payload is not valid base64" });
    expect(verifyEnvelope({ ...env, signatures: [] }, trusted).ok).toBe(false);
    expect(verifyEnvelope({ ...env, signatures: [{ keyid: signer.keyId, sig: "AAAA" }] }, trusted).ok).toBe(false);
  });

  test("a wrong key id hint does not stop a valid signature from verifying (the id is unauthenticated)", () => {
    const env = signEnvelope(Buffer.from("hello"), "x", signer);
    env.signatures[0]!.keyid = "not-a-known-id";
    expect(verifyEnvelope(env, trusted).ok).toBe(true);
    // Strict mode, used for Vouch's own envelopes, requires the id to name the signing key.
    expect(verifyEnvelope(env, trusted, { requireKeyId: true }).ok).toBe(false);
    env.signatures[0]!.keyid = signer.keyId;
    expect(verifyEnvelope(env, trusted, { requireKeyId: true }).ok).toBe(true);
  });

  test("decodeBase64 rejects non-canonical text", () => {
    expect(decodeBase64("aGVsbG8=")?.toString()).toBe("hello");
    expect(decodeBase64("aGVsbG8")?.toString()).toBe("hello");
    expect(decodeBase64("a b")).toBeNull();
  });
});
