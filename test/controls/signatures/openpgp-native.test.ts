import { describe, test, expect } from "@jest/globals";
import { createMessage, enums, generateKey, readSignature, sign, type PrivateKey, type PublicKey, type SignaturePacket } from "openpgp";
import { nativeVerify } from "../../../src/controls/signatures/openpgp-native.js";
import { dearmorSignature } from "../../../src/controls/signatures/openpgp-framing.js";

const payload = new Uint8Array(Buffer.from("tree 4b825dc642cb6eb9a060e54bf8d69288fbee4904\ncommitter A <a@example.com> 1 +0000\n\nmsg\r\n"));

async function signed(privateKey: PrivateKey, text = false): Promise<{ armored: string; pkt: SignaturePacket }> {
  const message = text ? await createMessage({ text: Buffer.from(payload).toString() }) : await createMessage({ binary: payload });
  const armored = await sign({ message, signingKeys: privateKey, detached: true, format: "armored" });
  const pkt = (await readSignature({ armoredSignature: armored })).packets[0];
  if (!pkt) throw new Error("no packet");
  return { armored, pkt };
}

function keyPacketOf(publicKey: PublicKey, pkt: SignaturePacket): unknown {
  return publicKey.getKeys(pkt.issuerKeyID)[0]?.keyPacket;
}

describe("nativeVerify", () => {
  test.each([
    ["EdDSA (legacy Ed25519)", { type: "ecc" as const, curve: "ed25519Legacy" as const }],
    ["ECDSA P-256", { type: "ecc" as const, curve: "nistP256" as const }],
    ["ECDSA P-384", { type: "ecc" as const, curve: "nistP384" as const }],
    ["RSA 2048", { type: "rsa" as const, rsaBits: 2048 }],
  ])("%s: true for the signed bytes, false for any other bytes", async (_name, options) => {
    const { privateKey, publicKey } = await generateKey({ ...options, userIDs: [{ email: "a@example.com" }], format: "object" });
    const { pkt } = await signed(privateKey);
    const keyPacket = keyPacketOf(publicKey, pkt);
    expect(nativeVerify(pkt, keyPacket, payload)).toBe(true);
    const other = Uint8Array.from(payload);
    other[5] = (other[5] ?? 0) ^ 1;
    expect(nativeVerify(pkt, keyPacket, other)).toBe(false);
    // openpgp.js agrees on both.
    const lit = (await createMessage({ binary: other })).packets[0];
    await expect(pkt.verify(keyPacketOf(publicKey, pkt) as never, enums.signature.binary, lit as never, new Date(), true)).rejects.toThrow();
  });

  test("a signature from another key of the same type does not verify", async () => {
    const a = await generateKey({ type: "ecc", userIDs: [{ email: "a@example.com" }], format: "object" });
    const b = await generateKey({ type: "ecc", userIDs: [{ email: "b@example.com" }], format: "object" });
    const { pkt } = await signed(a.privateKey);
    expect(nativeVerify(pkt, b.publicKey.keyPacket, payload)).toBe(false);
  });

  test("leaves text-mode signatures to openpgp.js", async () => {
    const { privateKey, publicKey } = await generateKey({ type: "ecc", userIDs: [{ email: "a@example.com" }], format: "object" });
    const { pkt } = await signed(privateKey, true);
    expect(nativeVerify(pkt, keyPacketOf(publicKey, pkt), payload)).toBeUndefined();
  });
});

describe("dearmorSignature", () => {
  test("decodes well-formed armor to the same packets openpgp.js reads, and declines anything odd", async () => {
    const { privateKey } = await generateKey({ type: "ecc", userIDs: [{ email: "a@example.com" }], format: "object" });
    const { armored } = await signed(privateKey);
    const binary = dearmorSignature(armored);
    expect(binary).toBeDefined();
    const viaBinary = await readSignature({ binarySignature: binary ?? new Uint8Array() });
    const viaArmor = await readSignature({ armoredSignature: armored });
    expect(Buffer.from(viaBinary.write() as Uint8Array).equals(Buffer.from(viaArmor.write() as Uint8Array))).toBe(true);
    expect(dearmorSignature(armored.replace("-----END PGP SIGNATURE-----", ""))).toBeUndefined();
    expect(dearmorSignature(armored.replace(/\n\n/, "\n"))).toBeUndefined();
    expect(dearmorSignature(armored.replace(/\n\n([A-Za-z0-9+/])/, "\n\n*"))).toBeUndefined();
    expect(dearmorSignature("-----BEGIN PGP MESSAGE-----\n\nAAAA\n-----END PGP MESSAGE-----\n")).toBeUndefined();
  });
});
