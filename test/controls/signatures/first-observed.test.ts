/**
 * Trusted time across evaluations: an object is judged at the time Vouch first observed it, as
 * recorded in the first-observation store, however much later it is evaluated again.
 */
import { afterAll, beforeAll, expect, test } from "@jest/globals";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { buildSigningFixture, type SigningFixture } from "../../cli/signing-fixture.js";
import { CatFileSource } from "../../../src/git/cat-file.js";
import { buildTrustStore } from "../../../src/controls/signatures/trust.js";
import { signatureEvidence, trustedKeyEvidence } from "../../../src/controls/signatures/evidence.js";
import { openFirstObservations, repositoryKey } from "../../../src/ledger/first-observations.js";

let fx: SigningFixture;
beforeAll(() => {
  fx = buildSigningFixture();
});
afterAll(() => fx?.cleanup());

// Bob's key is trusted with valid-before="20250101": it expires between T1 and T3.
const T1 = new Date("2024-11-15T10:00:00.000Z");
const T3 = new Date("2026-11-25T12:00:00.000Z");

test("first seen at T1 before the key expired, re-evaluated at T3 after: judged at T1; first seen after expiry: expired_key", async () => {
  const repo = fx.initRepo();
  const early = fx.commit(repo, "bob@example.com", "bob-ssh", { "a.txt": "a\n" }, "early");
  const late = fx.commit(repo, "bob@example.com", "bob-ssh", { "b.txt": "b\n" }, "late");
  const trust = await buildTrustStore({ allowedSigners: [{ name: "allowed_signers", text: readFileSync(fx.expiringSignersPath, "utf8") }] });
  const store = await openFirstObservations(join(fx.root, "ledger.sqlite"));
  const key = repositoryKey({ id: 7, fullName: "acme/widget" });
  const source = new CatFileSource(repo);
  try {
    // Evaluation 1 at T1 sees only the early commit.
    const first = await signatureEvidence(source, [early], trust, T1, trustedKeyEvidence(trust, T1), await store.observe(key, [early], T1));
    expect(first.objects.map((o) => [o.signature.status, o.trustedAt])).toEqual([["valid", T1.toISOString()]]);

    // Evaluation 2 at T3: the early commit keeps its first observation, the late one is new.
    const times = await store.observe(key, [late, early], T3);
    const second = await signatureEvidence(source, [late, early], trust, T3, trustedKeyEvidence(trust, T3), times);
    const byId = new Map(second.objects.map((o) => [o.id, o]));
    expect(byId.get(early)).toMatchObject({ signature: { status: "valid" }, trustedAt: T1.toISOString() });
    expect(byId.get(late)).toMatchObject({ signature: { status: "expired_key" }, trustedAt: T3.toISOString() });
    expect(byId.get(late)?.signature.detail).toMatch(/stopped being valid 2025-01-01/);

    // Without the store every object is judged at the evaluation's own time: the early one would fail.
    const unrecorded = await signatureEvidence(source, [early], trust, T3, trustedKeyEvidence(trust, T3));
    expect(unrecorded.objects[0]?.signature.status).toBe("expired_key");
  } finally {
    source.close();
    await store.close();
  }
});
