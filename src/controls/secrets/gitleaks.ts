/**
 * Importers for a repository's existing gitleaks configuration: `.gitleaks.toml` rules (run under RE2, since
 * they are committer-supplied) and `.gitleaksignore` location entries.
 */
import { parse as parseToml } from "smol-toml";
import { compileRE2 } from "./re2.js";
import type { SecretRule, SecretSeverity } from "./types.js";

export interface GitleaksImport {
  rules: SecretRule[];
  /** Global allowlist path regexes (RE2), tested against the file path. */
  allowPathRegexes: RegExp[];
  /** Global allowlist regexes, as RE2 sources for RulesetOptions.allowRegexes. */
  allowRegexes: string[];
  /** Rules in the file that could not be imported, with why. */
  skipped: { id: string; reason: string }[];
}

type Table = Record<string, unknown>;

const isTable = (v: unknown): v is Table => typeof v === "object" && v !== null && !Array.isArray(v);
const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : []);

/**
 * Import `[[rules]]` of a .gitleaks.toml. Regexes go through RE2 unchanged (Go syntax); a regex RE2 rejects skips
 * that rule with a reason, since one bad rule should not disable the rest. Malformed TOML throws.
 */
export function importGitleaksToml(text: string, severity: SecretSeverity = "block", source = ".gitleaks.toml"): GitleaksImport {
  let doc: Table;
  try {
    doc = parseToml(text) as Table;
  } catch (err) {
    // The parser's message quotes the offending line, which may hold a secret: keep only the position.
    const { line, column } = err as { line?: number; column?: number };
    throw new Error(`${source}: not valid TOML${line ? ` at line ${line}, column ${column ?? 0}` : ""}`);
  }
  const out: GitleaksImport = { rules: [], allowPathRegexes: [], allowRegexes: [], skipped: [] };
  const globals = [...(isTable(doc.allowlist) ? [doc.allowlist] : []), ...(Array.isArray(doc.allowlists) ? doc.allowlists.filter(isTable) : [])];
  for (const a of globals) {
    if (a.targetRules !== undefined) continue; // rule-targeted global allowlists are not supported; stay strict
    for (const p of strings(a.paths)) out.allowPathRegexes.push(compileRE2(p, "", `${source} allowlist path`));
    for (const r of strings(a.regexes)) {
      compileRE2(r, "", `${source} allowlist regex`);
      out.allowRegexes.push(r);
    }
  }
  const rules = Array.isArray(doc.rules) ? doc.rules.filter(isTable) : [];
  for (const [i, r] of rules.entries()) {
    const id = typeof r.id === "string" && r.id !== "" ? r.id : `gitleaks-rule-${i + 1}`;
    try {
      out.rules.push(importRule(r, id, severity, source));
    } catch (err) {
      out.skipped.push({ id, reason: (err as Error).message });
    }
  }
  return out;
}

function importRule(r: Table, id: string, severity: SecretSeverity, source: string): SecretRule {
  const origin = `${source} rule ${id}`;
  const path = typeof r.path === "string" ? compileRE2(r.path, "", `${origin} path`) : undefined;
  const regexSource = typeof r.regex === "string" ? r.regex : undefined;
  if (!regexSource && !path) throw new Error(`${origin}: has neither regex nor path`);
  const stopwords: string[] = [];
  const regexes: RegExp[] = [];
  const lineRegexes: RegExp[] = [];
  const allowlists = [...(isTable(r.allowlist) ? [r.allowlist] : []), ...(Array.isArray(r.allowlists) ? r.allowlists.filter(isTable) : [])];
  for (const a of allowlists) {
    stopwords.push(...strings(a.stopwords).map((w) => w.toLowerCase()));
    const target = a.regexTarget === "line" || a.regexTarget === "match" ? lineRegexes : regexes;
    for (const s of strings(a.regexes)) target.push(compileRE2(s, "", `${origin} allowlist`));
  }
  const rule: SecretRule = {
    id,
    description: typeof r.description === "string" ? r.description : `Imported from ${source}`,
    keywords: strings(r.keywords).map((k) => k.toLowerCase()),
    regex: regexSource ? compileRE2(regexSource, "gd", origin) : /(?!)/g,
    ...(typeof r.secretGroup === "number" ? { secretGroup: r.secretGroup } : {}),
    ...(typeof r.entropy === "number" ? { entropy: r.entropy } : {}),
    allowlist: { stopwords, regexes, lineRegexes },
    severity,
    ...(path ? { path } : {}),
    ...(regexSource ? {} : { pathOnly: true }),
    // gitleaks secrets may legitimately span lines only when the regex says so; keep its match as is.
    multiline: true,
    samples: { match: [], noMatch: [] },
  };
  return rule;
}

/** One `.gitleaksignore` entry: `[commit:]file:rule-id:line`. */
export interface GitleaksIgnoreEntry {
  commit?: string;
  path: string;
  rule: string;
  line: number;
}

/**
 * Parse a .gitleaksignore. Entries are locations, not secrets, so they go stale when lines move; the importer
 * keeps them so that a migrating repository is not flooded, and recommends converting them to baseline entries.
 */
export function parseGitleaksIgnore(text: string): GitleaksIgnoreEntry[] {
  const out: GitleaksIgnoreEntry[] = [];
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) continue;
    const parts = line.split(":");
    if (parts.length < 3) continue;
    const lineNo = Number(parts.at(-1));
    const rule = parts.at(-2) ?? "";
    if (!Number.isInteger(lineNo) || rule === "") continue;
    const head = parts.slice(0, -2);
    const commit = head.length > 1 && /^[0-9a-f]{7,64}$/i.test(head[0] ?? "") ? head.shift() : undefined;
    out.push({ ...(commit ? { commit } : {}), path: head.join(":"), rule, line: lineNo });
  }
  return out;
}
