/**
 * Merges the organization baseline with a repository's policy so that the repository can only
 * tighten it. Works on the raw (validated) inputs, before schema defaults, so a field the
 * repository leaves out inherits the baseline instead of a default that might be looser.
 * A loosening attempt is an error at the repository's line, and the baseline's value is kept.
 */
import { isDeepStrictEqual } from "node:util";
import type { PolicyError } from "../evidence/types.js";
import type { PolicyInput } from "./schema.js";
import type { ParsedSource } from "./parse.js";
import { type FieldPath, dotted } from "./yaml-source.js";

type Raw = Record<string, unknown>;

export function mergeBaseline(baseline: ParsedSource, repo: ParsedSource): { input: unknown; errors: PolicyError[] } {
  const errors: PolicyError[] = [];
  const loosen = (field: FieldPath, message: string, key = false) =>
    errors.push({ path: repo.path, ...repo.locate(field, { key }), field: `baseline:${dotted(field)}`, message });

  const b = baseline.input as PolicyInput;
  const r = repo.input as PolicyInput;
  const out: Raw = { version: 1 };

  // identities and teams: union by name; a repository may repeat a baseline definition but not change it.
  for (const kind of ["identities", "teams"] as const) {
    const bRaw = (b[kind] ?? {}) as Raw;
    const rRaw = (r[kind] ?? {}) as Raw;
    if (b[kind] === undefined && r[kind] === undefined) continue;
    const merged: Raw = { ...bRaw };
    for (const [name, value] of Object.entries(rRaw)) {
      if (name in bRaw && !isDeepStrictEqual(baseline.policy[kind][name], repo.policy[kind][name])) {
        loosen([kind, name], `${kind === "teams" ? "team" : "identity"} "${name}" is defined by the organization baseline; a repository cannot redefine it (use another name)`, true);
        continue;
      }
      merged[name] = value;
    }
    out[kind] = merged;
  }

  const signatures = mergeSignatures(b.signatures as Raw | undefined, r.signatures as Raw | undefined, loosen);
  if (signatures) out.signatures = signatures;

  // namespaces: every baseline namespace applies unchanged; the repository can only add more.
  if (b.namespaces !== undefined || r.namespaces !== undefined) {
    const names = new Set((b.namespaces ?? []).map((n) => n.name));
    const added = (r.namespaces ?? []).filter((ns, i) => {
      if (!names.has(ns.name)) return true;
      loosen(["namespaces", i, "name"], `namespace "${ns.name}" is defined by the organization baseline, which applies unchanged; rename this namespace`);
      return false;
    });
    out.namespaces = [...(b.namespaces ?? []), ...added];
  }

  // alerts: the baseline's issue alerts cannot be turned back into check-only.
  if (b.alerts !== undefined || r.alerts !== undefined) {
    if (b.alerts === "issue" && r.alerts === "check") loosen(["alerts"], "the organization baseline alerts with issues; a repository cannot reduce that to check-only");
    out.alerts = b.alerts === "issue" ? "issue" : (r.alerts ?? b.alerts);
  }

  const secrets = mergeSecrets(b.secrets as Raw | undefined, r.secrets as Raw | undefined, loosen);
  if (secrets) out.secrets = secrets;
  return { input: out, errors };
}

type Loosen = (field: FieldPath, message: string, key?: boolean) => void;

/** The schema defaults, i.e. what the baseline means when it leaves a field out. */
const SIGNATURE_DEFAULTS = { required: false, keys: ["policy"], identity: "committer", allow_github_web_flow: false };
const SECRETS_DEFAULTS = { enabled: true, disable: [] as string[], allow_repository_allowlists: false };

function mergeSignatures(b: Raw | undefined, r: Raw | undefined, loosen: Loosen): Raw | undefined {
  if (!b && !r) return undefined;
  const out: Raw = { ...b };
  if (!r) return out;
  const eff = { ...SIGNATURE_DEFAULTS, ...b };
  const at = (k: string): FieldPath => ["signatures", k];

  if (r.required !== undefined) {
    if (eff.required === true && r.required === false) loosen(at("required"), "the organization baseline requires signatures; a repository cannot turn that off");
    else out.required = r.required;
  }
  if (r.keys !== undefined) {
    const allowed = eff.keys as string[];
    const extra = (r.keys as string[]).filter((k) => !allowed.includes(k));
    if (extra.length > 0) {
      loosen(at("keys"), `the organization baseline trusts keys from [${allowed.join(", ")}] only; a repository cannot add ${extra.join(", ")}`);
    } else out.keys = r.keys;
  }
  if (r.identity !== undefined) {
    if (eff.identity === "committer" && r.identity === "none") {
      loosen(at("identity"), "the organization baseline requires the signer to be the committer; a repository cannot relax it to none");
    } else out.identity = r.identity;
  }
  if (r.allow_github_web_flow !== undefined) {
    if (eff.allow_github_web_flow === false && r.allow_github_web_flow === true) {
      loosen(at("allow_github_web_flow"), "the organization baseline does not accept GitHub web-flow commits; a repository cannot allow them");
    } else out.allow_github_web_flow = r.allow_github_web_flow;
  }
  return out;
}

function mergeSecrets(b: Raw | undefined, r: Raw | undefined, loosen: Loosen): Raw | undefined {
  if (!b && !r) return undefined;
  const out: Raw = { ...b };
  if (!r) return out;
  const eff = { ...SECRETS_DEFAULTS, ...b };
  const at = (...k: string[]): FieldPath => ["secrets", ...k];

  if (r.enabled !== undefined) {
    if (eff.enabled === true && r.enabled === false) loosen(at("enabled"), "the organization baseline scans for secrets; a repository cannot turn scanning off");
    else out.enabled = r.enabled;
  }
  if (r.disable !== undefined) {
    const allowed = eff.disable as string[];
    let ok = true;
    (r.disable as string[]).forEach((rule, i) => {
      if (allowed.includes(rule)) return;
      ok = false;
      loosen([...at("disable"), i], `the organization baseline keeps rule "${rule}" on; a repository may only disable rules the baseline disables`);
    });
    if (ok) out.disable = r.disable;
  }
  if (r.allow_repository_allowlists !== undefined) {
    loosen(at("allow_repository_allowlists"), "allow_repository_allowlists may only be set in the organization baseline", true);
  }
  const permitted = eff.allow_repository_allowlists === true;
  const denied = "the organization baseline does not let repositories add secret allowlists (it would need allow_repository_allowlists: true)";
  const rAllow = r.allow as { paths?: string[]; regexes?: string[] } | undefined;
  if (rAllow) {
    const bAllow = (b?.allow ?? {}) as { paths?: string[]; regexes?: string[] };
    const allow: Raw = { ...bAllow };
    for (const k of ["paths", "regexes"] as const) {
      const add = rAllow[k];
      if (add === undefined || add.length === 0) continue;
      if (!permitted) {
        loosen(at("allow", k), denied);
        continue;
      }
      allow[k] = [...new Set([...(bAllow[k] ?? []), ...add])];
    }
    out.allow = allow;
  }
  if (r.baseline !== undefined) {
    if (!permitted) loosen(at("baseline"), denied);
    else if (b?.baseline !== undefined && b.baseline !== r.baseline) {
      loosen(at("baseline"), `the organization baseline already names the secrets baseline file ${String(b.baseline)}`);
    } else out.baseline = r.baseline;
  }
  return out;
}
