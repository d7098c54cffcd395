/**
 * `vouch audit verify --repo` re-runs signature verification from the clone's raw objects. The
 * repository is real (git, gpg, ssh-keygen), its attestations are written by `vouch verify
 * --attest`, and the forgeries are re-signed with the app's own key, so that only the
 * re-verification can catch them.
 */
import { afterAll, beforeAll, describe, expect, test } from "@jest/globals";
import { execFileSync } from "node:child_process";
import { chmodSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { deflateSync } from "node:zlib";
import { join } from "node:path";
import { cli, removeDir, tempDir } from "./cli-helpers.js";
import { buildSigningFixture, type SigningFixture } from "./signing-fixture.js";
import { loadKeyRing } from "../../src/keys/keyring.js";
import { SqliteLedger } from "../../src/ledger/sqlite.js";
import { IN_TOTO_PAYLOAD_TYPE, signEnvelope } from "../../src/attest/dsse.js";
import { PROVENANCE_PREDICATE_TYPE } from "../../src/attest/provenance.js";

interface SigObject {
  oid: string;
  type?: string;
  status: string;
  format: string;
  keyFingerprint: string | null;
  trustedAt?: string;
}
type Statement = { predicateType: string; predicate: { observedAt: string; policy: { digest: string | null }; keys: { id: string }[]; controls: { control: string; details?: { objects?: SigObject[] } }[] } };

let fx: SigningFixture;
let repo: string;
let data: string;
let saved: string | undefined;
let exported: string;
let keysPem: string;
const commits: Record<string, string> = {};

function policy(bobKey: string): string {
  const armored = fx.aliceArmored.split("\n").map((l) => `          ${l}`).join("\n");
  return `version: 1
identities:
  alice:
    emails: [alice@example.com]
    keys:
      - |
${armored}
  bob:
    emails: [bob@example.com]
    keys: ["${bobKey}"]
signatures:
  required: true
namespaces:
  - name: main
    refs: [refs/heads/main]
secrets:
  enabled: false
`;
}

beforeAll(async () => {
  fx = buildSigningFixture();
  repo = fx.initRepo();
  data = tempDir();
  saved = process.env.VOUCH_DATA_DIR;
  process.env.VOUCH_DATA_DIR = data;
  commits.base = fx.commit(repo, "alice@example.com", "alice-gpg", { ".github/vouch.yml": policy(fx.bobSsh) }, "policy");
  commits.alice = fx.commit(repo, "alice@example.com", "alice-gpg", { "a.txt": "a\n" }, "alice signs");
  commits.bob = fx.commit(repo, "bob@example.com", "bob-ssh", { "b.txt": "b\n" }, "bob signs");
  commits.stranger = fx.commit(repo, "bob@example.com", "stranger-ssh", { "c.txt": "c\n" }, "a stranger signs as bob");
  commits.unsigned = fx.commit(repo, "alice@example.com", null, { "d.txt": "d\n" }, "unsigned");
  expect((await cli(["keys", "public", "--create"], repo)).code).toBe(0);
  // The range fails (a stranger's key, an unsigned commit): attested all the same, as the app does.
  const res = await cli(["verify", "--attest", `${commits.base}..HEAD`], repo);
  expect(res.stderr).toMatch(/attested, provenance sha256:/);
  expect(res.code).toBe(1);
  exported = join(data, "export.intoto.jsonl");
  keysPem = join(data, "keys.pem");
  expect((await cli(["audit", "export", "--out", exported], repo)).code).toBe(0);
  writeFileSync(keysPem, (await cli(["keys", "public"], repo)).stdout);
}, 60_000);

afterAll(() => {
  if (saved === undefined) delete process.env.VOUCH_DATA_DIR;
  else process.env.VOUCH_DATA_DIR = saved;
  removeDir(data);
  fx?.cleanup();
});

const decode = (line: string) => {
  const env = JSON.parse(line) as { payload: string };
  return JSON.parse(Buffer.from(env.payload, "base64").toString("utf8")) as Statement;
};

const signatureObjects = (st: Statement) => st.predicate.controls.find((c) => c.control === "signatures")?.details?.objects ?? [];

/**
 * A new ledger holding the export's entries, with `edit` applied to the provenance statement and
 * every envelope re-signed by the app's key: the chain, the signatures and the checkpoint all hold.
 */
async function forgedExport(name: string, edit: (st: Statement) => void): Promise<string> {
  const ring = loadKeyRing({ env: process.env });
  const ledger = new SqliteLedger(join(data, `${name}.sqlite`), { signer: ring.signer });
  for (const line of readFileSync(exported, "utf8").split("\n").filter((l) => l !== "")) {
    const parsed = JSON.parse(line) as { payload: string; payloadType: string; vouch?: Record<string, unknown> };
    if (!parsed.vouch) continue; // the checkpoint
    const st = decode(line);
    if (st.predicateType === PROVENANCE_PREDICATE_TYPE) edit(st);
    const v = parsed.vouch as { repo: string; ref: string; revision: string; policyDigest: string | null; evaluationKey: string; kind: "attestation"; predicateType: string };
    await ledger.append({
      repo: v.repo,
      ref: v.ref,
      revision: v.revision,
      policyDigest: v.policyDigest,
      evaluationKey: v.evaluationKey,
      kind: v.kind,
      predicateType: v.predicateType,
      envelope: signEnvelope(Buffer.from(JSON.stringify(st)), IN_TOTO_PAYLOAD_TYPE, ring.signer),
    });
  }
  await ledger.close();
  const out = join(data, `${name}.intoto.jsonl`);
  expect((await cli(["audit", "export", "--ledger", join(data, `${name}.sqlite`), "--out", out], repo)).code).toBe(0);
  return out;
}

const verify = (file: string, extra: string[] = []) => cli(["audit", "verify", file, "--public-key", keysPem, "--repo", repo, ...extra], repo);

describe("vouch audit verify --repo re-verifies signatures", () => {
  test("the honest export verifies: every recorded verdict is reproduced from the clone with the policy's keys", async () => {
    const st = decode(readFileSync(exported, "utf8").split("\n")[0]!);
    const objects = signatureObjects(st);
    expect(new Map(objects.map((o) => [o.oid, o.status]))).toEqual(
      new Map([
        [commits.alice, "valid"],
        [commits.bob, "valid"],
        [commits.stranger, "unknown_key"],
        [commits.unsigned, "unsigned"],
      ]),
    );
    expect(objects.every((o) => o.trustedAt === st.predicate.observedAt)).toBe(true);
    expect(st.predicate.keys.length).toBe(4); // Alice, Bob and GitHub's two pinned web-flow keys
    const r = await verify(exported);
    expect(r.stdout).toContain("4 signature verdicts re-verified from it");
    expect(r.code).toBe(0);
  });

  test("a signed annotated tag is re-verified as the tag object", async () => {
    const tag = fx.tag(repo, "alice@example.com", "alice-gpg", "v1", commits.unsigned!);
    const res = await cli(["verify", "--attest", "v1"], repo);
    expect(res.stderr).toMatch(/attested/);
    const file = join(data, "with-tag.intoto.jsonl");
    expect((await cli(["audit", "export", "--out", file], repo)).code).toBe(0);
    const statements = readFileSync(file, "utf8").split("\n").filter((l) => l.includes('"vouch"')).map(decode);
    const tagObject = statements.filter((st) => st.predicateType === PROVENANCE_PREDICATE_TYPE).flatMap(signatureObjects).find((o) => o.oid === tag);
    expect(tagObject).toMatchObject({ type: "tag", status: "valid", format: "openpgp" });
    const r = await verify(file);
    expect(r.stdout).toContain("5 signature verdicts re-verified from it");
    expect(r.code).toBe(0);
    fx.git(repo, "tag", "-d", "v1");
  });

  test("a forged `valid` for the stranger's commit fails on its line, naming the object", async () => {
    const file = await forgedExport("forged-status", (st) => {
      const o = signatureObjects(st).find((x) => x.oid === commits.stranger)!;
      o.status = "valid";
    });
    const r = await verify(file);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(new RegExp(`:1: object ${commits.stranger}: the attestation records valid \\(ssh, key SHA256:[^)]+\\) at .* but verifying it again from the clone gives unknown_key`));
  });

  test("a forged key fingerprint, or an unsigned commit recorded as signed, fails", async () => {
    const file = await forgedExport("forged-key", (st) => {
      const objects = signatureObjects(st);
      const bob = objects.find((x) => x.oid === commits.bob)!;
      bob.keyFingerprint = objects.find((x) => x.oid === commits.stranger)!.keyFingerprint;
      const unsigned = objects.find((x) => x.oid === commits.unsigned)!;
      Object.assign(unsigned, { status: "valid", format: "openpgp", keyFingerprint: objects.find((x) => x.oid === commits.alice)!.keyFingerprint });
    });
    const r = await verify(file);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(`:1: object ${commits.bob}: the attestation records valid (ssh, key SHA256:`);
    expect(r.stdout).toContain(`:1: object ${commits.unsigned}: the attestation records valid (openpgp`);
    expect(r.stdout).toMatch(/gives unsigned \(none, key none\)/);
  });

  test("a policy digest the clone does not hold leaves no key to trust, and the failure says how to supply the policy", async () => {
    const file = await forgedExport("forged-policy", (st) => {
      st.predicate.policy.digest = `sha256:${"1".repeat(64)}`;
    });
    const r = await verify(file);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(`object ${commits.alice}: the attestation records valid (openpgp`);
    expect(r.stdout).toMatch(/is not in the clone or the --policy files; pass it with --policy FILE/);
    // The unsigned commit needs no key: it still agrees.
    expect(r.stdout).not.toContain(`object ${commits.unsigned}`);
  });

  test("a key the policy pins but the evaluation did not trust cannot make a forged `valid` pass", async () => {
    const file = await forgedExport("forged-keys", (st) => {
      const bobKey = signatureObjects(st).find((x) => x.oid === commits.bob)!.keyFingerprint;
      st.predicate.keys = st.predicate.keys.filter((k) => k.id !== bobKey);
    });
    const r = await verify(file);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(`object ${commits.bob}: the attestation records valid (ssh`);
  });

  test("each signature is judged at the trusted time the attestation records, not now", async () => {
    // Without the policy (a digest the clone lacks), only the auditor's key file trusts Bob: valid-before=2025-01-01.
    const at = (time: string) =>
      forgedExport(`time-${time.slice(0, 4)}`, (s) => {
        for (const o of signatureObjects(s)) o.trustedAt = time;
        s.predicate.policy.digest = `sha256:${"2".repeat(64)}`;
      });
    const before = await verify(await at("2024-12-31T00:00:00.000Z"), ["--allowed-signers", fx.expiringSignersPath]);
    expect(before.stdout).not.toContain(`object ${commits.bob}:`);
    expect(before.stdout).toContain(`object ${commits.alice}:`); // Alice's key is in neither
    expect(before.code).toBe(1);
    const after = await verify(await at("2025-06-01T00:00:00.000Z"), ["--allowed-signers", fx.expiringSignersPath]);
    expect(after.stdout).toMatch(new RegExp(`object ${commits.bob}: the attestation records valid \\(ssh, key SHA256:[^)]+\\) at 2025-06-01T00:00:00.000Z, but verifying it again from the clone gives expired_key`));
  });

  test("an object whose bytes changed in the clone fails on its line", async () => {
    const copy = join(data, "tampered-clone");
    fx.git(data, "clone", "-q", "--no-local", repo, copy);
    fx.git(copy, "repack", "-a", "-d", "-q");
    // Unpack so each object is a file, then rewrite Bob's commit with other content under the same name.
    const pack = fx.git(copy, "rev-parse", "--git-path", "objects/pack").trim();
    const packs = readdirSync(join(copy, pack)).filter((f) => f.endsWith(".pack"));
    for (const p of packs) {
      // unpack-objects skips objects the repository already has, so the pack leaves first.
      const bytes = readFileSync(join(copy, pack, p));
      rmSync(join(copy, pack, p));
      rmSync(join(copy, pack, p.replace(/\.pack$/, ".idx")));
      execFileSync("git", ["-C", copy, "unpack-objects", "-q"], { input: bytes });
    }
    const body = Buffer.from(fx.git(repo, "cat-file", "commit", commits.bob!).replace("bob signs", "bob signz") + "\n");
    const loose = join(copy, ".git", "objects", commits.bob!.slice(0, 2), commits.bob!.slice(2));
    chmodSync(loose, 0o644);
    writeFileSync(loose, deflateSync(Buffer.concat([Buffer.from(`commit ${body.length}\0`), body])));
    const r = await cli(["audit", "verify", exported, "--public-key", keysPem, "--repo", copy], repo);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(new RegExp(`:1: object ${commits.bob} cannot be read from the clone \\(hash_mismatch\\)`));
  });

  test("unreadable key files, and trust options without a clone, are input errors", async () => {
    const bad = await cli(["audit", "verify", exported, "--public-key", keysPem, "--repo", repo, "--allowed-signers", join(data, "nope")], repo);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("cannot read");
    const noRepo = await cli(["audit", "verify", exported, "--public-key", keysPem, "--policy", fx.aliceKeyringPath], repo);
    expect(noRepo.code).toBe(2);
    expect(noRepo.stderr).toContain("only used with --repo");
  });
});
