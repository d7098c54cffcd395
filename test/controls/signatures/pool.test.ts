import { describe, test, expect, beforeAll, afterAll } from "@jest/globals";
import { availableParallelism } from "node:os";
import { CatFileSource } from "../../../src/git/cat-file.js";
import type { ObjectSource, RawObject } from "../../../src/git/objects.js";
import { verifyRevisions } from "../../../src/controls/signatures/verify.js";
import { MIN_PARALLEL_OBJECTS, VerifyPool, verifyThreads } from "../../../src/controls/signatures/pool.js";
import { buildTrustStore, describeTrust, trustStoreFromDescription, type TrustStore } from "../../../src/controls/signatures/trust.js";
import type { ObjectVerdict } from "../../../src/controls/signatures/types.js";
import { PolicySchema } from "../../../src/policy/schema.js";
import { buildCorpus, type Corpus } from "./corpus.js";

let corpus: Corpus;
let stores: Record<string, TrustStore>;
let now: Date;
const sources = new Map<string, CatFileSource>();

function sourceFor(repo: string): CatFileSource {
  let s = sources.get(repo);
  if (!s) {
    s = new CatFileSource(repo);
    sources.set(repo, s);
  }
  return s;
}

/** Every corpus object of `repo`, repeated in a scrambled order until there are enough to use threads. */
function manyIds(repo: string): string[] {
  const ids = corpus.objects.filter((o) => o.repo === repo).map((o) => o.id);
  const out: string[] = [];
  for (let k = 0; out.length < MIN_PARALLEL_OBJECTS * 2; k++) for (let i = 0; i < ids.length; i++) out.push(ids[(i * 7 + k) % ids.length]!);
  return out;
}

async function collect(gen: AsyncGenerator<ObjectVerdict>): Promise<ObjectVerdict[]> {
  const out: ObjectVerdict[] = [];
  for await (const v of gen) out.push(v);
  return out;
}

beforeAll(async () => {
  corpus = buildCorpus();
  now = new Date(Date.now() + 1000);
  const files = {
    openpgpKeyrings: [{ name: "keyring.asc", text: corpus.keyring }],
    allowedSigners: [{ name: "allowed_signers", text: corpus.allowedSigners }],
  };
  const policy = PolicySchema.parse({
    version: 1,
    identities: {
      alice: { emails: ["bob@example.com"], keys: [corpus.publicKeys.alice] },
      ed: { emails: ["ed25519@example.com"], keys: [corpus.sshPublicKeys.ed25519] },
    },
  });
  stores = {
    files: await buildTrustStore(files),
    unbound: await buildTrustStore({ ...files, bindIdentity: false }),
    policy: await buildTrustStore({ policy }),
  };
});

afterAll(() => {
  for (const s of sources.values()) s.close();
  corpus?.cleanup();
});

describe("the trust store a verification thread rebuilds", () => {
  test("has the same keys, fingerprints, bindings and options as the original", async () => {
    for (const store of Object.values(stores)) {
      const copy = await trustStoreFromDescription(structuredClone(store.description!));
      const shape = (t: TrustStore) => ({
        openpgp: t.openpgp.map((k) => ({ fp: k.key.getFingerprint(), sub: k.key.getSubkeys().map((s) => s.getFingerprint()), emails: k.emails, identity: k.identity, origin: k.origin })),
        ssh: t.ssh.map((k) => ({ ...k, keyBlob: k.keyBlob.toString("base64"), validAfter: k.validAfter?.toISOString(), validBefore: k.validBefore?.toISOString() })),
        options: t.options,
      });
      expect(shape(copy)).toEqual(shape(store));
      expect(store.openpgp.length + store.ssh.length).toBeGreaterThan(0);
    }
  });
});

