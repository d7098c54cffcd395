import { readFileSync } from "node:fs";
import { describe, expect, test } from "@jest/globals";
import { Ajv2020 } from "ajv/dist/2020.js";
import addFormats from "ajv-formats";
import { parse } from "yaml";
import { POLICY_SCHEMA_ID, policyJsonSchema, policyJsonSchemaText } from "../../src/policy/json-schema.js";

const COMMITTED = new URL("../../policies/vouch.schema.json", import.meta.url);

describe("policies/vouch.schema.json", () => {
  test("matches the zod schema (no drift)", () => {
    const committed = readFileSync(COMMITTED, "utf8");
    if (committed !== policyJsonSchemaText()) {
      throw new Error(
        "policies/vouch.schema.json is out of date with src/policy/schema.ts. Regenerate it: npm run build && npm run schema (or: npx tsx src/cli/main.ts policy schema > policies/vouch.schema.json)",
      );
    }
  });

  test("has an id, a title and a description", () => {
    const s = policyJsonSchema();
    expect(s.$id).toBe(POLICY_SCHEMA_ID);
    expect(typeof s.title).toBe("string");
    expect(typeof s.description).toBe("string");
  });

  test("editors validating with it accept a good file and reject typos", () => {
    const ajv = new Ajv2020({ strict: false, allErrors: true });
    (addFormats as unknown as (a: Ajv2020) => void)(ajv);
    const validate = ajv.compile(policyJsonSchema());
    const good = parse("version: 1\nnamespaces:\n  - name: m\n    refs: [refs/heads/main]\n    review: { approvals: 1 }\n");
    expect(validate(good)).toBe(true);
    expect(validate(parse("version: 1\nnamespace: []\n"))).toBe(false);
    expect(validate(parse("version: 1\nnamespaces:\n  - name: m\n    refs: [main]\n"))).toBe(false);
    expect(validate(parse("version: 1\nsignatures: { required: \"yes\" }\n"))).toBe(false);
  });
});
