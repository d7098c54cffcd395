import { describe, test, expect } from "@jest/globals";
import { createPublicKey, generateKeyPairSync, sign, verify as nodeVerify, type KeyObject } from "node:crypto";
import { verifyEd25519 } from "../../../src/controls/signatures/ed25519.js";
import { prng } from "../../helpers/prng.js";

function rawPublicKey(key: KeyObject): Buffer {
  return Buffer.from(key.export({ format: "jwk" }).x ?? "", "base64url");
}

function nodeKey(raw: Uint8Array): KeyObject {
  return createPublicKey({ key: { kty: "OKP", crv: "Ed25519", x: Buffer.from(raw).toString("base64url") }, format: "jwk" });
}

describe("verifyEd25519 (libsodium)", () => {
  test("RFC 8032 test vector 2 verifies, and fails for any other message or signature", () => {
    const publicKey = Buffer.from("3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c", "hex");
    const message = Buffer.from("72", "hex");
    const signature = Buffer.from(
      "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00",
      "hex",
    );
    expect(verifyEd25519(publicKey, message, signature)).toBe(true);
    expect(verifyEd25519(publicKey, Buffer.from("73", "hex"), signature)).toBe(false);
    const flipped = Buffer.from(signature);
    flipped[10] = (flipped[10] ?? 0) ^ 1;
    expect(verifyEd25519(publicKey, message, flipped)).toBe(false);
  });

  test("wrong key or signature lengths are false, never an exception", () => {
    const { publicKey, privateKey } = generateKeyPairSync("ed25519");
    const message = Buffer.from("commit");
    const signature = sign(null, message, privateKey);
    const raw = rawPublicKey(publicKey);
    expect(verifyEd25519(raw, message, signature)).toBe(true);
    expect(verifyEd25519(raw.subarray(0, 31), message, signature)).toBe(false);
    expect(verifyEd25519(Buffer.concat([raw, Buffer.alloc(1)]), message, signature)).toBe(false);
    expect(verifyEd25519(raw, message, signature.subarray(0, 63))).toBe(false);
    expect(verifyEd25519(raw, message, Buffer.concat([signature, Buffer.alloc(1)]))).toBe(false);
    expect(verifyEd25519(new Uint8Array(0), message, new Uint8Array(0))).toBe(false);
  });

  test("rejects the identity key's universal forgery that OpenSSL accepts", () => {
    // The identity point as public key, R = identity and S = 0: [S]B = R + [k]A holds for every
    // message, so an RFC 8032 verifier without a small-order check accepts it. libsodium does not.
    const identity = Buffer.alloc(32);
    identity[0] = 1;
    const forged = Buffer.alloc(64);
    forged[0] = 1;
    const message = Buffer.from("tree 4b825dc642cb6eb9a060e54bf8d69288fbee4904\n");
    expect(nodeVerify(null, message, nodeKey(identity), forged)).toBe(true);
    expect(verifyEd25519(identity, message, forged)).toBe(false);
  });

  test("agrees with node:crypto on honest signatures, and accepts nothing node:crypto rejects (2,000 mutations)", () => {
    const seed = 0x5eed;
    const rnd = prng(seed);
    const keys = Array.from({ length: 4 }, () => generateKeyPairSync("ed25519"));
    let accepted = 0;
    for (let i = 0; i < 2000; i++) {
      const pair = keys[i % keys.length];
      if (!pair) throw new Error("no key");
      const message = Buffer.from(`commit ${i} ${rnd()}`);
      const signature = sign(null, message, pair.privateKey);
      let raw: Buffer<ArrayBufferLike> = rawPublicKey(pair.publicKey);
      let sig: Buffer<ArrayBufferLike> = signature;
      let msg: Buffer<ArrayBufferLike> = message;
      const what = i % 4;
      const flip = (b: Buffer<ArrayBufferLike>): Buffer<ArrayBufferLike> => {
        const out = Buffer.from(b);
        const at = Math.floor(rnd() * out.length);
        out[at] = (out[at] ?? 0) ^ (1 << Math.floor(rnd() * 8));
        return out;
      };
      if (what === 1) sig = flip(sig);
      else if (what === 2) msg = flip(msg);
      else if (what === 3) raw = flip(raw);
      const ours = verifyEd25519(raw, msg, sig);
      let theirs: boolean;
      try {
        theirs = nodeVerify(null, msg, nodeKey(raw), sig);
      } catch {
        theirs = false;
      }
      if (what === 0) expect([seed, i, ours]).toEqual([seed, i, true]);
      if (ours) {
        accepted++;
        expect([seed, i, theirs]).toEqual([seed, i, true]);
      }
    }
    expect(accepted).toBe(500); // exactly the unmutated ones: a mutation that verifies would be a forgery
  });
});
