import { describe, test, expect, beforeAll } from "@jest/globals";
import { createMessage, enums, generateKey, readKey, readSignature, revokeKey, sign, type PrivateKey } from "openpgp";
import { verifyOpenPgp } from "../../../src/controls/signatures/openpgp.js";
import type { TrustedOpenPgpKey } from "../../../src/controls/signatures/trust.js";

const payload = Buffer.from("tree 4b825dc642cb6eb9a060e54bf8d69288fbee4904\ncommitter A <a@example.com> 1 +0000\n\nmsg\n");
const t0 = new Date("2024-01-01T00:00:00Z");
const signedAt = new Date("2024-02-01T00:00:00Z");
const later = new Date("2024-06-01T00:00:00Z");
const now = new Date("2025-01-01T00:00:00Z");

let privateKey: PrivateKey;
let signature: string;

async function trusted(armored: string): Promise<TrustedOpenPgpKey[]> {
  return [{ key: await readKey({ armoredKey: armored }), emails: ["a@example.com"], identity: null, origin: "test" }];
}

async function detached(key: PrivateKey, date: Date, data = payload): Promise<string> {
  return sign({ message: await createMessage({ binary: new Uint8Array(data) }), signingKeys: key, detached: true, date, format: "armored" });
}

async function revokedCopy(flag: enums.reasonForRevocation, date: Date): Promise<string> {
  const { publicKey } = await revokeKey({ key: privateKey, reasonForRevocation: { flag }, date, format: "armored" });
  return publicKey;
}

beforeAll(async () => {
  const { privateKey: armored } = await generateKey({ type: "ecc", userIDs: [{ name: "A", email: "a@example.com" }], date: t0, format: "armored" });
  privateKey = await readKey({ armoredKey: armored }) as PrivateKey;
  signature = await detached(privateKey, signedAt);
});

describe("verifyOpenPgp revocation semantics", () => {
  test("a good signature verifies", async () => {
    const r = await verifyOpenPgp(signature, payload, await trusted(privateKey.toPublic().armor()), now);
    expect(r).toMatchObject({ ok: true });
  });

  test("a superseded or retired revocation dated after the signature leaves it valid", async () => {
    for (const flag of [enums.reasonForRevocation.keySuperseded, enums.reasonForRevocation.keyRetired]) {
      const r = await verifyOpenPgp(signature, payload, await trusted(await revokedCopy(flag, later)), now);
      expect(r).toMatchObject({ ok: true });
    }
  });

  test("one key object judges signatures on both sides of a soft revocation separately", async () => {
    const keys = await trusted(await revokedCopy(enums.reasonForRevocation.keySuperseded, later));
    const afterRevocation = await detached(privateKey, new Date("2024-07-01T00:00:00Z"));
    for (let i = 0; i < 3; i++) {
      expect(await verifyOpenPgp(signature, payload, keys, now)).toMatchObject({ ok: true });
      expect(await verifyOpenPgp(afterRevocation, payload, keys, now)).toMatchObject({ ok: false, status: "revoked_key" });
    }
  });

  test("a soft revocation dated before the signature invalidates it", async () => {
    const revoked = await revokedCopy(enums.reasonForRevocation.keySuperseded, new Date("2024-01-15T00:00:00Z"));
    expect(await verifyOpenPgp(signature, payload, await trusted(revoked), now)).toMatchObject({ ok: false, status: "revoked_key" });
  });

  test("a hard revocation invalidates every signature, whatever its date", async () => {
    for (const flag of [enums.reasonForRevocation.keyCompromised, enums.reasonForRevocation.noReason]) {
      const r = await verifyOpenPgp(signature, payload, await trusted(await revokedCopy(flag, later)), now);
      expect(r).toMatchObject({ ok: false, status: "revoked_key" });
    }
  });
});

describe("verifyOpenPgp input handling", () => {
  test("two signature packets in one armor are multiple_signatures", async () => {
    const { privateKey: other } = await generateKey({ type: "ecc", userIDs: [{ email: "b@example.com" }], date: t0, format: "object" });
    const both = await sign({
      message: await createMessage({ binary: new Uint8Array(payload) }),
      signingKeys: [privateKey, other],
      detached: true,
      date: signedAt,
      format: "armored",
    });
    expect((await readSignature({ armoredSignature: both })).packets.length).toBe(2);
    expect(await verifyOpenPgp(both, payload, await trusted(privateKey.toPublic().armor()), now)).toMatchObject({ ok: false, status: "multiple_signatures" });
  });

  test("unparseable armor is malformed and an unknown issuer is unknown_key", async () => {
    const keys = await trusted(privateKey.toPublic().armor());
    expect(await verifyOpenPgp("-----BEGIN PGP SIGNATURE-----\n\nAAAA\n-----END PGP SIGNATURE-----\n", payload, keys, now)).toMatchObject({ ok: false, status: "malformed" });
    expect(await verifyOpenPgp(signature, payload, [], now)).toMatchObject({ ok: false, status: "unknown_key" });
  });

  test("a signature over other bytes is bad_signature", async () => {
    const r = await verifyOpenPgp(signature, Buffer.concat([payload, Buffer.from("x")]), await trusted(privateKey.toPublic().armor()), now);
    expect(r).toMatchObject({ ok: false, status: "bad_signature" });
  });
});
