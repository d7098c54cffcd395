/**
 * Expands a policy's `from_codeowners` namespaces for one change, from the CODEOWNERS rules in the
 * evidence. Each changed path belongs to the last CODEOWNERS rule that matches it (GitHub's rule).
 * Every rule with owners that owns a changed path becomes a namespace with the template's refs and
 * review requirement, owned by that rule's owners. A change is then held to every such namespace,
 * so a change touching paths of three rules needs the approvals of all three. On GitHub, one
 * approval from any owner of each path would do.
 */
import type { Finding } from "./findings.js";
import type { Change, Evidence } from "../evidence/types.js";
import type { CodeownersEvidence } from "../evidence/codeowners.js";
import type { IdentityPolicy, NamespacePolicy, Policy } from "../policy/schema.js";
import { CODEOWNERS_PATHS, codeownersGlobs, ownerKind, owningRule, type CodeownersRule } from "../policy/codeowners.js";

/** Picomatch-escapes an exact path, so a derived namespace matches that file only. */
const exactGlob = (path: string) => path.replace(/[*?[\]{}()!+@\\]/g, (c) => `\\${c}`);

export function usesCodeowners(policy: Policy): boolean {
  return policy.namespaces.some((ns) => ns.from_codeowners);
}

/** Files that define who approves what: the policy file, plus every CODEOWNERS location when owners come from it. */
export function selfProtectedPaths(always: readonly string[], evidence: Evidence): string[] {
  return evidence.codeowners ? [...always, ...CODEOWNERS_PATHS] : [...always];
}

const base = { control: "policy" as const };

export function applyCodeowners(policy: Policy, evidence: Evidence): { policy: Policy; findings: Finding[] } {
  if (!usesCodeowners(policy)) return { policy, findings: [] };
  const templates = policy.namespaces.filter((ns) => ns.from_codeowners);
  const others = policy.namespaces.filter((ns) => !ns.from_codeowners);
  const change = evidence.change;
  // Paths are judged through pull requests; pushes and merge groups never need CODEOWNERS.
  if (change.kind === "push" || change.kind === "merge_group") return { policy: { ...policy, namespaces: others }, findings: [] };
  const co = evidence.codeowners;
  if (!co) {
    return {
      policy: { ...policy, namespaces: others },
      findings: [
        {
          ...base,
          code: "codeowners.evidence_missing",
          severity: "error",
          message: `Namespace${templates.length === 1 ? "" : "s"} ${templates.map((t) => `"${t.name}"`).join(", ")} seed owners from CODEOWNERS, but the evidence has no CODEOWNERS reading.`,
          remedy: "Re-run the check; it reads CODEOWNERS from the base branch.",
        },
      ],
    };
  }
  const findings = codeownersFindings(co);
  const { identities, principal, unresolved } = ownerPrincipals(policy, co.rules);
  for (const u of unresolved) {
    findings.push({
      ...base,
      code: "codeowners.owner_unresolved",
      severity: "warning",
      message: `CODEOWNERS owner ${u.owner} (line ${u.line}) is an email no policy identity lists, so nobody can approve as that owner.`,
      remedy: `Add ${u.owner} to the emails of the right identity in the policy, or write the owner as @user.`,
      location: { path: co.path ?? CODEOWNERS_PATHS[0]!, line: u.line },
    });
  }
  const derived: NamespacePolicy[] = [];
  for (const t of templates) {
    for (const [rule, paths] of ownedPaths(co.rules, change)) {
      derived.push({
        name: `${t.name}.L${rule.line}`,
        description: `${co.path ?? "CODEOWNERS"} line ${rule.line}: ${rule.pattern} ${rule.owners.join(" ")}`,
        refs: t.refs,
        paths,
        owners: rule.owners.map(principal),
        forbid: [],
        ...(t.review ? { review: t.review } : {}),
        ...(t.signatures ? { signatures: t.signatures } : {}),
        from_codeowners: false,
      });
    }
  }
  return { policy: { ...policy, identities: { ...policy.identities, ...identities }, namespaces: [...others, ...derived] }, findings };
}

/**
 * Each rule with owners and the exact paths of this change it owns. With an incomplete file list
 * every such rule gets its own patterns, so the engine counts it as touched (fail closed).
 */
function ownedPaths(rules: readonly CodeownersRule[], change: Change): [CodeownersRule, string[]][] {
  if (!change.filesComplete) return rules.filter((r) => r.owners.length > 0).map((r) => [r, codeownersGlobs(r.pattern)]);
  const byRule = new Map<CodeownersRule, Set<string>>();
  for (const f of change.files) {
    for (const path of [f.path, f.previousPath]) {
      if (path === undefined) continue;
      const rule = owningRule(rules, path);
      // A rule without owners is a carve-out: the path has no code owner.
      if (!rule || rule.owners.length === 0) continue;
      if (!byRule.has(rule)) byRule.set(rule, new Set());
      byRule.get(rule)!.add(exactGlob(path));
    }
  }
  return [...byRule].map(([rule, paths]) => [rule, [...paths]]);
}

/**
 * CODEOWNERS owners as policy principals. `@org/team` is a GitHub team. `@user` is the policy
 * identity with that login (and so its numeric id), else a login-only identity named `@user`. An
 * email is the policy identity listing it, else an identity nobody can act as.
 */
function ownerPrincipals(policy: Policy, rules: readonly CodeownersRule[]) {
  const identities: Record<string, IdentityPolicy> = {};
  const unresolved: { owner: string; line: number }[] = [];
  const entries = Object.entries(policy.identities);
  const cache = new Map<string, string>();
  const principal = (owner: string): string => cache.get(owner) ?? owner;
  for (const rule of rules) {
    for (const owner of rule.owners) {
      if (cache.has(owner)) continue;
      const kind = ownerKind(owner);
      if (kind === "team") cache.set(owner, owner);
      else if (kind === "user") {
        const login = owner.slice(1).toLowerCase();
        const named = entries.find(([, id]) => id.github?.toLowerCase() === login);
        if (named) cache.set(owner, named[0]);
        else {
          identities[owner] = { github: owner.slice(1), emails: [], keys: [], bot: false };
          cache.set(owner, owner);
        }
      } else {
        const email = owner.toLowerCase();
        const named = entries.find(([, id]) => id.emails.some((e) => e.toLowerCase() === email));
        if (named) cache.set(owner, named[0]);
        else {
          identities[owner] = { emails: [owner], keys: [], bot: false };
          cache.set(owner, owner);
          unresolved.push({ owner, line: rule.line });
        }
      }
    }
  }
  return { identities, principal, unresolved };
}

function codeownersFindings(co: CodeownersEvidence): Finding[] {
  if (co.path === null) {
    return [
      {
        ...base,
        code: "codeowners.missing",
        severity: "error",
        message: `The policy seeds owners from CODEOWNERS, but ${co.ref} has none (looked for ${CODEOWNERS_PATHS.join(", ")}).`,
        remedy: "Add a CODEOWNERS file to the base branch, or remove from_codeowners from the policy.",
        location: { path: CODEOWNERS_PATHS[0]! },
      },
    ];
  }
  return co.errors.map((e) => ({
    ...base,
    code: "codeowners.malformed_line",
    severity: "error" as const,
    message: `${co.path}${e.line > 0 ? `:${e.line}` : ""}: ${e.message}. The owners that line meant to set would be lost, so Vouch does not pass the change.`,
    remedy: "Fix the line on the base branch (GitHub's CODEOWNERS syntax: a pattern followed by @user, @org/team or email owners).",
    location: { path: co.path!, ...(e.line > 0 ? { line: e.line } : {}) },
  }));
}
