/**
 * The fast paths in OpenPGP verification: one signature packet framed by us and parsed by
 * openpgp.js's SignaturePacket (instead of readSignature's stream machinery), and trusted keys
 * indexed by key id (instead of asking every key). They must never change a verdict.
 */
import { describe, test, expect, beforeAll } from "@jest/globals";
import { randomInt } from "node:crypto";
import { config, createMessage, enums, generateKey, readKey, readSignature, revokeKey, sign, SignaturePacket, type KeyID, type PrivateKey } from "openpgp";
import { verifyOpenPgp } from "../../../src/controls/signatures/openpgp.js";
import { dearmorSignature, singleSignaturePacketBody } from "../../../src/controls/signatures/openpgp-framing.js";
import type { TrustedOpenPgpKey } from "../../../src/controls/signatures/trust.js";

const payload = Buffer.from("tree 4b825dc642cb6eb9a060e54bf8d69288fbee4904\ncommitter A <a@example.com> 1 +0000\n\nmsg\n");
const created = new Date("2024-01-01T00:00:00Z");
const signedAt = new Date("2024-02-01T00:00:00Z");
const now = new Date("2025-01-01T00:00:00Z");

let ecc: PrivateKey;
let rsa: PrivateKey;

async function detached(key: PrivateKey | PrivateKey[], date = signedAt, data = payload): Promise<string> {
  return sign({ message: await createMessage({ binary: new Uint8Array(data) }), signingKeys: key, detached: true, date, format: "armored" });
}

function binaryOf(armored: string): Uint8Array {
  const b = dearmorSignature(armored);
  if (!b) throw new Error("armor not decoded");
  return b;
}

function armor(binary: Uint8Array): string {
  const b64 = Buffer.from(binary).toString("base64").replace(/.{1,64}/g, "$&\n");
  return `-----BEGIN PGP SIGNATURE-----\n\n${b64}-----END PGP SIGNATURE-----\n`;
}

function trusted(key: PrivateKey, emails = ["a@example.com"], origin = "test"): TrustedOpenPgpKey {
  return { key: key.toPublic(), emails, identity: null, origin };
}

/** The packet body re-framed with the given header bytes. */
const framed = (header: number[], body: Uint8Array): Uint8Array => Uint8Array.from([...header, ...body]);

function frames(body: Uint8Array): Array<[string, Uint8Array]> {
  const n = body.length;
  const out: Array<[string, Uint8Array]> = [
    ["old format, 2-octet length", framed([0x89, n >> 8, n & 0xff], body)],
    ["old format, 4-octet length", framed([0x8a, 0, 0, n >> 8, n & 0xff], body)],
    ["new format, 5-octet length", framed([0xc2, 0xff, 0, 0, n >> 8, n & 0xff], body)],
  ];
  if (n < 256) out.push(["old format, 1-octet length", framed([0x88, n], body)]);
  if (n < 192) out.push(["new format, 1-octet length", framed([0xc2, n], body)]);
  if (n >= 192) out.push(["new format, 2-octet length", framed([0xc2, ((n - 192) >> 8) + 192, (n - 192) & 0xff], body)]);
  return out;
}

beforeAll(async () => {
  const userIDs = [{ name: "A", email: "a@example.com" }];
  ecc = (await generateKey({ type: "ecc", userIDs, date: created, format: "object" })).privateKey;
  rsa = (await generateKey({ type: "rsa", rsaBits: 2048, userIDs, date: created, format: "object" })).privateKey;
});

