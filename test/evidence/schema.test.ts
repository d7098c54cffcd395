import { readFileSync } from "node:fs";
import { describe, expect, test } from "@jest/globals";
import { Ajv2020 } from "ajv/dist/2020.js";
import { EVIDENCE_JSON_SCHEMA_ID, EvidenceSchema, evidenceJsonSchema, evidenceJsonSchemaText } from "../../src/evidence/schema.js";
import { EVIDENCE_SCHEMA, type Evidence } from "../../src/evidence/types.js";

const COMMITTED = new URL("../../policies/evidence.schema.json", import.meta.url);

const sample: Evidence = {
  schema: EVIDENCE_SCHEMA,
  repository: { id: 1, fullName: "acme/app" },
  observedAt: "2026-11-25T12:00:00.000Z",
  change: {
    kind: "pull_request",
    ref: "refs/heads/main",
    baseSha: "a".repeat(40),
    headSha: "b".repeat(40),
    files: [{ path: "src/x.ts", status: "modified" }],
    filesComplete: true,
    pullRequest: { number: 3, author: { login: "carol", id: 30 }, headRef: "f", headRepository: "acme/app", draft: false },
  },
  gaps: [],
  review: {
    commits: [
      {
        oid: "b".repeat(40),
        tree: "c".repeat(40),
        parents: ["a".repeat(40)],
        author: { name: "Carol", email: "carol@example.com", user: { login: "carol", id: 30 } },
        committer: { name: "Carol", email: "carol@example.com", user: { login: "carol", id: 30 } },
        coAuthors: [{ name: "Dan", email: "dan@example.com", user: null }],
      },
    ],
    reviews: [
      {
        author: { login: "alice", id: 10, type: "User" },
        state: "APPROVED",
        dismissed: false,
        commitOid: "b".repeat(40),
        commitTree: "c".repeat(40),
        submittedAt: "2026-11-25T11:00:00Z",
        canPush: true,
      },
    ],
    pushers: [{ login: "carol", id: 30 }],
    pushersComplete: true,
    headTree: "c".repeat(40),
  },
  teams: [{ team: "@acme/core", members: [{ login: "alice", id: 10 }], resolvedAt: "2026-11-25T12:00:00.000Z" }],
  signatures: {
    trustedAt: "2026-11-25T12:00:00.000Z",
    objects: [
      {
        id: "b".repeat(40),
        type: "commit",
        signature: { status: "valid", format: "ssh", signer: "carol <carol@example.com>", key: "SHA256:abc", detail: "good SSH signature" },
        signedBy: { name: "Carol", email: "carol@example.com" },
      },
      { id: "d".repeat(40), type: "tag", signature: { status: "unsigned", format: null, signer: null, key: null, detail: "tag is not signed" } },
    ],
    keys: [{ fingerprint: "SHA256:abc", source: "policy", where: "policy identities.carol.keys[0]", fetchedAt: "2026-11-25T12:00:00.000Z" }],
  },
};

describe("policies/evidence.schema.json", () => {
  test("matches the zod schema (no drift)", () => {
    if (readFileSync(COMMITTED, "utf8") !== evidenceJsonSchemaText()) {
      throw new Error(
        "policies/evidence.schema.json is out of date with src/evidence/schema.ts. Regenerate: npx tsx -e 'import(\"./src/evidence/schema.ts\").then(m=>process.stdout.write(m.evidenceJsonSchemaText()))' > policies/evidence.schema.json",
      );
    }
    expect(evidenceJsonSchema().$id).toBe(EVIDENCE_JSON_SCHEMA_ID);
  });

  test("accepts full evidence as JSON round-trips it, and the zod schema parses it unchanged", () => {
    const json = JSON.parse(JSON.stringify(sample)) as unknown;
    const validate = new Ajv2020({ strict: false, allErrors: true }).compile(evidenceJsonSchema());
    expect(validate(json)).toBe(true);
    expect(EvidenceSchema.parse(json)).toEqual(sample);
  });

  test("rejects evidence with a misspelt field, a wrong review or signature status, an unknown key source, or no schema tag", () => {
    const validate = new Ajv2020({ strict: false, allErrors: true }).compile(evidenceJsonSchema());
    const withTypo = { ...sample, reviewz: sample.review };
    const badState = { ...sample, review: { ...sample.review!, reviews: [{ ...sample.review!.reviews[0]!, state: "LGTM" }] } };
    const { schema: _schema, ...untagged } = sample;
    const badStatus = { ...sample, signatures: { ...sample.signatures!, objects: [{ ...sample.signatures!.objects[0]!, signature: { ...sample.signatures!.objects[0]!.signature, status: "verified" } }] } };
    const badSource = { ...sample, signatures: { ...sample.signatures!, keys: [{ ...sample.signatures!.keys[0]!, source: "keyserver" }] } };
    const noTrustedAt = { ...sample, signatures: { objects: [], keys: [] } };
    for (const bad of [withTypo, badState, untagged, badStatus, badSource, noTrustedAt]) {
      expect(validate(bad)).toBe(false);
      expect(EvidenceSchema.safeParse(bad).success).toBe(false);
    }
  });
});
