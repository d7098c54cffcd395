// Cuts GitHub's 13 MB OpenAPI description down to the operations Vouch calls, so contract
// tests load quickly and reviewers can see exactly which shapes we depend on.
// Run: npx tsx scripts/extract-openapi.ts
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const SOURCE = join(root, "node_modules/@octokit/openapi/generated/api.github.com.json");
const TARGET = join(root, "test/fixtures/openapi-subset.json");

/** `METHOD /path/template` for every operation Vouch (or its stand-in) relies on. */
export const OPERATIONS: readonly string[] = [
  "POST /app/installations/{installation_id}/access_tokens",
  "GET /app",
  "GET /app/installations/{installation_id}",
  "GET /repos/{owner}/{repo}/installation",
  "GET /repos/{owner}/{repo}",
  "GET /repos/{owner}/{repo}/contents/{path}",
  "POST /repos/{owner}/{repo}/check-runs",
  "PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}",
  "GET /repos/{owner}/{repo}/check-runs/{check_run_id}",
  "GET /repos/{owner}/{repo}/check-runs/{check_run_id}/annotations",
  "GET /repos/{owner}/{repo}/commits/{ref}/check-runs",
  "GET /repos/{owner}/{repo}/pulls/{pull_number}",
  "GET /repos/{owner}/{repo}/pulls",
  "GET /repos/{owner}/{repo}/pulls/{pull_number}/files",
  "GET /repos/{owner}/{repo}/pulls/{pull_number}/commits",
  "GET /repos/{owner}/{repo}/pulls/{pull_number}/reviews",
  "GET /repos/{owner}/{repo}/compare/{basehead}",
  "GET /repos/{owner}/{repo}/commits/{commit_sha}/pulls",
  "GET /installation/repositories",
  "GET /orgs/{org}/teams/{team_slug}/members",
  "GET /users/{username}",
  "GET /user/{account_id}",
  "GET /users/{username}/gpg_keys",
  "GET /users/{username}/ssh_signing_keys",
  "GET /repos/{owner}/{repo}/rules/branches/{branch}",
  "GET /repos/{owner}/{repo}/branches/{branch}/protection",
  "POST /repos/{owner}/{repo}/issues",
  "GET /repos/{owner}/{repo}/issues",
  "GET /repos/{owner}/{repo}/issues/{issue_number}/comments",
  "POST /repos/{owner}/{repo}/issues/{issue_number}/comments",
  "GET /app/hook/deliveries",
  "POST /app/hook/deliveries/{delivery_id}/attempts",
];

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

function isObject(value: Json | undefined): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Examples are documentation only; dropping them keeps the fixture a fraction of the size. */
function stripExamples(value: Json): Json {
  if (Array.isArray(value)) return value.map(stripExamples);
  if (!isObject(value)) return value;
  const out: JsonObject = {};
  for (const [key, child] of Object.entries(value)) {
    if (key === "examples" || key === "example") continue;
    out[key] = stripExamples(child);
  }
  return out;
}

function collectRefs(value: Json, into: Set<string>): void {
  if (Array.isArray(value)) {
    for (const child of value) collectRefs(child, into);
  } else if (isObject(value)) {
    for (const [key, child] of Object.entries(value)) {
      if (key === "$ref" && typeof child === "string") into.add(child);
      else collectRefs(child, into);
    }
  }
}

function resolvePointer(doc: JsonObject, ref: string): Json {
  if (!ref.startsWith("#/")) throw new Error(`external $ref not supported: ${ref}`);
  let node: Json = doc;
  for (const raw of ref.slice(2).split("/")) {
    const part = raw.replace(/~1/g, "/").replace(/~0/g, "~");
    if (!isObject(node) || !(part in node)) throw new Error(`dangling $ref: ${ref}`);
    node = node[part] as Json;
  }
  return node;
}

function setPointer(doc: JsonObject, ref: string, value: Json): void {
  const parts = ref.slice(2).split("/").map((p) => p.replace(/~1/g, "/").replace(/~0/g, "~"));
  let node: JsonObject = doc;
  for (const part of parts.slice(0, -1)) {
    const next = node[part];
    if (isObject(next)) node = next;
    else {
      const created: JsonObject = {};
      node[part] = created;
      node = created;
    }
  }
  node[parts[parts.length - 1] as string] = value;
}

export function extractSubset(full: JsonObject, operations: readonly string[]): JsonObject {
  const paths: JsonObject = {};
  const subset: JsonObject = {
    openapi: full.openapi ?? "3.0.3",
    info: { ...(isObject(full.info) ? full.info : {}), title: "GitHub REST API (subset used by Vouch)" },
    paths,
    components: {},
  };
  const fullPaths = full.paths;
  if (!isObject(fullPaths)) throw new Error("source has no paths");
  for (const entry of operations) {
    const [method, template] = entry.split(" ");
    if (!method || !template) throw new Error(`bad operation entry: ${entry}`);
    const item = fullPaths[template];
    const op = isObject(item) ? item[method.toLowerCase()] : undefined;
    if (!isObject(op)) throw new Error(`operation not in GitHub's description: ${entry}`);
    const target = isObject(paths[template]) ? (paths[template] as JsonObject) : {};
    target[method.toLowerCase()] = stripExamples(op);
    paths[template] = target;
  }
  // Copy every referenced component, following refs inside the copies until closed.
  const seen = new Set<string>();
  const pending = new Set<string>();
  collectRefs(paths, pending);
  while (pending.size > 0) {
    const [ref] = pending;
    pending.delete(ref as string);
    if (ref === undefined || seen.has(ref)) continue;
    seen.add(ref);
    const value = stripExamples(resolvePointer(full, ref));
    setPointer(subset, ref, value);
    const inner = new Set<string>();
    collectRefs(value, inner);
    for (const r of inner) if (!seen.has(r)) pending.add(r);
  }
  return subset;
}

function main(): void {
  const full = JSON.parse(readFileSync(SOURCE, "utf8")) as Json;
  if (!isObject(full)) throw new Error("unexpected OpenAPI document");
  const subset = extractSubset(full, OPERATIONS);
  writeFileSync(TARGET, `${JSON.stringify(subset, null, 1)}\n`);
  const components = isObject(subset.components) ? subset.components : {};
  const counts = Object.entries(components).map(([k, v]) => `${k}=${isObject(v) ? Object.keys(v).length : 0}`);
  console.log(`wrote ${TARGET}: ${OPERATIONS.length} operations, components ${counts.join(" ")}`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) main();
