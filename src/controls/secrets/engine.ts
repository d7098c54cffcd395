/**
 * The scanning engine: keyword prefilter, then the candidate rules' regexes over one fragment (a file, or the
 * added lines of one hunk), then entropy, allowlists, validators, inline comments and the baseline.
 */
import { shannonEntropy } from "./entropy.js";
import { DEFAULT_MAX_BYTES, isBinary } from "./files.js";
import { fingerprintOf, previewOf } from "./redact.js";
import { GLOBAL_VALUE_ALLOWLIST } from "./rules/common.js";
import { defaultRuleset, type CompiledRule, type LeadTables, type Ruleset } from "./ruleset.js";
import type { GitleaksIgnoreEntry } from "./gitleaks.js";
import type { AddedLine, ScanResult, SecretFinding, SecretSeverity, SuppressedFinding } from "./types.js";

export interface ScanOptions {
  /** Per-repository key for fingerprints (see redact.ts). Never logged. */
  fingerprintKey: string | Uint8Array;
  /** Defaults to the built-in ruleset. */
  ruleset?: Ruleset;
  /** Larger input is reported as not scanned. Default 2 MiB. */
  maxBytes?: number;
  /** Honour `vouch:allow` / `gitleaks:allow` comments (default true; a policy may turn them off). */
  inlineAllow?: boolean;
  /** Fingerprints accepted in the baseline file. */
  baseline?: ReadonlySet<string>;
  /** Locations from an imported .gitleaksignore. */
  gitleaksIgnore?: readonly GitleaksIgnoreEntry[];
  /** The commit being scanned, to honour commit-scoped .gitleaksignore entries. */
  commit?: string;
}

const INLINE_ALLOW = /\b(?:vouch|gitleaks):allow\b/;

/** Scan a whole file as if every line were added. `text` may be raw bytes, so that binary files are recognised. */
export function scanText(path: string, text: string | Uint8Array, options: ScanOptions): ScanResult {
  const result = emptyResult();
  const ruleset = options.ruleset ?? defaultRuleset();
  if (ruleset.isSkippedPath(path)) return result;
  flagKeyFilePath(path, ruleset, options, result);
  if (isBinary(text)) {
    result.notScanned.push({ path, reason: "binary", bytes: byteCount(text) });
    return result;
  }
  if (!withinBytes(text, options.maxBytes ?? DEFAULT_MAX_BYTES)) {
    result.notScanned.push({ path, reason: "too-large", bytes: byteCount(text) });
    return result;
  }
  const decoded = typeof text === "string" ? text : new TextDecoder("utf-8").decode(text);
  // CRLF files: the `\r` is not part of any value, and removing it keeps every column where it was.
  const content = decoded.includes("\r\n") ? decoded.replace(/\r\n/g, "\n") : decoded;
  scanFragment(path, content, undefined, ruleset, options, result);
  return result;
}

function byteCount(text: string | Uint8Array): number {
  return typeof text === "string" ? Buffer.byteLength(text, "utf8") : text.byteLength;
}

/**
 * Whether `text` has at most `maxBytes` bytes of UTF-8. A UTF-16 code unit never takes more than 3 bytes, so most
 * strings pass on their length alone; counting the bytes is a pass over the text.
 */
export function withinBytes(text: string | Uint8Array, maxBytes: number): boolean {
  if (typeof text !== "string") return text.byteLength <= maxBytes;
  return text.length * 3 <= maxBytes || Buffer.byteLength(text, "utf8") <= maxBytes;
}

/**
 * Scan the added lines of one diff hunk (their new-file line numbers and text without the `+`). The lines are
 * joined into one fragment so that a private key added across lines is found.
 */
