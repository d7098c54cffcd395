/** The JSON Schema of `.github/vouch.yml`, generated from the zod schema so the two cannot disagree. */
import { z } from "zod";
import { PolicySchema } from "./schema.js";

export const POLICY_SCHEMA_ID = "https://vouch.dev/policy/v1/vouch.schema.json";

export function policyJsonSchema(): Record<string, unknown> {
  // `io: "input"`: editors validate what people write, where defaulted fields are optional.
  const generated = z.toJSONSchema(PolicySchema, { io: "input" }) as Record<string, unknown>;
  const { $schema, ...rest } = generated;
  return {
    $schema,
    $id: POLICY_SCHEMA_ID,
    title: "Vouch policy (.github/vouch.yml)",
    description:
      "Source-repository integrity policy for the Vouch GitHub App: identities and their keys, teams, signature rules, protected namespaces (refs and paths) with review requirements, and secret scanning. See docs/policy.md.",
    ...rest,
  };
}

/** The committed form of `policies/vouch.schema.json`. */
export function policyJsonSchemaText(): string {
  return `${JSON.stringify(policyJsonSchema(), null, 2)}\n`;
}
