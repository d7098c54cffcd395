import { describe, test, expect } from "@jest/globals";
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { checkSshSignature, parseSshSignature, type SshCheck } from "../../../src/controls/signatures/ssh.js";
import { SshFormatError, UnsupportedKeyError, sshFingerprint } from "../../../src/controls/signatures/ssh-wire.js";
import { ecdsaKey, ed25519Key, rsaKey, sshsig, str, armor, publicKeyLine, type SshsigOptions, type TestKey } from "./sshsig-builder.js";

const payload = Buffer.from("tree 4b825dc642cb6eb9a060e54bf8d69288fbee4904\ncommitter C <c@example.com> 1 +0000\n\nmsg\n");

function check(key: TestKey, o: SshsigOptions = {}, data = payload): SshCheck {
  return checkSshSignature(parseSshSignature(sshsig(key, payload, o)), data);
}

const ed = ed25519Key();
const rsa = rsaKey(2048);

describe("checkSshSignature", () => {
  test.each([
    ["Ed25519", () => ed],
    ["ECDSA P-256", () => ecdsaKey("P-256")],
    ["ECDSA P-384", () => ecdsaKey("P-384")],
    ["ECDSA P-521", () => ecdsaKey("P-521")],
    ["RSA", () => rsa],
  ])("accepts a good %s signature and rejects it over other content", (_name, make) => {
    const key = make();
    for (const hashAlgorithm of ["sha256", "sha512"]) {
      const ok = check(key, { hashAlgorithm });
      expect(ok).toMatchObject({ ok: true, fingerprint: sshFingerprint(key.blob) });
      expect(check(key, { hashAlgorithm }, Buffer.concat([payload, Buffer.from(" ")]))).toMatchObject({ ok: false, status: "bad_signature" });
    }
  });

  test("agrees with ssh-keygen -Y verify on a crafted signature (the builder is faithful)", () => {
    const dir = mkdtempSync(join(tmpdir(), "vouch-sshsig-"));
    try {
      const key = ecdsaKey("P-384");
      writeFileSync(join(dir, "sig"), sshsig(key, payload));
      writeFileSync(join(dir, "allowed"), `c@example.com ${publicKeyLine(key)}\n`);
      const out = execFileSync("ssh-keygen", ["-Y", "verify", "-f", join(dir, "allowed"), "-I", "c@example.com", "-n", "git", "-s", join(dir, "sig")], {
        input: payload,
        encoding: "utf8",
      });
      expect(out).toMatch(/Good "git" signature/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("accepts RSA with rsa-sha2-256 and rejects legacy ssh-rsa (SHA-1) and short keys as weak", () => {
    expect(check(rsa, { signatureAlgorithm: "rsa-sha2-256" }).ok).toBe(true);
    expect(check(rsa, { signatureAlgorithm: "ssh-rsa" })).toMatchObject({ ok: false, status: "weak_algorithm" });
    expect(check(rsaKey(1024))).toMatchObject({ ok: false, status: "weak_algorithm" });
  });

  test("rejects SHA-1 message hashing as weak and unknown hashes as unsupported", () => {
    expect(check(ed, { hashAlgorithm: "sha1" })).toMatchObject({ ok: false, status: "weak_algorithm" });
    expect(check(ed, { hashAlgorithm: "md5" })).toMatchObject({ ok: false, status: "unsupported_format" });
  });

  test("requires the git namespace", () => {
    expect(check(ed, { namespace: "file" })).toMatchObject({ ok: false, status: "bad_signature", detail: expect.stringMatching(/namespace/) });
  });

  test("rejects a signature algorithm that does not match the key", () => {
    expect(check(ed, { signatureAlgorithm: "ssh-rsa" })).toMatchObject({ ok: false, status: "bad_signature" });
    expect(check(ecdsaKey("P-256"), { signatureAlgorithm: "ecdsa-sha2-nistp384" })).toMatchObject({ ok: false, status: "bad_signature" });
  });

  test("reports certificates and FIDO keys as unsupported formats", () => {
    const cert = Buffer.concat([str("ssh-ed25519-cert-v01@openssh.com"), str("x")]);
    const sk = Buffer.concat([str("sk-ssh-ed25519@openssh.com"), str("x")]);
    expect(check(ed, { publicKeyBlob: cert })).toMatchObject({ ok: false, status: "unsupported_format" });
    expect(check(ed, { publicKeyBlob: sk })).toMatchObject({ ok: false, status: "unsupported_format" });
    const broken = Buffer.concat([str("ssh-ed25519"), str(Buffer.alloc(31))]);
    expect(check(ed, { publicKeyBlob: broken })).toMatchObject({ ok: false, status: "malformed" });
  });
});

describe("parseSshSignature", () => {
  test("rejects bad magic, newer versions, broken base64, truncation and trailing bytes", () => {
    expect(() => parseSshSignature(sshsig(ed, payload, { magic: "SSHSIX" }))).toThrow(SshFormatError);
    expect(() => parseSshSignature(sshsig(ed, payload, { version: 2 }))).toThrow(UnsupportedKeyError);
    const good = sshsig(ed, payload);
    expect(() => parseSshSignature(good.replace("-----END SSH SIGNATURE-----", ""))).toThrow(/armor/);
    expect(() => parseSshSignature(good.replace(/\n[A-Za-z0-9+/]/, "\n*"))).toThrow(/base64/);
    const blob = Buffer.from(good.split("\n").slice(1, -2).join(""), "base64");
    expect(() => parseSshSignature(armor(blob.subarray(0, blob.length - 5)))).toThrow(SshFormatError);
    expect(() => parseSshSignature(armor(Buffer.concat([blob, Buffer.from([0])])))).toThrow(/trailing/);
  });
});

describe("checkSshSignature's reuse of parsed embedded keys", () => {
  test("a key seen before still judges each signature on its own: good, tampered, wrong namespace, weak hash", () => {
    const key = ed25519Key();
    for (let i = 0; i < 3; i++) {
      expect(check(key)).toMatchObject({ ok: true, fingerprint: sshFingerprint(key.blob) });
      expect(check(key, {}, Buffer.concat([payload, Buffer.from("x")]))).toMatchObject({ ok: false, status: "bad_signature" });
      expect(check(key, { namespace: "file" })).toMatchObject({ ok: false, status: "bad_signature" });
      expect(check(key, { hashAlgorithm: "sha1" })).toMatchObject({ ok: false, status: "weak_algorithm" });
    }
  });

  test("a signature carrying one key but made by another fails even after both keys were seen", () => {
    const a = ed25519Key();
    const b = ed25519Key();
    expect(check(a)).toMatchObject({ ok: true });
    expect(check(b)).toMatchObject({ ok: true });
    // b's signature bytes under a's public key blob.
    const forged = parseSshSignature(sshsig(b, payload));
    const r = checkSshSignature({ ...forged, publicKeyBlob: a.blob }, payload);
    expect(r).toMatchObject({ ok: false, status: "bad_signature", fingerprint: sshFingerprint(a.blob) });
  });

  test("stays correct past its size bound (hundreds of distinct keys, then the first again)", () => {
    const keys = Array.from({ length: 300 }, () => ed25519Key());
    for (const k of keys) expect(check(k)).toMatchObject({ ok: true, fingerprint: sshFingerprint(k.blob) });
    const first = keys[0] ?? ed25519Key();
    expect(check(first)).toMatchObject({ ok: true, fingerprint: sshFingerprint(first.blob) });
    expect(check(first, {}, Buffer.from("other"))).toMatchObject({ ok: false, status: "bad_signature" });
  });

  test("a broken key blob is reported every time, never cached as good", () => {
    const key = ed25519Key();
    const sig = parseSshSignature(sshsig(key, payload));
    const broken = Buffer.concat([key.blob, Buffer.from([0])]);
    for (let i = 0; i < 2; i++) expect(checkSshSignature({ ...sig, publicKeyBlob: broken }, payload)).toMatchObject({ ok: false, status: "malformed" });
    expect(checkSshSignature(sig, payload)).toMatchObject({ ok: true });
  });
});