export function scanAddedLines(path: string, lines: readonly AddedLine[], options: ScanOptions): ScanResult {
  const result = emptyResult();
  const ruleset = options.ruleset ?? defaultRuleset();
  if (ruleset.isSkippedPath(path)) return result;
  flagKeyFilePath(path, ruleset, options, result);
  let bytes = 0;
  for (const l of lines) bytes += Buffer.byteLength(l.text, "utf8") + 1;
  if (lines.some((l) => l.text.includes("\0"))) {
    result.notScanned.push({ path, reason: "binary", bytes });
    return result;
  }
  if (bytes > (options.maxBytes ?? DEFAULT_MAX_BYTES)) {
    result.notScanned.push({ path, reason: "too-large", bytes });
    return result;
  }
  const text = lines.map((l) => (l.text.endsWith("\r") ? l.text.slice(0, -1) : l.text)).join("\n");
  scanFragment(
    path,
    text,
    lines.map((l) => l.line),
    ruleset,
    options,
    result,
  );
  return result;
}

function emptyResult(): ScanResult {
  return { findings: [], notScanned: [], suppressed: [] };
}

function flagKeyFilePath(path: string, ruleset: Ruleset, options: ScanOptions, result: ScanResult): void {
  for (const rule of ruleset.pathRules) {
    if (!rule.path?.test(path)) continue;
    const finding: SecretFinding = {
      path,
      line: 1,
      column: 1,
      endColumn: 1,
      rule: rule.id,
      severity: rule.severity,
      // The file itself is the secret; its name is what identifies it.
      fingerprint: fingerprintOf(options.fingerprintKey, rule.id, path, ""),
      preview: "(whole file)",
      description: rule.description,
    };
    settle(finding, [], options, ruleset, "", result);
  }
}

interface Span {
  start: number;
  end: number;
}

/** One fragment: its text, where each line starts, and the real line numbers when they are not 1, 2, 3, ... */
interface Fragment {
  text: string;
  /** Line start offsets, found so far (see `lineStarts`). */
  starts: number[];
  /** Whether `starts` holds every line start. */
  complete: boolean;
  lineNumbers: readonly number[] | undefined;
}

/**
 * Line start offsets, found only as far as a match needs them: every start at or before `offset`, and the next
 * one if there is one. Most fragments have no match, and a file's findings are often near its top.
 */
function lineStarts(fragment: Fragment, offset: number): number[] {
  const { starts, text } = fragment;
  if (starts.length === 0) starts.push(0);
  let last = starts[starts.length - 1]!;
  while (last <= offset && !fragment.complete) {
    const newline = text.indexOf("\n", last);
    // Stored every time, not only at the end: a store first reached late would make V8 recompile the callers.
    fragment.complete = newline === -1;
    if (newline !== -1) starts.push((last = newline + 1));
  }
  return starts;
}

function lineNumber(fragment: Fragment, index: number): number {
  return fragment.lineNumbers ? (fragment.lineNumbers[index] ?? 1) : index + 1;
}

/** The text of line `index`, whose start `lineStarts` has found. */
function lineText(fragment: Fragment, index: number): string {
  const starts = lineStarts(fragment, fragment.starts[index] ?? 0);
  const start = starts[index] ?? 0;
  // Read only within the array, and the text's length every time: a read past the end, or a load first made at some
  // file's last line, makes V8 recompile `consider`, into which this is inlined.
  const next = index + 1 < starts.length ? starts[index + 1] : undefined;
  const { text } = fragment;
  const end = text.length;
  return text.slice(start, next === undefined ? end : next - 1);
}

