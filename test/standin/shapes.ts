// Builds GitHub-shaped response bodies. The stand-in models the fields Vouch reads from its state;
// GitHub's schemas require dozens more (URLs, counters, flags) that nobody reads, so those are filled
// with type-correct placeholders derived from the OpenAPI subset. Every response therefore validates
// against GitHub's published schema without hand-maintaining hundreds of fields.
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

type Schema = { [key: string]: unknown };

const SUBSET = join(dirname(fileURLToPath(import.meta.url)), "../fixtures/openapi-subset.json");
let schemas: Record<string, Schema> | undefined;

function componentSchemas(): Record<string, Schema> {
  if (!schemas) {
    const doc = JSON.parse(readFileSync(SUBSET, "utf8")) as { components?: { schemas?: Record<string, Schema> } };
    schemas = doc.components?.schemas ?? {};
  }
  return schemas;
}

/** A fixed timestamp for fields nobody reads, so responses are deterministic. */
export const PLACEHOLDER_TIME = "2020-01-01T00:00:00Z";

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function deref(schema: Schema): Schema {
  let current = schema;
  for (let i = 0; typeof current.$ref === "string" && i < 20; i++) {
    const name = current.$ref.replace("#/components/schemas/", "");
    const target = componentSchemas()[name];
    if (!target) throw new Error(`unknown schema ${current.$ref}`);
    current = target;
  }
  if (Array.isArray(current.allOf)) {
    // Merge allOf into one object schema; GitHub uses it for composition, not for constraints.
    const merged: Schema = { type: "object", properties: {}, required: [] };
    for (const part of current.allOf as Schema[]) {
      const d = deref(part);
      Object.assign(merged.properties as Schema, d.properties ?? {});
      (merged.required as string[]).push(...((d.required as string[] | undefined) ?? []));
    }
    if (current.nullable === true) merged.nullable = true;
    return merged;
  }
  return current;
}

function variants(schema: Schema): Schema[] | undefined {
  const list = (schema.oneOf ?? schema.anyOf) as Schema[] | undefined;
  return list?.map(deref);
}

/** Whether an object value fits a variant's enum-constrained properties (a cheap discriminator). */
function fitsVariant(variant: Schema, value: Record<string, unknown>): boolean {
  if (variant.type !== undefined && variant.type !== "object") return false;
  const props = (variant.properties ?? {}) as Record<string, Schema>;
  for (const [key, v] of Object.entries(value)) {
    const p = props[key];
    if (p && Array.isArray(p.enum) && !p.enum.includes(v)) return false;
  }
  return true;
}

function placeholder(schema: Schema, baseUrl: string): unknown {
  if (schema.nullable === true) return null;
  const options = variants(schema);
  if (options) return placeholder(options.find((v) => v.type !== "null") ?? {}, baseUrl);
  if (Array.isArray(schema.enum)) return schema.enum[0];
  switch (schema.type) {
    case "string":
      if (schema.format === "date-time") return PLACEHOLDER_TIME;
      if (schema.format === "uri") return `${baseUrl}/placeholder`;
      if (schema.format === "email") return "placeholder@example.invalid";
      return "";
    case "integer":
    case "number":
      return typeof schema.minimum === "number" ? schema.minimum : 0;
    case "boolean":
      return false;
    case "array":
      return [];
    default:
      return complete(schema, {}, baseUrl);
  }
}

/** `value` with every required field GitHub's schema demands, placeholders where absent. */
export function complete(schemaOrName: Schema | string, value: unknown, baseUrl: string): unknown {
  const schema = deref(typeof schemaOrName === "string" ? { $ref: `#/components/schemas/${schemaOrName}` } : schemaOrName);
  if (value === undefined) return placeholder(schema, baseUrl);
  if (value === null) return null;
  if (Array.isArray(value)) {
    const items = isPlainObject(schema.items) ? (schema.items as Schema) : {};
    return value.map((v) => complete(items, v, baseUrl));
  }
  if (!isPlainObject(value)) return value;
  const options = variants(schema);
  if (options) {
    const chosen = options.find((v) => fitsVariant(v, value));
    return chosen ? complete(chosen, value, baseUrl) : value;
  }
  const props = (schema.properties ?? {}) as Record<string, Schema>;
  const out: Record<string, unknown> = {};
  for (const key of (schema.required as string[] | undefined) ?? []) {
    if (!(key in value)) out[key] = placeholder(deref(props[key] ?? {}), baseUrl);
  }
  for (const [key, v] of Object.entries(value)) {
    const p = props[key];
    out[key] = p ? complete(p, v, baseUrl) : v;
  }
  return out;
}
