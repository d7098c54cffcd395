/**
 * The armor fast path against openpgp.js's own armor reader: every common shape (gpg's and
 * openpgp.js's, LF and CRLF, headers, checksum line, line widths) takes the fast path, and
 * whenever the fast path accepts a mutated armor, openpgp.js decodes the very same bytes.
 */
import { describe, test, expect, beforeAll } from "@jest/globals";
import { createMessage, generateKey, sign, unarmor } from "openpgp";
import { dearmorSignature } from "../../../src/controls/signatures/openpgp-framing.js";
import { prng } from "../../helpers/prng.js";

let binary: Buffer;

beforeAll(async () => {
  const { privateKey } = await generateKey({ type: "ecc", userIDs: [{ email: "a@example.com" }], format: "object" });
  const message = await createMessage({ binary: new Uint8Array(Buffer.from("tree 4b825dc642cb6eb9a060e54bf8d69288fbee4904\n")) });
  binary = Buffer.from(await sign({ message, signingKeys: privateKey, detached: true, format: "binary" }));
});

/** A CRC-24 checksum line as gpg writes it (RFC 4880 6.1); the reader ignores its value. */
function checksumLine(data: Buffer): string {
  let crc = 0xb704ce;
  for (const byte of data) {
    crc ^= byte << 16;
    for (let i = 0; i < 8; i++) {
      crc <<= 1;
      if (crc & 0x1000000) crc ^= 0x1864cfb;
    }
  }
  const b = Buffer.from([(crc >> 16) & 0xff, (crc >> 8) & 0xff, crc & 0xff]);
  return `=${b.toString("base64")}`;
}

function shapes(data: Buffer): Array<[string, string]> {
  const wrap = (width: number): string[] => Buffer.from(data).toString("base64").match(new RegExp(`.{1,${width}}`, "g")) ?? [];
  const build = (headers: string[], width: number, checksum: boolean, eol: string, trailing: string): string =>
    ["-----BEGIN PGP SIGNATURE-----", ...headers, "", ...wrap(width), ...(checksum ? [checksumLine(data)] : []), "-----END PGP SIGNATURE-----"].join(eol) + trailing;
  return [
    ["gpg (64 columns, checksum)", build([], 64, true, "\n", "\n")],
    ["openpgp.js style (no checksum)", build([], 64, false, "\n", "\n")],
    ["with headers", build(["Version: GnuPG v2", "Comment: https://example.com/key"], 64, true, "\n", "\n")],
    ["CRLF", build([], 64, true, "\r\n", "\r\n")],
    ["76 columns, no final newline", build([], 76, false, "\n", "")],
    ["one long line, trailing empty lines", build([], 4096, false, "\n", "\n\n\n")],
  ];
}

describe("dearmorSignature", () => {
  test("takes the fast path for every common shape and decodes exactly the packet bytes", async () => {
    for (const [name, text] of shapes(binary)) {
      const fast = dearmorSignature(text);
      expect([name, fast && Buffer.from(fast).equals(binary)]).toEqual([name, true]);
      const reference = await unarmor(text);
      expect([name, Buffer.from(reference.data as Uint8Array).equals(binary)]).toEqual([name, true]);
    }
  });

  test("declines broken armor", () => {
    const [, good] = shapes(binary)[0] ?? ["", ""];
    const declined: Array<[string, string]> = [
      ["no END line", good.replace("-----END PGP SIGNATURE-----", "")],
      ["no empty line after the BEGIN line", good.replace("-----\n\n", "-----\n")],
      ["a character outside base64", good.replace(/\n\n([A-Za-z0-9+/])/, "\n\n*")],
      ["padding in the middle", good.replace(/\n\n([A-Za-z0-9+/]{4})/, "\n\n$1====")],
      ["a header without its space", good.replace("-----\n\n", "-----\nVersion:x\n\n")],
      ["another armor type", "-----BEGIN PGP MESSAGE-----\n\nAAAA\n-----END PGP MESSAGE-----\n"],
      ["an empty body", "-----BEGIN PGP SIGNATURE-----\n\n-----END PGP SIGNATURE-----\n"],
      ["only a checksum line", "-----BEGIN PGP SIGNATURE-----\n\n=AAAA\n-----END PGP SIGNATURE-----\n"],
      ["only padding", "-----BEGIN PGP SIGNATURE-----\n\n====\n-----END PGP SIGNATURE-----\n"],
      ["nothing", ""],
    ];
    for (const [name, text] of declined) expect([name, dearmorSignature(text)]).toEqual([name, undefined]);
  });

  test("whenever it accepts a mutated armor, openpgp.js's unarmor decodes the same bytes (3,000 mutations)", async () => {
    const seed = 0xa4a0;
    const rnd = prng(seed);
    const alphabet = ["=", "\r", "\n", " ", ":", "A", "/", "-", "*", "\t", "é", "\r\n"];
    const originals = shapes(binary).map(([, text]) => text);
    let accepted = 0;
    for (let i = 0; i < 3000; i++) {
      const text = originals[i % originals.length] ?? "";
      const at = Math.floor(rnd() * text.length);
      const piece = alphabet[Math.floor(rnd() * alphabet.length)] ?? "";
      const kind = i % 3;
      const mutated = kind === 0 ? text.slice(0, at) + piece + text.slice(at + 1) : kind === 1 ? text.slice(0, at) + piece + text.slice(at) : text.slice(0, at) + text.slice(at + 1);
      const fast = dearmorSignature(mutated);
      if (!fast) continue;
      accepted++;
      let reference: Buffer | string;
      try {
        reference = Buffer.from((await unarmor(mutated)).data as Uint8Array);
      } catch (e) {
        reference = `openpgp.js refused it: ${(e as Error).message}`;
      }
      expect([seed, i, reference]).toEqual([seed, i, Buffer.from(fast)]);
    }
    // Many mutations (in headers, line ends, the checksum) keep the armor valid: the comparison really ran.
    expect(accepted).toBeGreaterThan(300);
  });
});