function scanFragment(
  path: string,
  text: string,
  lineNumbers: readonly number[] | undefined,
  ruleset: Ruleset,
  options: ScanOptions,
  result: ScanResult,
): void {
  const { at, runs } = ruleset.prefilter.scan(text);
  let fragment: Fragment | undefined;
  let taken: Span[] | undefined;
  const before = result.findings.length;
  for (const rule of ruleset.contentRules) {
    const hits = rule.keywordIndexes.length === 0 ? undefined : hitsOf(rule.keywordIndexes, at);
    if (hits === null || (rule.path && !rule.path.test(path))) continue;
    if (rule.runGate && !runs[rule.runGate.index]) continue;
    fragment ??= { text, starts: [], complete: false, lineNumbers };
    taken ??= [];
    if (hits === undefined || !rule.lineScoped) {
      runRule(rule, path, fragment, 0, text.length, taken, ruleset, options, result);
      continue;
    }
    if (rule.anchored) {
      runAnchored(rule, rule.anchored, rule.reach ?? 0, hits, path, fragment, taken, ruleset, options, result);
      continue;
    }
    // Only the lines holding a keyword: most of a file has none, and these rules never match across lines.
    // Hit lines close together form one window, so that dense text costs one regex call per run of lines.
    let windowStart = -1;
    let windowEnd = -1;
    for (const offset of hits) {
      if (offset < windowEnd) continue;
      const lineStart = text.lastIndexOf("\n", offset) + 1;
      let lineEnd = text.indexOf("\n", offset);
      if (lineEnd === -1) lineEnd = text.length;
      if (windowStart !== -1 && lineStart - windowEnd <= WINDOW_GAP) {
        windowEnd = lineEnd;
        continue;
      }
      if (windowStart !== -1) runRule(rule, path, fragment, windowStart, windowEnd, taken, ruleset, options, result);
      windowStart = lineStart;
      windowEnd = lineEnd;
    }
    if (windowStart !== -1) runRule(rule, path, fragment, windowStart, windowEnd, taken, ruleset, options, result);
  }
  if (result.findings.length > before) result.findings.sort((a, b) => a.line - b.line || a.column - b.column);
}

/**
 * Keyword lines at most this many characters apart are matched as one window: the lines between them hold no
 * keyword, so a line-scoped rule finds nothing there, and a regex skims them faster than it is called twice.
 */
const WINDOW_GAP = 1;

/**
 * Offsets of the rule's keyword hits in ascending order; null when none of its keywords occurs; undefined
 * when the rule has no keywords (it always runs on the whole fragment).
 */
function hitsOf(keywordIndexes: readonly number[], at: readonly (number[] | undefined)[]): Iterable<number> | null {
  let only: number[] | undefined;
  let count = 0;
  let lists = 0;
  for (const k of keywordIndexes) {
    const list = at[k];
    if (list === undefined) continue;
    only ??= list;
    count += list.length;
    lists++;
  }
  if (only === undefined) return null;
  if (lists === 1) return only;
  // Several keywords occur: their offsets merged in one typed array, sorted.
  const merged = new Int32Array(count);
  let n = 0;
  for (const k of keywordIndexes) {
    const list = at[k];
    if (list === undefined) continue;
    for (const offset of list) merged[n++] = offset;
  }
  return merged.sort();
}

/**
 * Try the regex only where a match can start: at most `reach` characters before each keyword hit, in ascending
 * order and never before the end of the previous match, which gives the matches a scan of the lines would.
 */
function runAnchored(
  rule: CompiledRule,
  anchored: { sticky: RegExp; skipping: RegExp; lead: LeadTables | undefined },
  reach: number,
  hits: Iterable<number>,
  path: string,
  fragment: Fragment,
  taken: Span[],
  ruleset: Ruleset,
  options: ScanOptions,
  result: ScanResult,
): void {
  const { text } = fragment;
  const { sticky, skipping, lead } = anchored;
  let next = 0;
  for (const hit of hits) {
    let at = Math.max(hit - reach, next);
    while (at <= hit) {
      if (lead && !leadPossible(text, at, hit, lead)) {
        at = hit + 1;
        break;
      }
      skipping.lastIndex = at;
      if (!skipping.test(text)) {
        at = hit + 1;
        break;
      }
      // A match starts within reach: find where (the first start that matches is the one the skip found).
      let m: RegExpExecArray | null = null;
      for (let start = at; start <= at + reach && m === null; start++) {
        sticky.lastIndex = start;
        m = sticky.exec(text);
      }
      if (m === null || m[0].length === 0) {
        at += 1;
        continue;
      }
      consider(rule, m, 0, path, fragment, taken, ruleset, options, result);
      at = m.index + m[0].length;
    }
    next = Math.max(next, at);
  }
}