describe("verifying on threads", () => {
  test("gives byte-identical verdicts to the single-thread path over the whole status corpus, in input order", async () => {
    const before = VerifyPool.threadsStarted;
    for (const repo of [corpus.sha1Repo, corpus.sha256Repo]) {
      const ids = manyIds(repo);
      for (const [name, store] of Object.entries(stores)) {
        const single = await collect(verifyRevisions(sourceFor(repo), ids, store, now));
        const pooled = await collect(verifyRevisions(sourceFor(repo), ids, store, now, { threads: 2 }));
        expect(pooled.map((v) => v.id)).toEqual(ids);
        expect(JSON.stringify(pooled)).toBe(JSON.stringify(single));
        if (name === "files" && repo === corpus.sha1Repo) {
          // The corpus covers the statuses that matter here, so the comparison is not vacuous.
          const statuses = new Set(single.map((v) => v.signature.status));
          for (const s of ["valid", "unsigned", "bad_signature", "unknown_key", "expired_key", "revoked_key", "identity_mismatch", "multiple_signatures", "weak_algorithm"] as const) {
            expect(statuses).toContain(s);
          }
        }
      }
    }
    expect(VerifyPool.threadsStarted).toBeGreaterThan(before);
  });

  test("per-object trusted times reach the threads (a key judged before and after its expiry)", async () => {
    const ids = manyIds(corpus.sha1Repo);
    const early = new Date(0);
    const timeOf = (id: string) => (id.charCodeAt(0) % 2 ? early : now);
    const single = await collect(verifyRevisions(sourceFor(corpus.sha1Repo), ids, stores.files!, timeOf));
    const pooled = await collect(verifyRevisions(sourceFor(corpus.sha1Repo), ids, stores.files!, timeOf, { threads: 3 }));
    expect(JSON.stringify(pooled)).toBe(JSON.stringify(single));
  });

  test("threads: 1, and small inputs, start no thread", async () => {
    const before = VerifyPool.threadsStarted;
    const ids = manyIds(corpus.sha1Repo);
    await collect(verifyRevisions(sourceFor(corpus.sha1Repo), ids, stores.files!, now, { threads: 1 }));
    await collect(verifyRevisions(sourceFor(corpus.sha1Repo), ids.slice(0, MIN_PARALLEL_OBJECTS - 1), stores.files!, now, { threads: 4 }));
    expect(VerifyPool.threadsStarted).toBe(before);
  });

  test("VOUCH_VERIFY_THREADS: 1 means one thread, unset means one fewer than the machine's parallelism, garbage is refused", () => {
    expect(verifyThreads({ VOUCH_VERIFY_THREADS: "1" })).toBe(1);
    expect(verifyThreads({ VOUCH_VERIFY_THREADS: "3" })).toBe(3);
    expect(verifyThreads({})).toBe(Math.max(1, availableParallelism() - 1));
    for (const bad of ["0", "-2", "two", "1.5"]) expect(() => verifyThreads({ VOUCH_VERIFY_THREADS: bad })).toThrow(/VOUCH_VERIFY_THREADS/);
  });

  test("objects in flight stay bounded by the window", async () => {
    const inner = sourceFor(corpus.sha1Repo);
    let read = 0;
    let yielded = 0;
    let most = 0;
    const counting: ObjectSource = {
      async read(id): Promise<RawObject> {
        read++;
        most = Math.max(most, read - yielded);
        return inner.read(id);
      },
    };
    const ids = [...manyIds(corpus.sha1Repo), ...manyIds(corpus.sha1Repo), ...manyIds(corpus.sha1Repo)];
    for await (const v of verifyRevisions(counting, ids, stores.files!, now, { threads: 2, concurrency: 8 })) {
      expect(v.id).toBe(ids[yielded]);
      yielded++;
    }
    expect(yielded).toBe(ids.length);
    expect(most).toBeLessThanOrEqual(8);
  });
});

describe("a verification thread that fails", () => {
  const script = (fault: string) => ({ url: new URL(`./failing-worker.ts?fault=${fault}`, import.meta.url), typescript: true });
  const raw = async (id: string) => sourceFor(corpus.sha1Repo).read(id);

  for (const fault of ["throw", "exit"] as const) {
    test(`one that ${fault}s fails its objects closed and never hangs`, async () => {
      const ids = manyIds(corpus.sha1Repo).slice(0, 6);
      const pool = new VerifyPool({ threads: 1, trust: describeTrust({}), script: script(fault) });
      try {
        const verdicts = await Promise.all(ids.map(async (id) => pool.verify(await raw(id), now)));
        // The first object was answered before the fault; every later one fails closed.
        expect(verdicts.map((v) => v.id)).toEqual(ids);
        expect(verdicts.slice(1).every((v) => v.signature.status === "malformed" && /verification/.test(v.signature.detail))).toBe(true);
        expect(pool.liveThreads).toBe(0);
        // And nothing afterwards waits on the dead thread.
        expect((await pool.verify(await raw(ids[0]!), now)).signature.status).toBe("malformed");
      } finally {
        await pool.close();
      }
    });
  }

  test("an answer for the wrong object is not taken as a verdict", async () => {
    const pool = new VerifyPool({ threads: 1, trust: describeTrust({}), script: script("silent-wrong") });
    try {
      const id = manyIds(corpus.sha1Repo)[0]!;
      const v = await pool.verify(await raw(id), now);
      expect(v).toMatchObject({ id, signature: { status: "malformed" } });
    } finally {
      await pool.close();
    }
  });

  test("a thread whose trust store cannot be built fails closed", async () => {
    const broken = { ...describeTrust({}), allowedSigners: [{ name: "bad", text: "not an allowed signers line" }] };
    const pool = new VerifyPool({ threads: 2, trust: broken });
    try {
      const id = manyIds(corpus.sha1Repo)[0]!;
      const v = await pool.verify(await raw(id), now);
      expect(v.signature.status).toBe("malformed");
      expect(v.signature.detail).toMatch(/verification/);
    } finally {
      await pool.close();
    }
  });
});
