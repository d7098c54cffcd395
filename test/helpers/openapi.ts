// Contract checks against GitHub's published OpenAPI description (the subset in
// test/fixtures/openapi-subset.json, produced by scripts/extract-openapi.ts), so the stand-in and
// Vouch's own requests cannot drift from the shapes real GitHub uses.
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Ajv, type ValidateFunction, type ErrorObject } from "ajv";
import addFormats from "ajv-formats";

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

const SUBSET_PATH = join(dirname(fileURLToPath(import.meta.url)), "../fixtures/openapi-subset.json");
const SCHEMAS_ID = "github-components";

function isObject(value: Json | undefined): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * OpenAPI 3.0 schemas are not quite JSON Schema: `nullable: true` must become a union with null,
 * and component refs must point at the single registered components document.
 */
export function toJsonSchema(value: Json): Json {
  if (Array.isArray(value)) return value.map(toJsonSchema);
  if (!isObject(value)) return value;
  const out: JsonObject = {};
  for (const [key, child] of Object.entries(value)) {
    if (key === "$ref" && typeof child === "string") {
      const match = /^#\/components\/schemas\/(.+)$/.exec(child);
      if (!match) throw new Error(`unsupported $ref in schema: ${child}`);
      out.$ref = `${SCHEMAS_ID}#/$defs/${match[1]}`;
    } else if (key === "nullable" || key === "discriminator") {
      continue;
    } else {
      out[key] = toJsonSchema(child);
    }
  }
  if (value.nullable !== true) return out;
  if (typeof out.type === "string") {
    out.type = [out.type, "null"];
    if (Array.isArray(out.enum) && !out.enum.includes(null)) out.enum = [...out.enum, null];
    return out;
  }
  if (Array.isArray(out.type)) {
    if (!out.type.includes("null")) out.type = [...out.type, "null"];
    return out;
  }
  // No `type` (a $ref, allOf, oneOf, anyOf): null becomes an alternative to the whole schema.
  const { description, title, ...rest } = out;
  const wrapped: JsonObject = { anyOf: [{ type: "null" }, rest] };
  if (description !== undefined) wrapped.description = description;
  if (title !== undefined) wrapped.title = title;
  return wrapped;
}

interface Contract {
  doc: JsonObject;
  ajv: Ajv;
  cache: Map<string, ValidateFunction>;
}

let contract: Contract | undefined;

function load(): Contract {
  if (contract) return contract;
  const doc = JSON.parse(readFileSync(SUBSET_PATH, "utf8")) as JsonObject;
  const components = isObject(doc.components) ? doc.components : {};
  const schemas = isObject(components.schemas) ? components.schemas : {};
  const ajv = new Ajv({ strict: false, allErrors: true, logger: false });
  addFormats.default(ajv);
  ajv.addSchema({ $id: SCHEMAS_ID, $defs: toJsonSchema(schemas) } as object);
  contract = { doc, ajv, cache: new Map() };
  return contract;
}