/**
 * Whether a match of a rule with this `lead` can start anywhere in [from, hit]: a match starting at m runs over
 * lead characters from m to an end character at some o > m. Either o < hit, so an end character lies in
 * [from, hit), or o >= hit, so o is where the lead run from `hit` ends, and the rule's `fits` must accept it.
 * Cheaper than one regex call.
 */
function leadPossible(text: string, from: number, hit: number, { table, fits }: LeadTables): boolean {
  for (let i = from; i < hit; i++) {
    const c = text.charCodeAt(i);
    if (c < 128 && table[c] === 2) return true;
  }
  for (let i = hit, n = text.length; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c >= 128) return false;
    const kind = table[c];
    if (kind !== 1) return kind === 2 && (fits === undefined || fits(text, i));
  }
  return false;
}

function runRule(
  rule: CompiledRule,
  path: string,
  fragment: Fragment,
  from: number,
  to: number,
  taken: Span[],
  ruleset: Ruleset,
  options: ScanOptions,
  result: ScanResult,
): void {
  const { text } = fragment;
  // A window is matched as its own string (a slice shares the fragment's characters); offsets are shifted back.
  const subject = from === 0 && to === text.length ? text : text.slice(from, to);
  const re = rule.regex;
  re.lastIndex = 0;
  let m: RegExpExecArray | null;
  while ((m = re.exec(subject)) !== null) {
    if (m[0].length === 0) {
      re.lastIndex += 1;
      continue;
    }
    consider(rule, m, from, path, fragment, taken, ruleset, options, result);
  }
}

/** One regex match of a rule, at `from` + its index in the fragment: filter, validate, and record it. */
function consider(
  rule: CompiledRule,
  m: RegExpExecArray,
  from: number,
  path: string,
  fragment: Fragment,
  taken: Span[],
  ruleset: Ruleset,
  options: ScanOptions,
  result: ScanResult,
): void {
  const { text } = fragment;
  const located = secretOf(rule, m);
  if (!located) return;
  const { secret } = located;
  const start = from + located.start;
  const end = start + secret.length;
  if (!rule.multiline && secret.includes("\n")) return;
  if (taken.some((s) => start < s.end && s.start < end)) return;
  // Most candidates fail a filter: the line table is built only for the ones that become findings.
  if (!passesFilters(rule, secret, text, start)) return;
  const index = from + m.index;
  const verdict = rule.validate ? rule.validate({ secret, match: m[0], fragment: text, index, path }) : true;
  if (verdict === false) return;
  const starts = lineStarts(fragment, end - 1);
  const firstLine = lineIndex(starts, start);
  const lastLine = lineIndex(starts, end - 1);
  const severity: SecretSeverity = verdict === true ? rule.severity : verdict;
  taken.push({ start, end });
  const finding: SecretFinding = {
    path,
    line: lineNumber(fragment, firstLine),
    column: start - (starts[firstLine] ?? 0) + 1,
    ...(lastLine !== firstLine ? { endLine: lineNumber(fragment, lastLine) } : {}),
    endColumn: end - (starts[lastLine] ?? 0) + 1,
    rule: rule.id,
    severity,
    fingerprint: fingerprintOf(options.fingerprintKey, rule.id, path, secret),
    preview: previewOf(secret),
    description: rule.description,
  };
  const touched: string[] = [];
  for (let i = firstLine; i <= lastLine; i++) touched.push(lineText(fragment, i));
  settle(finding, touched, options, ruleset, secret, result, m[0]);
}

