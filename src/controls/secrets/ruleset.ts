/** A compiled ruleset: built-in rules minus disabled ones, plus imported rules, the prefilter and the allowlists. */
import type { Policy } from "../../policy/schema.js";
import { DEFAULT_SKIPPED_PATHS, pathMatcher } from "./files.js";
import { KeywordPrefilter, type PrefilterOptions, type RunGate } from "./prefilter.js";
import { compileRE2 } from "./re2.js";
import { BUILTIN_RULES } from "./rules/index.js";
import type { SecretRule } from "./types.js";

export interface RulesetOptions {
  /** Rule ids to turn off. An unknown id is an error, so a typo does not silently keep a rule on. */
  disable?: readonly string[];
  /** Globs of paths never scanned (picomatch syntax). */
  allowPaths?: readonly string[];
  /** RE2 regexes; a finding whose secret or matched text matches one is suppressed. */
  allowRegexes?: readonly string[];
  /** Path regexes (RE2) of files never scanned, e.g. from a .gitleaks.toml global allowlist. */
  allowPathRegexes?: readonly RegExp[];
  /** Extra rules, e.g. imported from a .gitleaks.toml (their regexes already compiled with RE2). */
  extraRules?: readonly SecretRule[];
  /** Skip lockfiles, node_modules/, vendor/ and minified files (default true). */
  skipDefaultPaths?: boolean;
  /**
   * Run built-in single-line rules only on the lines holding one of their keywords (default true). False runs
   * every rule on the whole fragment, as gitleaks does: slower, same findings; tests compare the two.
   */
  lineScope?: boolean;
  /** How the keyword prefilter walks texts (tests compare its WebAssembly and JavaScript walks). */
  prefilter?: PrefilterOptions;
}

export interface CompiledRule extends SecretRule {
  /** Index of the rule; earlier rules win when two findings overlap (specific rules come before generic ones). */
  order: number;
  /** The rule's keywords as indexes into the prefilter's keyword list. */
  keywordIndexes: readonly number[];
  /**
   * Whether the regex runs only on the lines holding one of the rule's keywords rather than on the whole
   * fragment. True for built-in single-line rules, whose matches are known to lie on one line and contain a
   * keyword (tested in rules.test.ts); rules from a policy or a .gitleaks.toml keep gitleaks' whole-fragment scope.
   */
  lineScoped: boolean;
  /** For line-scoped rules with a `reach`: the regex made sticky, and the same after a lazy skip of up to `reach` characters. */
  anchored?: { sticky: RegExp; skipping: RegExp; lead: LeadTables | undefined };
  /** For built-in rules with a `run`: which ASCII characters may form it, its length, and its index in the prefilter's runs. */
  runGate?: RunGate & { index: number };
}

/** A rule's `lead`: a table over ASCII, 1 for a run character and 2 for one that ends the run, and its `fits` test. */
export interface LeadTables {
  table: Uint8Array;
  fits: ((text: string, index: number) => boolean) | undefined;
}

export interface Ruleset {
  readonly rules: readonly CompiledRule[];
  readonly contentRules: readonly CompiledRule[];
  readonly pathRules: readonly CompiledRule[];
  readonly prefilter: KeywordPrefilter;
  readonly isSkippedPath: (path: string) => boolean;
  readonly allowRegexes: readonly RegExp[];
}

/** Global and with match indices: the engine needs both, whatever flags a rule was written with. */
function withEngineFlags(re: RegExp): RegExp {
  let flags = re.flags;
  for (const f of ["g", "d"]) if (!flags.includes(f)) flags += f;
  if (flags === re.flags) return re;
  // RE2 objects keep their class when rebuilt through their own constructor.
  const Ctor = re.constructor as new (source: string, flags: string) => RegExp;
  return new Ctor(re.source, flags);
}

/**
 * The sticky forms used to try a regex only near keyword hits. The skipping form finds, in one call, whether a
 * match starts within `reach` characters of where it is tried (the lazy skip makes that the leftmost start); a
 * non-capturing wrapper keeps group numbers and backreferences as they were.
 */
function anchoredForms(regex: RegExp, reach: number): { sticky: RegExp; skipping: RegExp } {
  const flags = regex.flags.includes("y") ? regex.flags : `${regex.flags}y`;
  return {
    sticky: new RegExp(regex.source, flags),
    // Only ever asked yes or no (`test`), at most hits: without match indices V8 builds no result for it.
    skipping: new RegExp(`(?:[\\s\\S]{0,${reach}}?)(?:${regex.source})`, flags.replace("d", "")),
  };
}

function leadTables(lead: NonNullable<SecretRule["lead"]>): LeadTables {
  const table = new Uint8Array(128);
  for (const [chars, mark] of [[lead.chars, 1], [lead.then, 2]] as const) {
    for (let i = 0; i < chars.length; i++) {
      const c = chars.charCodeAt(i);
      if (c >= 128) throw new Error(`secret rule: lead characters must be ASCII, got ${JSON.stringify(chars[i])}`);
      if (table[c] !== 0) throw new Error(`secret rule: ${JSON.stringify(chars[i])} cannot both continue and end a lead`);
      table[c] = mark;
    }
  }
  return { table, fits: lead.fits };
}

