import { describe, test, expect, beforeAll, afterAll } from "@jest/globals";
import { CatFileSource } from "../../../src/git/cat-file.js";
import { hashObject } from "../../../src/git/objects.js";
import { verifyObject, verifyRevisions } from "../../../src/controls/signatures/verify.js";
import { dearmorSignature, singleSignaturePacketBody } from "../../../src/controls/signatures/openpgp-framing.js";
import { armorFormat, splitSigned } from "../../../src/git/signed.js";
import { buildTrustStore, TrustInputError, type TrustStore } from "../../../src/controls/signatures/trust.js";
import { SIGNATURE_STATUSES, type ObjectVerdict, type SignatureStatus } from "../../../src/controls/signatures/types.js";
import { PolicySchema } from "../../../src/policy/schema.js";
import { buildCorpus, gitAccepts, type Corpus, type CorpusObject } from "./corpus.js";

let corpus: Corpus;
let trust: TrustStore;
let unbound: TrustStore;
const sources = new Map<string, CatFileSource>();
// The trusted time: after the corpus was signed (signatures from the future never verify).
let now: Date;

async function check(obj: CorpusObject, store = trust, at = now): Promise<ObjectVerdict> {
  let src = sources.get(obj.repo);
  if (!src) {
    src = new CatFileSource(obj.repo);
    sources.set(obj.repo, src);
  }
  return verifyObject(await src.read(obj.id), store, at);
}

function named(name: string): CorpusObject {
  const o = corpus.objects.find((x) => x.name === name);
  if (!o) throw new Error(`no corpus object ${name}`);
  return o;
}

beforeAll(async () => {
  corpus = buildCorpus();
  now = new Date(Date.now() + 1000);
  const files = {
    openpgpKeyrings: [{ name: "keyring.asc", text: corpus.keyring }],
    allowedSigners: [{ name: "allowed_signers", text: corpus.allowedSigners }],
  };
  trust = await buildTrustStore(files);
  unbound = await buildTrustStore({ ...files, bindIdentity: false });
});

afterAll(() => {
  for (const s of sources.values()) s.close();
  corpus?.cleanup();
});