/** Decide whether a confirmed finding is reported or suppressed, and record it. */
function settle(
  finding: SecretFinding,
  touchedLines: readonly string[],
  options: ScanOptions,
  ruleset: Ruleset,
  secret: string,
  result: ScanResult,
  match = "",
): void {
  let suppressed: SuppressedFinding["reason"] | undefined;
  if (options.inlineAllow !== false && touchedLines.some((l) => INLINE_ALLOW.test(l))) suppressed = "inline-comment";
  else if (secret !== "" && ruleset.allowRegexes.some((re) => testOnce(re, secret) || testOnce(re, match))) suppressed = "allowlisted-regex";
  else if (options.baseline?.has(finding.fingerprint)) suppressed = "baseline";
  else if (options.gitleaksIgnore?.some((e) => ignoredByGitleaks(e, finding, ruleset, options.commit))) suppressed = "gitleaks-ignore";
  if (suppressed) result.suppressed.push({ finding, reason: suppressed });
  else result.findings.push(finding);
}

/** gitleaks' rule ids differ from ours, so an entry naming a rule we do not have matches any rule at that spot. */
function ignoredByGitleaks(entry: GitleaksIgnoreEntry, finding: SecretFinding, ruleset: Ruleset, commit: string | undefined): boolean {
  if (entry.path !== finding.path || entry.line !== finding.line) return false;
  if (entry.commit && commit && !commit.startsWith(entry.commit) && !entry.commit.startsWith(commit)) return false;
  return entry.rule === finding.rule || !ruleset.rules.some((r) => r.id === entry.rule);
}

function testOnce(re: RegExp, value: string): boolean {
  re.lastIndex = 0;
  return re.test(value);
}

/** The secret and its offset in the fragment, from the rule's secret group. */
function secretOf(rule: CompiledRule, m: RegExpExecArray): { secret: string; start: number } | undefined {
  const group = pickGroup(rule, m);
  if (group === 0) return { secret: m[0], start: m.index };
  const value = typeof group === "string" ? m.groups?.[group] : m[group];
  if (value === undefined || value === "") return undefined;
  const indices = m.indices;
  const span = typeof group === "string" ? indices?.groups?.[group] : indices?.[group];
  // RE2 and V8 both fill `indices` for the `d` flag; the search is a fallback for engines that do not.
  const start = span ? span[0] : m.index + m[0].indexOf(value);
  return { secret: value, start };
}

function pickGroup(rule: CompiledRule, m: RegExpExecArray): number | string {
  const g = rule.secretGroup;
  if (typeof g === "string" || typeof g === "number") return g;
  if (g === undefined) {
    for (let i = 1; i < m.length; i++) if (m[i] !== undefined && m[i] !== "") return i;
    return 0;
  }
  for (const i of g) if (m[i] !== undefined && m[i] !== "") return i;
  return 0;
}

/** The line of `text` holding `offset`. */
function lineAround(text: string, offset: number): string {
  const end = text.indexOf("\n", offset);
  return text.slice(text.lastIndexOf("\n", offset - 1) + 1, end === -1 ? text.length : end);
}

function passesFilters(rule: CompiledRule, secret: string, text: string, offset: number): boolean {
  if (rule.entropy !== undefined && shannonEntropy(secret) <= rule.entropy) return false;
  if (rule.globalAllowlist !== false && GLOBAL_VALUE_ALLOWLIST.some((re) => re.test(secret))) return false;
  const allow = rule.allowlist;
  if (!allow) return true;
  if (allow.stopwords?.length) {
    const lower = secret.toLowerCase();
    if (allow.stopwords.some((w) => lower.includes(w))) return false;
  }
  if (allow.regexes?.some((re) => testOnce(re, secret))) return false;
  if (allow.lineRegexes?.length) {
    const line = lineAround(text, offset);
    if (allow.lineRegexes.some((re) => testOnce(re, line))) return false;
  }
  return true;
}

/** Index of the line holding `offset` (binary search over line start offsets). */
function lineIndex(starts: readonly number[], offset: number): number {
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if ((starts[mid] ?? 0) <= offset) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}
