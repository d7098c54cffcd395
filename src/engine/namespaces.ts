/** Which protected namespaces a change touches: by the ref it lands on and by the paths it changes. */
import picomatch from "picomatch";
import type { NamespacePolicy } from "../policy/schema.js";
import type { Change } from "../evidence/types.js";

/** Glob options shared by every pattern in a policy: dotfiles match, matching is case-sensitive like git. */
const GLOB_OPTIONS: picomatch.PicomatchOptions = { dot: true, nocase: false, nonegate: true };

const matcherCache = new Map<string, (s: string) => boolean>();

export function globMatcher(patterns: readonly string[]): (subject: string) => boolean {
  const key = JSON.stringify(patterns);
  let m = matcherCache.get(key);
  if (!m) {
    const compiled = patterns.map((p) => picomatch(p, GLOB_OPTIONS));
    m = (s: string) => compiled.some((c) => c(s));
    matcherCache.set(key, m);
  }
  return m;
}

export interface TouchedNamespace {
  name: string;
  /** Why it is touched: the ref that matched, the first few paths that matched, or that the file list was partial. */
  reasons: string[];
  /** Files in the change that fall under the namespace's path patterns (all files when it has none). */
  matchedPaths: string[];
}

const MAX_REASON_PATHS = 5;

export function refMatches(ns: NamespacePolicy, ref: string): boolean {
  return ns.refs.length === 0 || globMatcher(ns.refs)(ref);
}

/**
 * A change touches a namespace when its ref matches the namespace's refs (or the namespace
 * lists none) and, if the namespace lists paths, at least one changed file matches (either end
 * of a rename counts). When the file list is partial, a path namespace counts as touched:
 * we cannot prove it is not.
 */
export function touchedNamespace(ns: NamespacePolicy, change: Change): TouchedNamespace | null {
  if (!refMatches(ns, change.ref)) return null;
  const reasons: string[] = [];
  if (ns.refs.length > 0) reasons.push(`ref ${change.ref}`);
  if (ns.paths.length === 0) {
    return { name: ns.name, reasons, matchedPaths: change.files.map((f) => f.path) };
  }
  const match = globMatcher(ns.paths);
  const matchedPaths = change.files
    .filter((f) => match(f.path) || (f.previousPath !== undefined && match(f.previousPath)))
    .map((f) => f.path);
  if (matchedPaths.length > 0) {
    const shown = matchedPaths.slice(0, MAX_REASON_PATHS).join(", ");
    const more = matchedPaths.length > MAX_REASON_PATHS ? ` and ${matchedPaths.length - MAX_REASON_PATHS} more` : "";
    reasons.push(`paths ${shown}${more}`);
    return { name: ns.name, reasons, matchedPaths };
  }
  if (!change.filesComplete) {
    reasons.push("the changed-file list is incomplete, so the path patterns may match");
    return { name: ns.name, reasons, matchedPaths };
  }
  return null;
}

export function touchedNamespaces(namespaces: readonly NamespacePolicy[], change: Change): TouchedNamespace[] {
  const out: TouchedNamespace[] = [];
  for (const ns of namespaces) {
    const t = touchedNamespace(ns, change);
    if (t) out.push(t);
  }
  return out;
}