describe("singleSignaturePacketBody", () => {
  test("finds the body under every definite-length header, and openpgp.js reads it to the packet readSignature reads", async () => {
    for (const key of [ecc, rsa]) {
      const binary = binaryOf(await detached(key));
      const body = singleSignaturePacketBody(binary);
      expect(body).toBeDefined();
      for (const [name, bytes] of frames(body ?? new Uint8Array())) {
        expect([name, singleSignaturePacketBody(bytes)]).toEqual([name, body]);
        const fast = new SignaturePacket();
        fast.read(singleSignaturePacketBody(bytes) ?? new Uint8Array());
        const reference = (await readSignature({ binarySignature: bytes })).packets;
        expect(reference.length).toBe(1);
        expect(Buffer.from(fast.write()).equals(Buffer.from(reference[0]?.write() ?? []))).toBe(true);
        // And the verdict through each framing is the same good signature.
        expect(await verifyOpenPgp(armor(bytes), payload, [trusted(key)], now)).toMatchObject({ ok: true });
      }
    }
  });

  test("declines anything but exactly one definite-length signature packet", async () => {
    const binary = binaryOf(await detached(ecc));
    const body = singleSignaturePacketBody(binary) ?? new Uint8Array();
    const n = body.length;
    const declined: Array<[string, Uint8Array]> = [
      ["empty", new Uint8Array()],
      ["no packet tag bit", framed([0x02, n], body)],
      ["partial body length", framed([0xc2, 0xe7], body)],
      ["old format, indeterminate length", framed([0x8b], body)],
      ["another packet type (public key)", framed([0xc6, n], body)],
      ["old format, another packet type", framed([0x98, n], body)],
      ["a trailing byte", Uint8Array.from([...binary, 0])],
      ["two signature packets", Uint8Array.from([...binary, ...binary])],
      ["truncated body", binary.subarray(0, binary.length - 1)],
      ["truncated header", framed([0xc2, 0xff, 0], new Uint8Array())],
      ["length beyond the input", framed([0xc2, n + 1], body)],
    ];
    for (const [name, bytes] of declined) expect([name, singleSignaturePacketBody(bytes)]).toEqual([name, undefined]);
  });

  test("whenever the fast path accepts mutated input, openpgp.js's readSignature reads the very same single packet", async () => {
    const originals = [binaryOf(await detached(ecc)), binaryOf(await detached(rsa))];
    let accepted = 0;
    for (let i = 0; i < 1500; i++) {
      const m = Uint8Array.from(originals[i % 2] ?? []);
      let bytes: Uint8Array = m;
      const kind = i % 4;
      if (kind === 0) m[randomInt(m.length)] = randomInt(256);
      else if (kind === 1) m[randomInt(Math.min(6, m.length))] = randomInt(256); // the header and first body octets
      else if (kind === 2) bytes = m.subarray(0, randomInt(m.length));
      else bytes = Uint8Array.from([...m.subarray(0, 8), randomInt(256), ...m.subarray(8)]);
      const body = singleSignaturePacketBody(bytes);
      if (!body) continue;
      const fast = new SignaturePacket();
      try {
        fast.read(body);
      } catch {
        continue; // the caller then asks readSignature, which decides
      }
      accepted++;
      const reference = (await readSignature({ binarySignature: bytes })).packets;
      expect(reference.length).toBe(1);
      expect(reference[0]).toBeInstanceOf(SignaturePacket);
      expect(Buffer.from(fast.write()).equals(Buffer.from(reference[0]?.write() ?? []))).toBe(true);
    }
    // Most single-byte flips in the signature body still parse: the comparison above really ran.
    expect(accepted).toBeGreaterThan(100);
  });
});

describe("verifyOpenPgp outside the fast path", () => {
  test("a packet openpgp.js keeps unparsed (unsupported version) is unsupported_format, not a crash", async () => {
    const binary = binaryOf(await detached(ecc));
    const body = Uint8Array.from(singleSignaturePacketBody(binary) ?? []);
    body[0] = 3; // a v3 signature packet
    const bytes = framed([0xc2, body.length], body);
    expect((await readSignature({ binarySignature: bytes })).packets[0]).not.toBeInstanceOf(SignaturePacket);
    expect(await verifyOpenPgp(armor(bytes), payload, [trusted(ecc)], now)).toMatchObject({ ok: false, status: "unsupported_format" });
  });
});

