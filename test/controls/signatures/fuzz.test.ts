/**
 * Property test: random mutations of real signed objects (bit flips, truncations, duplicated
 * headers, inserted and deleted bytes) never throw out of verifyObject and never produce a
 * `valid` verdict for anything but the exact content that was signed.
 */
import { describe, test, expect, beforeAll, afterAll } from "@jest/globals";
import { CatFileSource } from "../../../src/git/cat-file.js";
import { hashObject, type RawObject } from "../../../src/git/objects.js";
import { splitSigned } from "../../../src/git/signed.js";
import { verifyObject } from "../../../src/controls/signatures/verify.js";
import { buildTrustStore, type TrustStore } from "../../../src/controls/signatures/trust.js";
import { SIGNATURE_STATUSES } from "../../../src/controls/signatures/types.js";
import { buildCorpus, type Corpus } from "./corpus.js";
import { prng } from "../../helpers/prng.js";

type Mutation = (body: Buffer, rnd: () => number) => Buffer;
const int = (rnd: () => number, n: number): number => Math.floor(rnd() * n);

const mutations: Record<string, Mutation> = {
  bitflip: (b, rnd) => {
    const out = Buffer.from(b);
    for (let i = 0, n = 1 + int(rnd, 3); i < n; i++) {
      const at = int(rnd, out.length);
      out[at] = (out[at] ?? 0) ^ (1 << int(rnd, 8));
    }
    return out;
  },
  truncate: (b, rnd) => b.subarray(0, int(rnd, b.length)),
  dropRange: (b, rnd) => {
    const at = int(rnd, b.length);
    return Buffer.concat([b.subarray(0, at), b.subarray(at + 1 + int(rnd, 64))]);
  },
  insertByte: (b, rnd) => {
    const at = int(rnd, b.length + 1);
    const byte = [0x0a, 0x20, 0x2d, 0x00, 0x41, int(rnd, 256)][int(rnd, 6)] ?? 0;
    return Buffer.concat([b.subarray(0, at), Buffer.from([byte]), b.subarray(at)]);
  },
  duplicateHeaderLine: (b, rnd) => {
    const end = b.indexOf("\n\n");
    const lines = b.subarray(0, end < 0 ? b.length : end).toString("latin1").split("\n");
    const i = int(rnd, lines.length);
    lines.splice(i, 0, lines[i] ?? "");
    return Buffer.concat([Buffer.from(lines.join("\n"), "latin1"), end < 0 ? Buffer.alloc(0) : b.subarray(end)]);
  },
  duplicateSignatureField: (b) => {
    const text = b.toString("latin1");
    const m = /\ngpgsig(?:-sha256)? [^\n]*(?:\n [^\n]*)*/.exec(text);
    return m ? Buffer.from(text.replace(m[0], m[0] + m[0]), "latin1") : Buffer.concat([b, b.subarray(b.indexOf("-----BEGIN"))]);
  },
  swapLines: (b, rnd) => {
    const lines = b.toString("latin1").split("\n");
    const i = int(rnd, lines.length);
    const j = int(rnd, lines.length);
    [lines[i], lines[j]] = [lines[j] ?? "", lines[i] ?? ""];
    return Buffer.from(lines.join("\n"), "latin1");
  },
};

let corpus: Corpus;
let trust: TrustStore;
let originals: RawObject[];
let now: Date;

beforeAll(async () => {
  corpus = buildCorpus({ small: true });
  now = new Date(Date.now() + 1000);
  trust = await buildTrustStore({
    openpgpKeyrings: [{ name: "keyring", text: corpus.keyring }],
    allowedSigners: [{ name: "allowed_signers", text: corpus.allowedSigners }],
  });
  const src = new CatFileSource(corpus.sha1Repo);
  try {
    originals = await Promise.all(corpus.objects.map((o) => src.read(o.id)));
  } finally {
    src.close();
  }
});

afterAll(() => corpus?.cleanup());

describe("mutated signed objects", () => {
  test("the unmutated objects verify (so the property below is not vacuous)", async () => {
    expect(originals.length).toBeGreaterThanOrEqual(2);
    for (const raw of originals) expect((await verifyObject(raw, trust, now)).signature.status).toBe("valid");
  });

  test("thousands of mutations never throw and never verify other content", async () => {
    const seed = Number(process.env.VOUCH_FUZZ_SEED ?? Date.now() % 1_000_000);
    const rnd = prng(seed);
    const names = Object.keys(mutations);
    const problems: string[] = [];
    let rehashed = 0;
    for (let i = 0; i < 3000; i++) {
      const raw = originals[i % originals.length];
      const name = names[int(rnd, names.length)] ?? "bitflip";
      if (!raw) continue;
      const body = (mutations[name] ?? mutations.bitflip!)(raw.body, rnd);
      if (body.equals(raw.body)) continue;
      // Mostly give the mutant its own correct id (the interesting case); sometimes keep the old one.
      const keepId = int(rnd, 4) === 0;
      const mutant: RawObject = { id: keepId ? raw.id : hashObject(raw.type, body, "sha1"), type: raw.type, body };
      if (!keepId) rehashed++;
      let verdict;
      try {
        verdict = await verifyObject(mutant, trust, now);
      } catch (e) {
        problems.push(`#${i} ${name}: threw ${(e as Error).message}`);
        continue;
      }
      if (!SIGNATURE_STATUSES.includes(verdict.signature.status)) problems.push(`#${i} ${name}: unknown status`);
      if (verdict.signature.status !== "valid") continue;
      // A valid verdict is only acceptable when the signed content and the signer are untouched
      // (a flip inside armor that decodes to the same bytes, for instance) and the id is honest.
      const before = splitSigned(raw);
      const after = splitSigned(mutant);
      const same = !keepId && after.payload.equals(before.payload) && after.signer?.email === before.signer?.email;
      if (!same) problems.push(`#${i} ${name}: verified altered content`);
    }
    if (problems.length > 0) throw new Error(`seed ${seed}:\n${problems.slice(0, 20).join("\n")}`);
    expect(rehashed).toBeGreaterThan(1000);
  });
});
