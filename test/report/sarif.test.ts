import { describe, expect, test } from "@jest/globals";
import { Ajv } from "ajv";
import { scanText } from "../../src/controls/secrets/engine.js";
import { checksummedToken } from "../../src/controls/secrets/rules/fake.js";
import { SARIF_FINGERPRINT_KEY, secretsSarif } from "../../src/report/sarif.js";

const TOKEN = checksummedToken("ghp", 4242);

/**
 * The parts of the SARIF 2.1.0 schema code scanning needs (written from the specification): version, runs with a
 * tool driver, results with a message, a rule id, physical locations with 1-based regions.
 */
const MINIMAL_SARIF = {
  type: "object",
  required: ["version", "runs"],
  properties: {
    version: { const: "2.1.0" },
    $schema: { type: "string" },
    runs: {
      type: "array",
      items: {
        type: "object",
        required: ["tool", "results"],
        properties: {
          tool: {
            type: "object",
            required: ["driver"],
            properties: {
              driver: {
                type: "object",
                required: ["name", "rules"],
                properties: {
                  name: { type: "string", minLength: 1 },
                  rules: {
                    type: "array",
                    items: { type: "object", required: ["id", "shortDescription"], properties: { id: { type: "string" } } },
                  },
                },
              },
            },
          },
          results: {
            type: "array",
            items: {
              type: "object",
              required: ["message", "ruleId", "locations", "level"],
              properties: {
                level: { enum: ["none", "note", "warning", "error"] },
                message: { type: "object", required: ["text"], properties: { text: { type: "string" } } },
                partialFingerprints: { type: "object", additionalProperties: { type: "string" } },
                locations: {
                  type: "array",
                  minItems: 1,
                  items: {
                    type: "object",
                    required: ["physicalLocation"],
                    properties: {
                      physicalLocation: {
                        type: "object",
                        required: ["artifactLocation", "region"],
                        properties: {
                          artifactLocation: { type: "object", required: ["uri"], properties: { uri: { type: "string", pattern: "^[^\\\\]*$" } } },
                          region: {
                            type: "object",
                            required: ["startLine", "startColumn", "endColumn"],
                            properties: {
                              startLine: { type: "integer", minimum: 1 },
                              startColumn: { type: "integer", minimum: 1 },
                              endLine: { type: "integer", minimum: 1 },
                              endColumn: { type: "integer", minimum: 1 },
                            },
                          },
                        },
                      },
                    },
                  },
                },
              },
            },
          },
        },
      },
    },
  },
};

const validate = new Ajv({ strict: false, allErrors: true }).compile(MINIMAL_SARIF);

describe("secretsSarif", () => {
  const text = `const a = 1;\nconst token = "${TOKEN}";\npassword = "Tr0ub4dor&3x!"\n`;
  const { findings } = scanText("src/dir with space/config.ts", text, { fingerprintKey: "k" });

  test("is a SARIF 2.1.0 log code scanning accepts, with one rule per rule id and physical locations", () => {
    expect(findings.length).toBeGreaterThanOrEqual(2);
    const log = secretsSarif(findings.map((f) => ({ ...f, commit: "c".repeat(40) })), { toolVersion: "0.1.0" });
    const ok = validate(log);
    expect(validate.errors ?? []).toEqual([]);
    expect(ok).toBe(true);
    const run = log.runs[0]!;
    expect(run.tool.driver.name).toBe("vouch");
    expect(run.tool.driver.rules!.map((r) => r.id).sort()).toEqual([...new Set(findings.map((f) => f.rule))].sort());
    const gh = run.results!.find((r) => r.ruleId === "github-token")!;
    expect(gh.level).toBe("error");
    expect(run.tool.driver.rules![gh.ruleIndex!]!.id).toBe("github-token");
    const loc = gh.locations![0]!.physicalLocation!;
    expect(loc.artifactLocation!.uri).toBe("src/dir%20with%20space/config.ts");
    expect(loc.region).toEqual({ startLine: 2, startColumn: 16, endColumn: 16 + TOKEN.length });
    expect(gh.partialFingerprints).toEqual({ [SARIF_FINGERPRINT_KEY]: findings.find((f) => f.rule === "github-token")!.fingerprint });
    const warn = run.results!.find((r) => r.ruleId !== "github-token")!;
    expect(warn.level).toBe("warning");
  });

  test("never holds the secret value", () => {
    const json = JSON.stringify(secretsSarif(findings));
    expect(json).not.toContain(TOKEN.slice(4, 12));
    expect(json).not.toContain("Tr0ub4dor");
  });

  test("an empty scan is a valid log with no results", () => {
    const log = secretsSarif([]);
    expect(validate(log)).toBe(true);
    expect(log.runs[0]!.results).toEqual([]);
  });
});