function resolveComponentRef(doc: JsonObject, node: Json | undefined): Json | undefined {
  // Responses and parameters may be shared components; schemas are resolved by Ajv instead.
  let current = node;
  for (let hops = 0; isObject(current) && typeof current.$ref === "string" && hops < 10; hops++) {
    const parts = current.$ref.replace(/^#\//, "").split("/");
    let target: Json | undefined = doc;
    for (const part of parts) target = isObject(target) ? target[part.replace(/~1/g, "/").replace(/~0/g, "~")] : undefined;
    current = target;
  }
  return current;
}

function operation(method: string, pathTemplate: string): JsonObject {
  const { doc } = load();
  const paths = isObject(doc.paths) ? doc.paths : {};
  const item = paths[pathTemplate];
  const op = isObject(item) ? item[method.toLowerCase()] : undefined;
  if (!isObject(op)) {
    throw new Error(`${method.toUpperCase()} ${pathTemplate} is not in the OpenAPI subset; add it to scripts/extract-openapi.ts`);
  }
  return op;
}

/** The JSON schema of a media-type map, or undefined when the map declares no JSON body. */
function jsonSchemaOf(content: Json | undefined): Json | undefined {
  if (!isObject(content)) return undefined;
  const media = content["application/json"] ?? Object.entries(content).find(([type]) => /json/.test(type))?.[1];
  return isObject(media) ? media.schema : undefined;
}

function validatorFor(key: string, schema: Json): ValidateFunction {
  const c = load();
  let validate = c.cache.get(key);
  if (!validate) {
    validate = c.ajv.compile(toJsonSchema(schema) as object);
    c.cache.set(key, validate);
  }
  return validate;
}

function formatErrors(errors: ErrorObject[] | null | undefined): string[] {
  return (errors ?? []).map((e) => `${e.instancePath || "(root)"} ${e.message ?? e.keyword}${paramsSuffix(e)}`);
}

function paramsSuffix(error: ErrorObject): string {
  const p = error.params as Record<string, unknown>;
  if (Array.isArray(p.allowedValues)) return ` (${p.allowedValues.map(String).join(", ")})`;
  return "";
}

function isEmptyBody(body: unknown): boolean {
  return body === undefined || body === null || body === "";
}

/** Errors in a request body for `METHOD pathTemplate`; empty when it matches GitHub's schema. */
export function validateRequestBody(method: string, pathTemplate: string, body: unknown): string[] {
  const op = operation(method, pathTemplate);
  const { doc } = load();
  const requestBody = resolveComponentRef(doc, op.requestBody);
  if (!isObject(requestBody)) {
    return isEmptyBody(body) ? [] : [`${method.toUpperCase()} ${pathTemplate} takes no request body`];
  }
  const schema = jsonSchemaOf(requestBody.content);
  if (isEmptyBody(body)) {
    return requestBody.required === true ? ["(root) request body is required"] : [];
  }
  if (schema === undefined) return [];
  const validate = validatorFor(`req ${method.toUpperCase()} ${pathTemplate}`, schema);
  return validate(body) ? [] : formatErrors(validate.errors);
}

/** Errors in a response body for `METHOD pathTemplate` answered with `status`. */
export function validateResponseBody(method: string, pathTemplate: string, status: number, body: unknown): string[] {
  const op = operation(method, pathTemplate);
  const { doc } = load();
  const responses = isObject(op.responses) ? op.responses : {};
  const declared = responses[String(status)] ?? responses[`${String(status)[0]}XX`] ?? responses.default;
  if (declared === undefined) {
    return [`status ${status} is not documented for ${method.toUpperCase()} ${pathTemplate}`];
  }
  const response = resolveComponentRef(doc, declared);
  const schema = isObject(response) ? jsonSchemaOf(response.content) : undefined;
  if (schema === undefined) {
    return isEmptyBody(body) ? [] : [`status ${status} of ${method.toUpperCase()} ${pathTemplate} has no body`];
  }
  const validate = validatorFor(`res ${status} ${method.toUpperCase()} ${pathTemplate}`, schema);
  return validate(body) ? [] : formatErrors(validate.errors);
}

export class ContractError extends Error {
  constructor(
    message: string,
    readonly errors: string[],
  ) {
    super(message);
    this.name = "ContractError";
  }
}

export function assertRequestMatchesOpenApi(method: string, pathTemplate: string, body: unknown): void {
  const errors = validateRequestBody(method, pathTemplate, body);
  if (errors.length > 0) {
    throw new ContractError(`request body of ${method.toUpperCase()} ${pathTemplate} violates GitHub's schema:\n  ${errors.join("\n  ")}`, errors);
  }
}

export function assertResponseMatchesOpenApi(method: string, pathTemplate: string, status: number, body: unknown): void {
  const errors = validateResponseBody(method, pathTemplate, status, body);
  if (errors.length > 0) {
    throw new ContractError(
      `response ${status} of ${method.toUpperCase()} ${pathTemplate} violates GitHub's schema:\n  ${errors.join("\n  ")}`,
      errors,
    );
  }
}

/** Every `METHOD template` the subset describes. */
export function operations(): Array<{ method: string; pathTemplate: string }> {
  const { doc } = load();
  const paths = isObject(doc.paths) ? doc.paths : {};
  return Object.entries(paths).flatMap(([pathTemplate, item]) =>
    Object.keys(isObject(item) ? item : {}).map((method) => ({ method: method.toUpperCase(), pathTemplate })),
  );
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/**
 * The subset's path template matching a concrete request path (without `/api/v3` or query), or
 * undefined. `{path}` may span slashes, as in the contents API; literal segments win over params.
 */
export function matchOperation(method: string, path: string): { pathTemplate: string; params: Record<string, string> } | undefined {
  const candidates = operations()
    .filter((o) => o.method === method.toUpperCase())
    .map((o) => o.pathTemplate)
    .sort((a, b) => literalWeight(b) - literalWeight(a));
  for (const template of candidates) {
    const names: string[] = [];
    const source = template
      .split(/(\{[^}]+\})/)
      .map((part) => {
        const m = /^\{([^}]+)\}$/.exec(part);
        if (!m) return escapeRegExp(part);
        names.push(m[1] as string);
        return m[1] === "path" ? "(.+)" : "([^/]+)";
      })
      .join("");
    const match = new RegExp(`^${source}$`).exec(path);
    if (!match) continue;
    const params: Record<string, string> = {};
    names.forEach((name, i) => {
      params[name] = decodeURIComponent(match[i + 1] as string);
    });
    return { pathTemplate: template, params };
  }
  return undefined;
}

function literalWeight(template: string): number {
  return template.replace(/\{[^}]+\}/g, "").length;
}

/** Errors in `value` against a named component schema, e.g. `basic-error` or `check-run`. */
export function validateSchema(componentName: string, value: unknown): string[] {
  const validate = validatorFor(`schema ${componentName}`, { $ref: `#/components/schemas/${componentName}` });
  return validate(value) ? [] : formatErrors(validate.errors);
}

/** Whether GitHub's description documents `status` for the operation. */
export function documentsStatus(method: string, pathTemplate: string, status: number): boolean {
  const responses = operation(method, pathTemplate).responses;
  return isObject(responses) && (String(status) in responses || "default" in responses);
}
