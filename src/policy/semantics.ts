/**
 * Checks the schema cannot express: names that must refer to something, team cycles,
 * requirements nobody could ever satisfy, patterns that do not compile.
 */
import picomatch from "picomatch";
import type { PolicyError } from "../evidence/types.js";
import type { Policy, IdentityPolicy } from "./schema.js";
import { type FieldPath, type Locator, dotted } from "./yaml-source.js";

/** Identities and teams defined elsewhere (the organization baseline) that this file may refer to. */
export interface KnownNames {
  identities: Record<string, IdentityPolicy>;
  teams: Record<string, string[]>;
}

const GITHUB_TEAM = /^@[^/]+\/.+$/;

export function semanticErrors(policy: Policy, path: string, locate: Locator, known?: KnownNames): PolicyError[] {
  const errors: PolicyError[] = [];
  const report = (field: FieldPath, message: string, key = false) =>
    errors.push({ path, ...locate(field, { key }), field: dotted(field), message });

  const identities = { ...known?.identities, ...policy.identities };
  const teams = { ...known?.teams, ...policy.teams };
  const isDefined = (p: string) => GITHUB_TEAM.test(p) || p in identities || p in teams;
  const checkPrincipals = (list: readonly string[], field: FieldPath) =>
    list.forEach((p, i) => {
      if (!isDefined(p)) {
        report([...field, i], `"${p}" is neither an identity nor a team defined in the policy, nor a GitHub team written @org/team`);
      }
    });

  // A principal must mean one thing: a name that is both an identity and a team is ambiguous.
  for (const name of Object.keys(policy.teams)) {
    if (name in identities) report(["teams", name], `"${name}" is both an identity and a team; rename one of them`, true);
  }
  for (const name of Object.keys(policy.identities)) {
    if (known && name in known.teams) report(["identities", name], `"${name}" is a team in the organization baseline; use another name`, true);
  }
  for (const [name, members] of Object.entries(policy.teams)) checkPrincipals(members, ["teams", name]);
  teamCycles(policy.teams, teams, report);

  const seen = new Map<string, number>();
  policy.namespaces.forEach((ns, i) => {
    const at: FieldPath = ["namespaces", i];
    const first = seen.get(ns.name);
    if (first !== undefined) report([...at, "name"], `duplicate namespace name "${ns.name}" (first used by namespace ${first + 1})`);
    else seen.set(ns.name, i);

    checkPrincipals(ns.owners, [...at, "owners"]);
    if (ns.forbid.length > 0 && ns.refs.length === 0) {
      report([...at, "forbid"], "forbid applies to operations on refs; a namespace with only paths cannot forbid them (add refs)");
    }
    ns.refs.forEach((g, j) => globError(g, "ref") && report([...at, "refs", j], globError(g, "ref")!));
    ns.paths.forEach((g, j) => globError(g, "path") && report([...at, "paths", j], globError(g, "path")!));

    const review = ns.review;
    if (!review) return;
    checkPrincipals(review.from, [...at, "review", "from"]);
    checkPrincipals(review.bots, [...at, "review", "bots"]);
    const teamCount = new Set(review.from.filter((p) => GITHUB_TEAM.test(p) || p in teams)).size;
    if (review.distinct_teams > teamCount) {
      report(
        [...at, "review", "distinct_teams"],
        `distinct_teams is ${review.distinct_teams} but review.from lists ${teamCount} team${teamCount === 1 ? "" : "s"}`,
      );
    }
    if (review.approvals > 0) {
      const pool = review.from.length > 0 ? review.from : ns.owners;
      const most = maxApprovers(pool, review.bots, identities, teams);
      if (most !== null && review.approvals > most) {
        report(
          [...at, "review", "approvals"],
          most === 0
            ? `${review.approvals} approval(s) required but nobody listed can approve (bots count only when listed in review.bots)`
            : `${review.approvals} approvals required but at most ${most} listed ${most === 1 ? "person" : "people"} can approve`,
        );
      }
    }
  });

  policy.secrets.allow.paths.forEach((g, j) => {
    const e = globError(g, "path");
    if (e) report(["secrets", "allow", "paths", j], e);
  });
  policy.secrets.allow.regexes.forEach((r, j) => {
    const e = regexError(r);
    if (e) report(["secrets", "allow", "regexes", j], e);
  });
  return errors;
}