describe("verifyOpenPgp through the fast path still rejects", () => {
  test("the signatures below take the fast path", async () => {
    expect(singleSignaturePacketBody(binaryOf(await detached(ecc)))).toBeDefined();
    expect(singleSignaturePacketBody(binaryOf(await detached(rsa)))).toBeDefined();
  });

  test("a tampered payload", async () => {
    const sig = await detached(ecc);
    const keys = [trusted(ecc)];
    expect(await verifyOpenPgp(sig, payload, keys, now)).toMatchObject({ ok: true });
    const tampered = Buffer.from(payload);
    tampered[tampered.length - 2] = (tampered[tampered.length - 2] ?? 0) ^ 1;
    expect(await verifyOpenPgp(sig, tampered, keys, now)).toMatchObject({ ok: false, status: "bad_signature" });
    expect(await verifyOpenPgp(await detached(rsa), tampered, [trusted(rsa)], now)).toMatchObject({ ok: false, status: "bad_signature" });
  });

  test("a signature altered anywhere it is signed or checked (hashed area, hash bits, signature values)", async () => {
    const binary = binaryOf(await detached(ecc));
    const body = singleSignaturePacketBody(binary) ?? new Uint8Array();
    const headerLength = binary.length - body.length;
    const parsed = new SignaturePacket();
    parsed.read(body);
    // The unhashed area is not signed (a flip there may legitimately still verify); skip it.
    const hashedEnd = headerLength + (parsed.signatureData?.length ?? 0);
    const unhashedEnd = hashedEnd + 2 + (((binary[hashedEnd] ?? 0) << 8) | (binary[hashedEnd + 1] ?? 0));
    const keys = [trusted(ecc)];
    const canonical = Buffer.from(parsed.write());
    let checked = 0;
    for (let at = headerLength; at < binary.length; at++) {
      if (at >= hashedEnd && at < unhashedEnd) continue;
      const m = Uint8Array.from(binary);
      m[at] = (m[at] ?? 0) ^ 0x01;
      const r = await verifyOpenPgp(armor(m), payload, keys, now);
      if (r.ok) {
        // Only a change that leaves the same signature may verify: an MPI's bit count, which
        // OpenPGP does not sign and openpgp.js (like gpg) reads leniently.
        const again = new SignaturePacket();
        again.read(singleSignaturePacketBody(m) ?? new Uint8Array());
        expect([at, Buffer.from(again.write()).equals(canonical)]).toEqual([at, true]);
      }
      checked++;
    }
    expect(checked).toBeGreaterThan(60);
  });

  test("a hard-revoked key", async () => {
    const sig = await detached(ecc);
    const { publicKey } = await revokeKey({ key: ecc, reasonForRevocation: { flag: enums.reasonForRevocation.keyCompromised }, date: new Date("2024-06-01T00:00:00Z"), format: "armored" });
    const keys: TrustedOpenPgpKey[] = [{ key: await readKey({ armoredKey: publicKey }), emails: ["a@example.com"], identity: null, origin: "test" }];
    expect(await verifyOpenPgp(sig, payload, keys, now)).toMatchObject({ ok: false, status: "revoked_key" });
  });

  test("a key expired before the trusted time, though valid when it signed", async () => {
    const { privateKey } = await generateKey({ type: "ecc", userIDs: [{ email: "a@example.com" }], date: created, keyExpirationTime: 90 * 86400, format: "object" });
    const sig = await detached(privateKey);
    const keys = [trusted(privateKey)];
    expect(await verifyOpenPgp(sig, payload, keys, new Date("2024-02-02T00:00:00Z"))).toMatchObject({ ok: true });
    expect(await verifyOpenPgp(sig, payload, keys, now)).toMatchObject({ ok: false, status: "expired_key" });
  });

  test("a SHA-1 signature, even with a valid signature value", async () => {
    // openpgp.js will not make SHA-1 signatures; re-sign a packet whose hash algorithm we set.
    const pkt = new SignaturePacket();
    pkt.signatureType = enums.signature.binary;
    pkt.publicKeyAlgorithm = rsa.keyPacket.algorithm; // EdDSA refuses SHA-1 even to sign
    pkt.hashAlgorithm = enums.hash.sha1;
    const literal = (await createMessage({ binary: new Uint8Array(payload) })).packets[0];
    const signWith = pkt.sign.bind(pkt) as unknown as (key: unknown, data: unknown, date: Date, detached: boolean, cfg: unknown) => Promise<void>;
    await signWith(rsa.keyPacket, literal, signedAt, true, { ...config, nonDeterministicSignaturesViaNotation: false });
    const body = new Uint8Array(pkt.write());
    const sig = armor(framed([0xc2, 0xff, 0, 0, body.length >> 8, body.length & 0xff], body));
    expect(singleSignaturePacketBody(binaryOf(sig))).toBeDefined();
    expect(await verifyOpenPgp(sig, payload, [trusted(rsa)], now)).toMatchObject({ ok: false, status: "weak_algorithm" });
  });
});

describe("the trusted-key index", () => {
  test("finds a signing subkey, the key among others, and every trust source of the same key", async () => {
    const withSubkey = await ecc.addSubkey({ sign: true, date: created });
    const sig = await detached(withSubkey);
    const subkey = withSubkey.subkeys.find((s) => s.getKeyID().equals(issuerOf(sig)));
    expect(subkey).toBeDefined();
    const keys = [trusted(rsa, ["r@example.com"], "rsa"), trusted(withSubkey, ["a@example.com"], "one"), trusted(withSubkey, ["alias@example.com"], "two")];
    const r = await verifyOpenPgp(sig, payload, keys, now);
    expect(r).toMatchObject({ ok: true, fingerprint: subkey?.getFingerprint() });
    if (r.ok) expect(r.trusted.map((t) => t.origin)).toEqual(["one", "two"]);
  });

  test("a key the trust list does not hold is unknown_key, however many keys it holds", async () => {
    const { privateKey: other } = await generateKey({ type: "ecc", userIDs: [{ email: "o@example.com" }], date: created, format: "object" });
    const keys = [trusted(rsa), trusted(ecc)];
    expect(await verifyOpenPgp(await detached(other), payload, keys, now)).toMatchObject({ ok: false, status: "unknown_key" });
    expect(await verifyOpenPgp(await detached(ecc), payload, keys, now)).toMatchObject({ ok: true });
  });
});

function issuerOf(armored: string): KeyID {
  const pkt = new SignaturePacket();
  pkt.read(singleSignaturePacketBody(binaryOf(armored)) ?? new Uint8Array());
  return pkt.issuerKeyID;
}
