import { describe, test, expect } from "@jest/globals";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { recordAttestations, type RecordInput } from "../../src/attest/record.js";
import { parseStatement } from "../../src/attest/statement.js";
import { SqliteLedger } from "../../src/ledger/sqlite.js";
import { verifyExport } from "../../src/ledger/verify.js";
import { testKeys } from "../ledger/helpers.js";
import { exportLines } from "../ledger/suite.js";
import { BASE, HEAD, evidence, policy, verdict } from "./fixtures.js";

const NEXT = "7".repeat(40);

describe("recordAttestations", () => {
  const { signer, trusted } = testKeys();
  const base = (ledger: SqliteLedger): RecordInput => ({
    ledger,
    trusted,
    evaluationKey: `pull_request:42:${HEAD}`,
    verdict: verdict(),
    evidence: evidence(),
    policy: policy(),
    signer,
    verifier: { id: "https://vouch.example/app", version: "0.1.0" },
    serverUrl: "https://github.com",
    attestationBaseUrl: "https://vouch.example/attestations",
  });

  test("records a provenance and its VSA, links the next revision to it, and dedupes redeliveries", async () => {
    const ledger = new SqliteLedger(join(mkdtempSync(join(tmpdir(), "vouch-rec-")), "l.sqlite"), { signer });
    const first = await recordAttestations(base(ledger));
    expect([first.provenance.seq, first.vsa.seq, first.duplicate]).toEqual([1, 2, false]);

    const again = await recordAttestations({ ...base(ledger), verdict: verdict({ observedAt: "2026-03-05T00:00:00.000Z" }) });
    expect(again.duplicate).toBe(true);
    expect(again.provenance).toEqual(first.provenance);

    const ev = evidence({ change: { ...evidence().change, baseSha: HEAD, headSha: NEXT } });
    const second = await recordAttestations({ ...base(ledger), evaluationKey: `pull_request:43:${NEXT}`, verdict: verdict({ headSha: NEXT }), evidence: ev });
    const st = parseStatement(Buffer.from(second.provenance.envelope.payload, "base64"));
    const continuity = st.ok ? (st.statement.predicate as { continuity: { previous: unknown; lapse: unknown } }).continuity : null;
    expect(continuity?.previous).toEqual({ digest: `sha256:${first.provenance.sha256}`, revision: HEAD });
    expect(continuity?.lapse).toBeNull();
    expect(second.levels.verifiedLevels).toContain("SLSA_SOURCE_LEVEL_3");

    const report = await verifyExport(await exportLines(ledger, signer), trusted);
    expect(report.failures).toEqual([]);
    expect(report.entries).toBe(4);
    await ledger.close();
  });

  test("a previous entry signed by a key no longer trusted breaks continuity", async () => {
    const ledger = new SqliteLedger(join(mkdtempSync(join(tmpdir(), "vouch-rec-")), "l.sqlite"), { signer });
    const old = testKeys();
    await recordAttestations({ ...base(ledger), signer: old.signer, trusted: old.trusted });
    const ev = evidence({ change: { ...evidence().change, baseSha: HEAD, headSha: NEXT } });
    const r = await recordAttestations({ ...base(ledger), evaluationKey: "k2", verdict: verdict({ headSha: NEXT }), evidence: ev });
    expect(r.levels.lapse).toMatch(/does not verify/);
    expect(r.levels.verifiedLevels).toEqual(["SLSA_SOURCE_LEVEL_1"]);
    void BASE;
    await ledger.close();
  });
});

describe("verifyExport checks each provenance's link to the previous one of its ref", () => {
  test("a validly signed provenance that skips its predecessor is reported on its line", async () => {
    const { signer, trusted } = testKeys();
    const { attestRevision } = await import("../../src/attest/attest.js");
    const ledger = new SqliteLedger(join(mkdtempSync(join(tmpdir(), "vouch-rec-")), "l.sqlite"), { signer });
    const common = {
      evidence: evidence(),
      policy: policy(),
      signer,
      verifier: { id: "v", version: "1" },
      serverUrl: "https://github.com",
      attestationBaseUrl: "https://vouch.example/a",
      chainVerified: true,
    };
    await recordAttestations({ ...common, ledger, trusted, evaluationKey: "k1", verdict: verdict() });
    // Signed by the right key, but built as if no earlier attestation existed: a forked history.
    const forged = attestRevision({ ...common, verdict: verdict({ headSha: NEXT }), previous: null });
    await ledger.append({
      repo: "acme/widget",
      ref: "refs/heads/main",
      revision: NEXT,
      policyDigest: null,
      evaluationKey: "k2",
      kind: "attestation",
      predicateType: "https://vouch.dev/source-provenance/v1",
      envelope: forged.provenance.envelope,
    });
    const report = await verifyExport(await exportLines(ledger, signer), trusted);
    expect(report.failures).toEqual([{ line: 3, message: expect.stringMatching(/does not name the previous provenance/) }]);
    await ledger.close();
  });
});
