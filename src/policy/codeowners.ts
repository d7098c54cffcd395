/**
 * GitHub's CODEOWNERS format: where the file is, how a line is read, and which rule owns a path.
 * Hand-written because no maintained npm package implements GitHub's variant (gitignore-like
 * patterns without negation or character ranges, `docs/*` not matching deeper files, owners as
 * @user, @org/team or email) and reports malformed lines with their line numbers.
 */
import picomatch from "picomatch";

/** GitHub looks in these places, in this order, and uses the first file it finds. */
export const CODEOWNERS_PATHS: readonly string[] = [".github/CODEOWNERS", "CODEOWNERS", "docs/CODEOWNERS"];

/** GitHub ignores a CODEOWNERS file larger than this. */
export const CODEOWNERS_MAX_BYTES = 3 * 1024 * 1024;

export interface CodeownersRule {
  /** 1-based line of the file. */
  line: number;
  pattern: string;
  /** `@user`, `@org/team` or an email, as written. Empty: the pattern has no owner (a carve-out). */
  owners: string[];
}

export interface CodeownersError {
  /** 1-based line, or 0 for the file as a whole. */
  line: number;
  message: string;
}

const USER = /^@[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$/;
const TEAM = /^@[A-Za-z0-9][A-Za-z0-9-]*\/[A-Za-z0-9._-]+$/;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export type OwnerKind = "user" | "team" | "email";

export function ownerKind(owner: string): OwnerKind | null {
  if (TEAM.test(owner)) return "team";
  if (USER.test(owner)) return "user";
  if (EMAIL.test(owner)) return "email";
  return null;
}

/** Splits a line on unescaped whitespace; `\ ` is a space inside a pattern. */
function tokens(line: string): string[] {
  const out: string[] = [];
  let current = "";
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (c === "\\" && line[i + 1] === " ") {
      current += " ";
      i++;
    } else if (c === " " || c === "\t") {
      if (current) out.push(current);
      current = "";
    } else current += c;
  }
  if (current) out.push(current);
  return out;
}

function patternError(pattern: string): string | null {
  if (pattern.startsWith("!")) return `"${pattern}": negation (!) is not supported in CODEOWNERS`;
  if (pattern.startsWith("\\#")) return `"${pattern}": escaping a leading # is not supported in CODEOWNERS`;
  if (/[[\]]/.test(pattern)) return `"${pattern}": character ranges ([ ]) are not supported in CODEOWNERS`;
  if (pattern.includes("***")) return `"${pattern}": *** is not a valid pattern`;
  return null;
}

/** Reads a CODEOWNERS file: rules in file order and every malformed line. */
export function parseCodeowners(text: string): { rules: CodeownersRule[]; errors: CodeownersError[] } {
  if (Buffer.byteLength(text, "utf8") > CODEOWNERS_MAX_BYTES) {
    return { rules: [], errors: [{ line: 0, message: `the file is larger than ${CODEOWNERS_MAX_BYTES} bytes, and GitHub ignores it` }] };
  }
  const rules: CodeownersRule[] = [];
  const errors: CodeownersError[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = i + 1;
    const trimmed = raw.trim();
    if (trimmed === "" || trimmed.startsWith("#")) return;
    const [pattern, ...rest] = tokens(trimmed);
    const comment = rest.findIndex((t) => t.startsWith("#"));
    const owners = comment === -1 ? rest : rest.slice(0, comment);
    const problems: string[] = [];
    const bad = patternError(pattern!);
    if (bad) problems.push(bad);
    for (const o of owners) if (!ownerKind(o)) problems.push(`"${o}" is not an owner: write @user, @org/team or an email address`);
    if (problems.length > 0) {
      errors.push({ line, message: problems.join("; ") });
      return;
    }
    rules.push({ line, pattern: pattern!, owners });
  });
  return { rules, errors };
}

const PICOMATCH: picomatch.PicomatchOptions = { dot: true, nobrace: true, noextglob: true, nonegate: true };

/** Characters picomatch would read specially that are literal in CODEOWNERS. */
const escapeLiteral = (s: string) => s.replace(/[{}()!+@]/g, (c) => `\\${c}`);

/**
 * A CODEOWNERS pattern as picomatch globs, with GitHub's semantics:
 * - a leading `/`, or a `/` before the last character, anchors the pattern at the root; otherwise it
 *   matches at any depth (`*.js`, `apps/`);
 * - a pattern matches a file, or a directory and everything under it, except that a last segment
 *   of `*` matches only the files directly inside (`docs/*` does not own `docs/a/b.md`);
 * - a trailing `/` matches directories only.
 */
export function codeownersGlobs(pattern: string): string[] {
  let p = pattern;
  const dirOnly = p.endsWith("/");
  if (dirOnly) p = p.slice(0, -1);
  const anchored = p.startsWith("/") || p.includes("/");
  if (p.startsWith("/")) p = p.slice(1);
  if (p === "" ) return ["**"];
  const base = anchored || p.startsWith("**") ? escapeLiteral(p) : `**/${escapeLiteral(p)}`;
  if (dirOnly) return [`${base}/**/*`];
  if (p === "*" || p.endsWith("/*")) return [base];
  return [base, `${base}/**`];
}

const matchers = new Map<string, (path: string) => boolean>();

/** Whether a CODEOWNERS pattern owns a repository path. */
export function codeownersMatch(pattern: string, path: string): boolean {
  let m = matchers.get(pattern);
  if (!m) {
    const compiled = codeownersGlobs(pattern).map((g) => picomatch(g, PICOMATCH));
    m = (s: string) => compiled.some((c) => c(s));
    matchers.set(pattern, m);
  }
  return m(path);
}

/** The rule that owns a path: the last matching one, as on GitHub. */
export function owningRule(rules: readonly CodeownersRule[], path: string): CodeownersRule | null {
  for (let i = rules.length - 1; i >= 0; i--) if (codeownersMatch(rules[i]!.pattern, path)) return rules[i]!;
  return null;
}