/** Follows team membership through policy teams; a team that contains itself can never be resolved. */
function teamCycles(
  own: Record<string, string[]>,
  all: Record<string, string[]>,
  report: (field: FieldPath, message: string) => void,
): void {
  const state = new Map<string, "visiting" | "done">();
  const reported = new Set<string>();
  const visit = (team: string, trail: string[]) => {
    state.set(team, "visiting");
    (all[team] ?? []).forEach((member, i) => {
      if (!(member in all)) return;
      if (state.get(member) === "visiting") {
        const key = `${team}>${member}`;
        if (team in own && !reported.has(key)) {
          reported.add(key);
          const cycle = [...trail.slice(trail.indexOf(member)), team, member].join(" -> ");
          report(["teams", team, i], `team cycle: ${cycle}`);
        }
      } else if (state.get(member) !== "done") {
        visit(member, [...trail, team]);
      }
    });
    state.set(team, "done");
  };
  for (const team of Object.keys(own)) if (!state.has(team)) visit(team, []);
}

/**
 * How many distinct accounts could approve, when the pool is made only of identities
 * (GitHub teams have unknown membership: null). Bots count only when listed in `bots`.
 */
function maxApprovers(
  pool: readonly string[],
  bots: readonly string[],
  identities: Record<string, IdentityPolicy>,
  teams: Record<string, string[]>,
): number | null {
  if (pool.length === 0) return null;
  const expand = (list: readonly string[], into: Set<string>, seen: Set<string>): boolean => {
    for (const p of list) {
      if (GITHUB_TEAM.test(p)) return false;
      if (p in teams) {
        if (seen.has(p)) continue;
        seen.add(p);
        if (!expand(teams[p] ?? [], into, seen)) return false;
      } else into.add(p);
    }
    return true;
  };
  const members = new Set<string>();
  if (!expand(pool, members, new Set())) return null;
  const allowedBots = new Set<string>();
  // Bots listed through a GitHub team are unknowable; treat the listed identities only.
  expand(bots, allowedBots, new Set());
  let n = 0;
  for (const m of members) {
    const id = identities[m];
    if (!id) continue;
    if (!id.bot || allowedBots.has(m)) n++;
  }
  return n;
}

/**
 * Glob problems picomatch would otherwise accept silently: unbalanced brackets, a trailing
 * backslash, negation (not supported), and patterns that can never match a repository path.
 */
export function globError(glob: string, kind: "path" | "ref"): string | null {
  if (glob.startsWith("!")) return `"${glob}": negated patterns are not supported; list what to protect instead`;
  if (kind === "path" && (glob.startsWith("/") || glob.startsWith("./"))) {
    return `"${glob}": paths are matched relative to the repository root; drop the leading "${glob.startsWith("/") ? "/" : "./"}"`;
  }
  if (glob.endsWith("\\") && !glob.endsWith("\\\\")) return `"${glob}": a pattern cannot end with a lone backslash`;
  try {
    picomatch.makeRe(glob, { dot: true, nonegate: true, strictBrackets: true });
  } catch (error) {
    return `"${glob}" is not a valid glob: ${error instanceof Error ? error.message : String(error)}`;
  }
  return null;
}

/**
 * Allowlist regexes are run by an RE2-style (linear-time) engine: they must compile, and the
 * constructs RE2 does not support (backreferences, lookaround) are refused here rather than at scan time.
 */
export function regexError(source: string): string | null {
  try {
    new RegExp(source, "u");
  } catch (error) {
    return `the regex does not compile: ${error instanceof Error ? error.message.replace(/^Invalid regular expression: /, "") : String(error)}`;
  }
  if (/\(\?<?[=!]/.test(source)) return "lookahead and lookbehind are not supported (regexes must run in linear time)";
  if (/\\[1-9]|\\k</.test(source)) return "backreferences are not supported (regexes must run in linear time)";
  return null;
}