describe("verifyObject over the real git/gpg/ssh-keygen corpus", () => {
  test("gpg's signatures in the corpus take the fast packet path, so the agreement tests below cover it", async () => {
    const fast: string[] = [];
    const slow: string[] = [];
    for (const o of corpus.objects) {
      let src = sources.get(o.repo);
      if (!src) {
        src = new CatFileSource(o.repo);
        sources.set(o.repo, src);
      }
      const obj = splitSigned(await src.read(o.id));
      const sig = obj.signatures[0];
      if (obj.signatures.length !== 1 || !sig || armorFormat(sig) !== "openpgp") continue;
      const binary = dearmorSignature(sig.toString("latin1"));
      (binary && singleSignaturePacketBody(binary) ? fast : slow).push(`${o.name}: ${o.expected}`);
    }
    // Only the deliberately garbled armor goes the long way (and openpgp.js rejects it there).
    expect(slow).toEqual(["garbage-armor: malformed"]);
    for (const status of ["valid", "bad_signature", "expired_key", "revoked_key", "weak_algorithm", "unknown_key", "identity_mismatch"]) {
      expect([status, fast.some((f) => f.endsWith(`: ${status}`))]).toEqual([status, true]);
    }
  });

  test("the corpus covers every status", () => {
    const covered = new Set(corpus.objects.map((o) => o.expected));
    // weak_algorithm for SSH and OpenPGP soft revocation are crafted in the unit tests.
    expect(SIGNATURE_STATUSES.filter((s) => !covered.has(s))).toEqual([]);
  });

  test("each object gets the expected status, format and key", async () => {
    const got: Record<string, SignatureStatus> = {};
    const want: Record<string, SignatureStatus> = {};
    for (const o of corpus.objects) {
      const v = await check(o);
      got[o.name] = v.signature.status;
      want[o.name] = o.expected;
      expect(v.id).toBe(o.id);
      expect(v.type).toBe(o.type);
      expect(v.signature.detail).not.toMatch(/\n/);
      if (v.signature.status === "valid") {
        expect(v.signature.key).toBeTruthy();
        expect(v.signature.signer).toBeTruthy();
        expect(v.signature.format).toBe(o.name.includes("ssh") ? "ssh" : "openpgp");
      }
    }
    expect(got).toEqual(want);
  });

  test("agrees with git verify-commit / verify-tag given the same trusted keys", async () => {
    // Where Vouch is deliberately stricter than git (identity binding, weak hashes, a second
    // signature git ignores, an untrusted mergetag git does not look at), git's "good" must
    // come with exactly that status; everything else must match good-for-good, bad-for-bad.
    const stricter = new Set<SignatureStatus>(["identity_mismatch", "weak_algorithm", "multiple_signatures"]);
    const disagreements: string[] = [];
    for (const o of corpus.objects) {
      const v = await check(o);
      const git = gitAccepts(corpus, o);
      const vouch = v.signature.status === "valid";
      if (git === vouch) continue;
      if (git && (stricter.has(v.signature.status) || v.signature.detail.startsWith("mergetag"))) continue;
      disagreements.push(`${o.name}: git ${git ? "good" : "bad"}, vouch ${v.signature.status}`);
    }
    expect(disagreements).toEqual([]);
    // And git really does accept some and reject others here, so the comparison means something.
    const verdicts = corpus.objects.map((o) => gitAccepts(corpus, o));
    expect(verdicts).toContain(true);
    expect(verdicts).toContain(false);
  });

  test("with identity binding off, a good signature by a trusted key is valid whoever committed", async () => {
    expect((await check(named("openpgp-mismatch"), unbound)).signature.status).toBe("valid");
    expect((await check(named("ssh-mismatch"), unbound)).signature.status).toBe("valid");
    expect((await check(named("ssh-untrusted"), unbound)).signature.status).toBe("unknown_key");
  });

  test("key expiry is judged at the trusted time, not at signing", async () => {
    const expired = named("openpgp-expired");
    expect((await check(expired, trust, new Date("2020-06-01T00:00:00Z"))).signature.status).toBe("valid");
    expect((await check(expired, trust, new Date("2021-06-01T00:00:00Z"))).signature).toMatchObject({ status: "expired_key", format: "openpgp" });
    const retired = named("ssh-retired");
    expect((await check(retired, trust, new Date("2019-06-01T00:00:00Z"))).signature.status).toBe("valid");
  });

  test("a signature claiming a time after the trusted time does not verify", async () => {
    const v = await check(named("openpgp-subkey"), trust, new Date("2001-01-01T00:00:00Z"));
    expect(v.signature.status).not.toBe("valid");
  });

  test("the signing subkey's fingerprint is reported, and SSH keys by SHA256 fingerprint", async () => {
    const pgp = await check(named("openpgp-subkey"));
    expect(pgp.signature.key).toMatch(/^[0-9a-f]{40}$/);
    expect(pgp.signature.signer).toBe("alice@example.com");
    const primary = trust.openpgp.find((k) => k.emails.includes("alice@example.com"))?.key.getFingerprint();
    expect(pgp.signature.key).not.toBe(primary);
    const ssh = await check(named("ssh-p384"));
    expect(ssh.signature.key).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
  });

  test("a SHA-256 repository verifies with gpgsig-sha256", async () => {
    const o = named("ssh-ed25519-sha256");
    expect(o.id).toHaveLength(64);
    expect((await check(o)).signature.status).toBe("valid");
  });

  test("a mergetag must point at one of the commit's parents, even when every signature is good", async () => {
    const o = named("mergetag");
    const src = new CatFileSource(o.repo);
    try {
      const text = (await src.read(o.id)).body.toString("latin1");
      const parents = [...text.matchAll(/\nparent ([0-9a-f]{40})/g)].map((m) => m[1] ?? "");
      expect(parents).toHaveLength(2);
      // Re-sign (with a trusted SSH key, as its committer) copies of the merge commit.
      const resigned = (edit: (t: string) => string) => {
        const unsigned = edit(text.replace(/\ngpgsig [^\n]*(?:\n [^\n]*)*/, "")).replace(/(\ncommitter [^<]*<)alice@example.com>/, "$1ed25519@example.com>");
        const sig = corpus.signSsh(Buffer.from(unsigned, "latin1"), "ed25519").trimEnd().replace(/\n/g, "\n ");
        const body = Buffer.from(unsigned.replace(/(\ncommitter [^\n]*)/, `$1\ngpgsig ${sig}`), "latin1");
        return verifyObject({ id: hashObject("commit", body, "sha1"), type: "commit", body }, trust, now);
      };
      // Parents intact: valid, so the construction itself is sound.
      expect((await resigned((t) => t)).signature.status).toBe("valid");
      // The tagged commit is no longer a parent: rejected by the mergetag check alone.
      const v = await resigned((t) => t.replace(`parent ${parents[1]}`, `parent ${parents[0]}`));
      expect(v.signature).toMatchObject({ status: "malformed", detail: expect.stringMatching(/mergetag .* not a parent/) });
    } finally {
      src.close();
    }
  });

  test("an untrusted embedded tag fails the merge commit with a mergetag detail", async () => {
    const v = await check(named("mergetag-untrusted"));
    expect(v.signature).toMatchObject({ status: "unknown_key", detail: expect.stringMatching(/^mergetag /) });
  });
});

