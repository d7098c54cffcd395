/** Turns zod issues into policy errors that say what was expected, located at the YAML node concerned. */
import type { z } from "zod";
import type { PolicyError } from "../evidence/types.js";
import { PolicySchema } from "./schema.js";
import { type FieldPath, type Locator, dotted } from "./yaml-source.js";

type Issue = z.core.$ZodIssue;

export function zodErrors(issues: readonly Issue[], input: unknown, path: string, locate: Locator): PolicyError[] {
  const out: PolicyError[] = [];
  for (const issue of issues) {
    const field = issue.path.filter((s): s is string | number => typeof s !== "symbol");
    if (issue.code === "unrecognized_keys") {
      const allowed = knownKeys(field);
      for (const key of issue.keys) {
        // `_extends` has its own, clearer error.
        if (field.length === 0 && key === "_extends") continue;
        const at = [...field, key];
        out.push({
          path,
          ...locate(at, { key: true }),
          field: dotted(at),
          message: `unknown key "${key}"${allowed.length ? `; expected one of: ${allowed.join(", ")}` : ""} (an unknown key is an error so that a misspelt requirement is never silently ignored)`,
        });
      }
      continue;
    }
    if (issue.code === "invalid_key") {
      const name = String(field[field.length - 1]);
      out.push({
        path,
        ...locate(field, { key: true }),
        field: dotted(field),
        message: `invalid name "${name}": a name starts with a letter or digit and holds only letters, digits, '.', '_' or '-'`,
      });
      continue;
    }
    const missing = field.length > 0 && !has(input, field);
    const last = field[field.length - 1];
    out.push({
      path,
      ...locate(field),
      field: dotted(field),
      message: missing
        ? `missing required key "${String(last)}" (${issue.code === "invalid_type" ? `expected ${issue.expected}` : issue.message})`
        : friendly(issue, valueAt(input, field)),
    });
  }
  return out;
}

/** YAML words for JSON types: a policy author writes lists and mappings, not arrays and objects. */
const TYPE_NAMES: Record<string, string> = {
  int: "a whole number",
  number: "a number",
  string: "a string",
  boolean: "true or false",
  array: "a list",
  object: "a mapping",
  record: "a mapping",
};

function describeValue(value: unknown): string {
  if (value === null) return "an empty value";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "a mapping";
  if (typeof value === "number") return `the number ${value}`;
  if (typeof value === "boolean") return `${value}`;
  if (typeof value === "string") return "a string";
  return typeof value;
}

function friendly(issue: Issue, value: unknown): string {
  switch (issue.code) {
    case "invalid_type":
      return `expected ${TYPE_NAMES[issue.expected] ?? issue.expected}, got ${describeValue(value)}`;
    case "too_small":
      if (issue.origin === "array") return `must list at least ${String(issue.minimum)} item${issue.minimum === 1 ? "" : "s"}`;
      if (issue.origin === "string") return issue.minimum === 1 ? "must not be empty" : `must be at least ${String(issue.minimum)} characters`;
      return `must be ${issue.inclusive ? "at least" : "more than"} ${String(issue.minimum)}`;
    case "too_big":
      if (issue.origin === "array") return `must list at most ${String(issue.maximum)} items`;
      return `must be ${issue.inclusive ? "at most" : "less than"} ${String(issue.maximum)}`;
    case "invalid_value":
      return issue.message.startsWith("Invalid option")
        ? `expected one of: ${issue.values.map((v) => String(v)).join(", ")}`
        : issue.message;
    case "invalid_format":
      return issue.format === "email" ? "not a valid email address" : issue.message;
    default:
      return issue.message.replace(/^Invalid input: /, "");
  }
}

function valueAt(input: unknown, field: FieldPath): unknown {
  let cur: unknown = input;
  for (const s of field) {
    if (cur === null || typeof cur !== "object") return undefined;
    cur = (cur as Record<string, unknown>)[String(s)];
  }
  return cur;
}

function has(input: unknown, field: FieldPath): boolean {
  let cur: unknown = input;
  for (const s of field) {
    if (cur === null || typeof cur !== "object" || !(String(s) in (cur as object))) return false;
    cur = (cur as Record<string, unknown>)[String(s)];
  }
  return true;
}

interface Def {
  type: string;
  innerType?: unknown;
  element?: unknown;
  valueType?: unknown;
  shape?: Record<string, unknown>;
}

function def(schema: unknown): Def {
  return (schema as { _zod: { def: Def } })._zod.def;
}

/** The keys the schema allows at `field`, to suggest the right spelling. */
export function knownKeys(field: FieldPath): string[] {
  let schema: unknown = PolicySchema;
  const unwrap = () => {
    while (["default", "optional", "nullable", "prefault"].includes(def(schema).type)) schema = def(schema).innerType;
  };
  for (const segment of field) {
    unwrap();
    const d = def(schema);
    if (d.type === "object" && typeof segment === "string" && d.shape?.[segment]) schema = d.shape[segment];
    else if (d.type === "array" && typeof segment === "number") schema = d.element;
    else if (d.type === "record") schema = d.valueType;
    else return [];
  }
  unwrap();
  const d = def(schema);
  return d.type === "object" && d.shape ? Object.keys(d.shape) : [];
}
