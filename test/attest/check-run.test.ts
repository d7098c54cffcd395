import { describe, test, expect } from "@jest/globals";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { checkRunAttestationSection, vsaSummary } from "../../src/attest/check-run.js";
import { recordAttestations } from "../../src/attest/record.js";
import { SqliteLedger } from "../../src/ledger/sqlite.js";
import { testKeys } from "../ledger/helpers.js";
import { evidence, policy, verdict } from "./fixtures.js";

describe("checkRunAttestationSection", () => {
  test("shows the VSA result, levels, digests and links; embeds the envelopes only when they fit", async () => {
    const { signer, trusted } = testKeys();
    const ledger = new SqliteLedger(join(mkdtempSync(join(tmpdir(), "vouch-cr-")), "l.sqlite"), { signer });
    const r = await recordAttestations({
      ledger,
      trusted,
      evaluationKey: "k",
      verdict: verdict(),
      evidence: evidence(),
      policy: policy(),
      signer,
      verifier: { id: "v", version: "1" },
      serverUrl: "https://github.com",
      attestationBaseUrl: "https://vouch.example/attestations",
    });
    await ledger.close();
    expect(vsaSummary(r).result).toBe("PASSED");
    const big = checkRunAttestationSection(r, { attestationBaseUrl: "https://vouch.example/attestations/", maxChars: 65535 });
    expect(big).toContain("SLSA Source VSA: **PASSED** — `SLSA_SOURCE_LEVEL_3`");
    expect(big).toContain(`(https://vouch.example/attestations/${r.provenance.sha256})`);
    expect(big).toContain(r.vsa.envelope.signatures[0]!.sig);
    const small = checkRunAttestationSection(r, { attestationBaseUrl: "https://vouch.example/attestations", maxChars: 1500 });
    expect(small.length).toBeLessThanOrEqual(1500);
    expect(small).not.toContain(r.vsa.envelope.signatures[0]!.sig);
    expect(small).toContain(r.vsa.sha256);
    expect(checkRunAttestationSection(r, { attestationBaseUrl: "x", maxChars: 10 }).length).toBeLessThanOrEqual(10);
  });
});