function runGate(run: { chars: string; length: number }): RunGate {
  const member = new Uint8Array(128);
  for (let i = 0; i < run.chars.length; i++) {
    const c = run.chars.charCodeAt(i);
    if (c >= 128) throw new Error(`secret rule: run characters must be ASCII, got ${JSON.stringify(run.chars[i])}`);
    member[c] = 1;
  }
  if (!(run.length >= 2)) throw new Error(`secret rule: a run needs a length of at least 2, got ${run.length}`);
  return { member, length: run.length };
}

export function compileRuleset(options: RulesetOptions = {}): Ruleset {
  // Specific before generic: a repository's own rules win an overlap against our generic assignment rules.
  const isGeneric = (r: SecretRule) => r.id.startsWith("generic-");
  const all = [...BUILTIN_RULES.filter((r) => !isGeneric(r)), ...(options.extraRules ?? []), ...BUILTIN_RULES.filter(isGeneric)];
  const known = new Set(all.map((r) => r.id));
  const unknown = (options.disable ?? []).filter((id) => !known.has(id));
  if (unknown.length > 0) throw new Error(`secret scan: cannot disable unknown rule(s): ${unknown.join(", ")}`);
  const disabled = new Set(options.disable ?? []);
  // A later rule with the same id replaces the earlier one (an import may override a built-in rule).
  const byId = new Map<string, SecretRule>();
  for (const r of all) if (!disabled.has(r.id)) byId.set(r.id, r);
  const kept = [...byId.values()];
  const builtin = new Set<SecretRule>(BUILTIN_RULES);
  // Built-in rules with a `run` are gated on it; the prefilter looks for the runs in the same pass as the keywords.
  const gated = options.lineScope === false ? [] : kept.filter((r) => builtin.has(r) && r.run);
  const gates = gated.map((r) => runGate(r.run!));
  const prefilter = new KeywordPrefilter(kept.flatMap((r) => r.keywords), { ...options.prefilter, runs: gates });
  const keywordIndex = new Map(prefilter.keywords.map((k, i) => [k, i]));
  const rules: CompiledRule[] = kept.map((r, order) => {
    const keywordIndexes = [...new Set(r.keywords.map((k) => keywordIndex.get(k.toLowerCase())).filter((i) => i !== undefined))];
    const regex = withEngineFlags(r.regex);
    const lineScoped = options.lineScope !== false && builtin.has(r) && !r.multiline && keywordIndexes.length > 0;
    const gate = gated.indexOf(r);
    // Every compiled rule has the same properties in the same order, absent ones undefined: the engine reads them
    // at every keyword hit and match, and rules of one shape keep those reads monomorphic (decision 0062).
    return {
      id: r.id,
      description: r.description,
      keywords: r.keywords,
      regex,
      secretGroup: r.secretGroup,
      entropy: r.entropy,
      // One shape for every allowlist too: `passesFilters` reads it for every candidate.
      allowlist: r.allowlist ? { stopwords: r.allowlist.stopwords, regexes: r.allowlist.regexes, lineRegexes: r.allowlist.lineRegexes } : undefined,
      severity: r.severity,
      validate: r.validate,
      path: r.path,
      pathOnly: r.pathOnly,
      multiline: r.multiline,
      reach: r.reach,
      run: r.run,
      lead: r.lead,
      globalAllowlist: r.globalAllowlist,
      samples: r.samples,
      order,
      keywordIndexes,
      lineScoped,
      anchored: lineScoped && r.reach !== undefined ? { ...anchoredForms(regex, r.reach), lead: r.lead ? leadTables(r.lead) : undefined } : undefined,
      runGate: gate === -1 ? undefined : { ...gates[gate]!, index: gate },
    };
  });
  const skipGlobs = [...(options.skipDefaultPaths === false ? [] : DEFAULT_SKIPPED_PATHS), ...(options.allowPaths ?? [])];
  return {
    rules,
    contentRules: rules.filter((r) => !r.pathOnly),
    pathRules: rules.filter((r) => r.pathOnly),
    prefilter,
    isSkippedPath: skippedPaths(pathMatcher(skipGlobs), options.allowPathRegexes ?? []),
    allowRegexes: (options.allowRegexes ?? []).map((src, i) => compileRE2(src, "", `secrets.allow.regexes[${i}]`)),
  };
}

function skippedPaths(byGlob: (path: string) => boolean, regexes: readonly RegExp[]): (path: string) => boolean {
  if (regexes.length === 0) return byGlob;
  return (path) =>
    byGlob(path) ||
    regexes.some((re) => {
      re.lastIndex = 0;
      return re.test(path);
    });
}

/** The ruleset a repository policy asks for. */
export function rulesetFromPolicy(secrets: Policy["secrets"], extraRules: readonly SecretRule[] = []): Ruleset {
  return compileRuleset({
    disable: secrets.disable,
    allowPaths: secrets.allow.paths,
    allowRegexes: secrets.allow.regexes,
    extraRules,
  });
}

let builtin: Ruleset | undefined;
/** The default ruleset, compiled once. */
export function defaultRuleset(): Ruleset {
  builtin ??= compileRuleset();
  return builtin;
}