describe("trust from policy identities", () => {
  test("policy keys bind to the identity's emails, not to the key's own user IDs", async () => {
    const policy = PolicySchema.parse({
      version: 1,
      identities: {
        alice: { emails: ["bob@example.com"], keys: [corpus.publicKeys.alice] },
        ed: { emails: ["ed25519@example.com"], keys: [corpus.sshPublicKeys.ed25519] },
      },
    });
    const store = await buildTrustStore({ policy });
    const asBob = await check(named("openpgp-mismatch"), store);
    expect(asBob.signature).toMatchObject({ status: "valid", signer: "alice <bob@example.com>" });
    expect((await check(named("openpgp-subkey"), store)).signature.status).toBe("identity_mismatch");
    expect((await check(named("ssh-ed25519"), store)).signature).toMatchObject({ status: "valid", signer: "ed <ed25519@example.com>" });
    expect((await check(named("ssh-mismatch"), store)).signature.status).toBe("identity_mismatch");
    expect((await check(named("openpgp-rsa"), store)).signature.status).toBe("unknown_key");
  });

  test("policy signatures.identity: none turns identity binding off", async () => {
    const policy = PolicySchema.parse({
      version: 1,
      identities: { alice: { emails: ["x@example.com"], keys: [corpus.publicKeys.alice] } },
      signatures: { identity: "none" },
    });
    const store = await buildTrustStore({ policy });
    expect((await check(named("openpgp-subkey"), store)).signature.status).toBe("valid");
  });

  test("a key file of several concatenated armored blocks trusts the keys of every block", async () => {
    const { alice, rob } = corpus.publicKeys;
    const store = await buildTrustStore({ openpgpKeyrings: [{ name: "both.asc", text: `${rob ?? ""}\n${alice ?? ""}` }] });
    expect(store.openpgp).toHaveLength(2);
    expect((await check(named("openpgp-subkey"), store)).signature.status).toBe("valid");
    const broken = `${rob ?? ""}\n-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nxx\n-----END PGP PUBLIC KEY BLOCK-----\n`;
    await expect(buildTrustStore({ openpgpKeyrings: [{ name: "k.asc", text: broken }] })).rejects.toThrow(/k\.asc \(armored block 2\)/);
  });

  test("broken key material in the policy or in key files is an input error, not a silent drop", async () => {
    await expect(buildTrustStore({ openpgpKeyrings: [{ name: "k.asc", text: "-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nxx\n" }] })).rejects.toBeInstanceOf(TrustInputError);
    await expect(buildTrustStore({ allowedSigners: [{ name: "as", text: "a@b ssh-ed25519 !!!\n" }] })).rejects.toThrow(/as:1/);
    const policy = PolicySchema.parse({ version: 1, identities: { a: { keys: ["ssh-ed25519"] } } });
    await expect(buildTrustStore({ policy })).rejects.toBeInstanceOf(TrustInputError);
    const relabelled = (corpus.sshPublicKeys.ed25519 ?? "").replace(/^ssh-ed25519/, "ssh-rsa");
    const mislabelled = PolicySchema.parse({ version: 1, identities: { a: { keys: [relabelled] } } });
    await expect(buildTrustStore({ policy: mislabelled })).rejects.toThrow(/does not match/);
  });
});

describe("verifyRevisions", () => {
  test("streams a verdict per id in order and reports hash mismatches as malformed", async () => {
    const ids = corpus.objects.filter((o) => o.repo === corpus.sha1Repo).map((o) => o.id);
    const src = new CatFileSource(corpus.sha1Repo);
    try {
      const out: ObjectVerdict[] = [];
      for await (const v of verifyRevisions(src, ids, trust, now, { concurrency: 4 })) out.push(v);
      expect(out.map((v) => v.id)).toEqual(ids);
      const bySource = { read: async (id: string) => ({ id, type: "commit" as const, body: Buffer.from("tree x\n\nm\n") }) };
      const [bad] = await collect(verifyRevisions(bySource, ["1".repeat(40)], trust, now));
      expect(bad?.signature.status).toBe("malformed");
      await expect(collect(verifyRevisions(src, ["2".repeat(40)], trust, now))).rejects.toMatchObject({ code: "missing" });
    } finally {
      src.close();
    }
  });
});

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

describe("verifyLocalRevisions", () => {
  test("resolves tags and ranges in a clone and verifies each object", async () => {
    const { verifyLocalRevisions } = await import("../../../src/controls/signatures/local.js");
    const out = await collect(verifyLocalRevisions(corpus.sha1Repo, ["v1-ssh", "v1-pgp~1..v1-pgp"], trust, now));
    expect(out[0]).toMatchObject({ id: named("tag-ssh").id, type: "tag", signature: { status: "valid", format: "ssh" } });
    expect(out.slice(1).map((v) => v.type)).toEqual(out.slice(1).map(() => "commit"));
    expect(out.length).toBeGreaterThan(1);
    await expect(collect(verifyLocalRevisions(corpus.sha1Repo, ["no-such-rev"], trust, now))).rejects.toThrow();
  });
});
