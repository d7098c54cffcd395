import { describe, test, expect } from "@jest/globals";
import { generateKeyPairSync } from "node:crypto";
import { readFileSync } from "node:fs";
import { Ajv2020 } from "ajv/dist/2020.js";
import addFormatsModule from "ajv-formats";
import { attestRevision, type AttestInput } from "../../src/attest/attest.js";
import { keyIdOf, sha256Hex, verifyEnvelope } from "../../src/attest/dsse.js";
import { PROVENANCE_PREDICATE_TYPE, ProvenancePredicate, buildProvenancePredicate, provenanceJsonSchema } from "../../src/attest/provenance.js";
import { parseStatement } from "../../src/attest/statement.js";
import { VSA_PREDICATE_TYPE } from "../../src/attest/vsa.js";
import { BASE, HEAD, evidence, failing, policy, verdict } from "./fixtures.js";

const addFormats = addFormatsModule as unknown as (a: Ajv2020) => void;
const { privateKey, publicKey } = generateKeyPairSync("ed25519");
const signer = { keyId: keyIdOf(publicKey), privateKey };
const trusted = new Map([[signer.keyId, publicKey]]);

function input(over: Partial<AttestInput> = {}): AttestInput {
  return {
    verdict: verdict(),
    evidence: evidence(),
    policy: policy(),
    signer,
    verifier: { id: "https://vouch.example/app", version: "0.1.0" },
    serverUrl: "https://github.com",
    attestationBaseUrl: "https://vouch.example/attestations/",
    previous: null,
    chainVerified: true,
    ...over,
  };
}

describe("attestRevision", () => {
  test("signs a provenance and a VSA that point at each other by digest", () => {
    const a = attestRevision(input());
    for (const s of [a.provenance, a.vsa]) {
      const r = verifyEnvelope(s.envelope, trusted);
      if (!r.ok) throw new Error(r.reason);
      expect(sha256Hex(r.payload)).toBe(s.sha256);
      const parsed = parseStatement(r.payload);
      expect(parsed.ok).toBe(true);
      expect(parsed.ok && parsed.statement.subject[0]?.digest.gitCommit).toBe(HEAD);
    }
    expect(a.provenance.statement.predicateType).toBe(PROVENANCE_PREDICATE_TYPE);
    const vsa = a.vsa.statement.predicate;
    expect(a.vsa.statement.predicateType).toBe(VSA_PREDICATE_TYPE);
    expect(vsa.inputAttestations).toEqual([
      { uri: `https://vouch.example/attestations/${a.provenance.sha256}`, digest: { sha256: a.provenance.sha256 } },
    ]);
    expect(vsa.verificationResult).toBe("PASSED");
    expect(vsa.resourceUri).toBe("git+https://github.com/acme/widget");
    expect(vsa.policy.digest).toEqual({ sha256: "ab".repeat(32) });
    expect(vsa.verifiedLevels).toContain("SLSA_SOURCE_LEVEL_3");
    expect(a.vsa.statement.subject[0]?.annotations?.sourceRefs).toEqual(["refs/heads/main"]);
  });

  test("records the previous attestation and carries each property's start time forward", () => {
    const first = attestRevision(input());
    const since = first.provenance.statement.predicate.continuity.since;
    const second = attestRevision(
      input({
        verdict: verdict({ observedAt: "2026-03-03T00:00:00.000Z" }),
        evidence: evidence({ observedAt: "2026-03-03T00:00:00.000Z" }),
        previous: { sha256: first.provenance.sha256, revision: BASE, since },
      }),
    );
    const c = second.provenance.statement.predicate.continuity;
    expect(c.previous).toEqual({ digest: `sha256:${first.provenance.sha256}`, revision: BASE });
    expect(c.since["SLSA_SOURCE_TWO_PARTY_REVIEWED"]).toBe("2026-03-02T10:15:01.000Z");
    expect(c.lapse).toBeNull();
  });

  test("a lapse resets the start times and is stated in the provenance", () => {
    const first = attestRevision(input());
    const later = attestRevision(
      input({
        verdict: verdict({ observedAt: "2026-03-04T00:00:00.000Z" }),
        previous: { sha256: first.provenance.sha256, revision: "1".repeat(40), since: first.provenance.statement.predicate.continuity.since },
      }),
    );
    expect(later.provenance.statement.predicate.continuity.lapse).toMatch(/not from the last attested revision/);
    expect(later.provenance.statement.predicate.continuity.since["SLSA_SOURCE_LEVEL_3"]).toBe("2026-03-04T00:00:00.000Z");
    expect(later.vsa.statement.predicate.verifiedLevels).toEqual(["SLSA_SOURCE_LEVEL_1"]);
  });

  test("a failed verdict yields FAILED, never level 3, and not the failed control's property", () => {
    const a = attestRevision(input({ verdict: failing("secrets") }));
    expect(a.vsa.statement.predicate.verificationResult).toBe("FAILED");
    expect(a.vsa.statement.predicate.verifiedLevels).toEqual(["SLSA_SOURCE_LEVEL_2", "ORG_SOURCE_SIGNED_COMMITS"]);
    expect(a.provenance.statement.predicate.result).toBe("FAILED");
    expect(a.provenance.statement.predicate.controls.find((c) => c.control === "secrets")?.findings).toEqual([
      { code: "secrets.bad", severity: "error" },
    ]);
  });

  test("secret details accept counts and fingerprints only; anything else is refused before signing", () => {
    const details = {
      secrets: { linesScanned: 10, findings: 1, suppressed: 0, byRule: { "aws-access-key": 1 }, fingerprints: [`sha256:${"c".repeat(64)}`], rulesDigest: null },
    };
    expect(() => attestRevision(input({ details }))).not.toThrow();
    const leaky = { secrets: { ...details.secrets, fingerprints: ["AKIAIOSFODNN7EXAMPLE"] } };
    expect(() => attestRevision(input({ details: leaky }))).toThrow(/digest/);
    const extra = { secrets: { ...details.secrets, value: "hunter2" } } as never;
    expect(() => attestRevision(input({ details: extra }))).toThrow();
  });
});

describe("provenance JSON Schema", () => {
  test("the committed policies/provenance.schema.json matches the zod schema (no drift)", () => {
    const committed: unknown = JSON.parse(readFileSync("policies/provenance.schema.json", "utf8"));
    expect(committed).toEqual(JSON.parse(JSON.stringify(provenanceJsonSchema())));
  });

  test("a predicate Vouch builds validates against the committed schema, and a broken one does not", () => {
    const ajv = new Ajv2020({ strict: false, allErrors: true });
    addFormats(ajv);
    const validate = ajv.compile(JSON.parse(readFileSync("policies/provenance.schema.json", "utf8")) as object);
    const predicate = buildProvenancePredicate({
      verdict: verdict(),
      evidence: evidence(),
      policy: policy(),
      verifier: { id: "v", version: "1" },
      serverUrl: "https://github.com",
      continuity: { previous: null, since: {}, lapse: null },
    });
    expect(validate(predicate)).toBe(true);
    expect(validate({ ...predicate, revision: "HEAD" })).toBe(false);
    expect(ProvenancePredicate.safeParse({ ...predicate, extra: 1 }).success).toBe(false);
  });
});
