/**
 * Branch-protection drift: whether the repository actually requires the `vouch` check on each
 * protected branch. A check nobody requires enforces nothing, so this is reported, never assumed.
 *
 * Rulesets are read through `GET /repos/{o}/{r}/rules/branches/{b}` (metadata: read, which the app
 * has); classic protection needs administration: read, which the app does not have, so a refusal
 * there makes the answer "unknown" rather than "not required".
 */
import picomatch from "picomatch";
import type { Policy } from "../policy/schema.js";
import type { GitHubClient } from "./client.js";
import { httpStatus } from "./client.js";
import { CHECK_NAME } from "./check-run.js";

export type ProtectionStatus = "required" | "not_required" | "unknown";

export interface ProtectionResult {
  branch: string;
  status: ProtectionStatus;
  /** What requires the check; null unless `status` is "required". */
  via: "ruleset" | "branch_protection" | null;
  /** One sentence for humans: what was found, or why it could not be read. */
  detail: string;
}

export interface CheckRequiredInput {
  owner: string;
  repo: string;
  branches: readonly string[];
  /** When given, a requirement bound to another app does not count. */
  appId?: number | undefined;
}

/** A required status check as both APIs express it; `appId` null or absent: any source satisfies it. */
interface RequiredCheck {
  context: string;
  appId: number | null;
}

interface Found {
  /** "required": a matching requirement; "absent": readable and none; "unknown": not readable. */
  outcome: "required" | "absent" | "unknown";
  detail: string;
  /** Requirements for `vouch` that bind another app: named in the detail, they explain a surprising "not required". */
  otherApps: number[];
}

const HEADS = "refs/heads/";

/**
 * The branches the policy protects: the exact (non-glob) `refs/heads/...` refs of its namespaces,
 * plus the default branch, first. Glob refs are left out: which branches they cover is open-ended.
 */
export function protectedBranches(policy: Pick<Policy, "namespaces"> | null, defaultBranch: string): string[] {
  const out = new Set<string>([defaultBranch]);
  for (const ns of policy?.namespaces ?? []) {
    for (const ref of ns.refs) {
      if (!ref.startsWith(HEADS) || picomatch.scan(ref).isGlob) continue;
      out.add(ref.slice(HEADS.length));
    }
  }
  return [...out];
}

function matching(checks: readonly RequiredCheck[], appId: number | undefined): { match: RequiredCheck | undefined; otherApps: number[] } {
  const vouch = checks.filter((c) => c.context === CHECK_NAME);
  const match = vouch.find((c) => appId === undefined || c.appId === null || c.appId === appId);
  const otherApps = vouch.map((c) => c.appId).filter((id): id is number => id !== null && id !== appId);
  return { match, otherApps };
}

function bindingText(check: RequiredCheck, appId: number | undefined): string {
  if (check.appId === null) return "from any source (not bound to an app: any app or commit status named vouch satisfies it)";
  return check.appId === appId ? `from this app (${check.appId})` : `from app ${check.appId}`;
}

function unreadable(what: string, error: unknown, hint: string): Found {
  const status = httpStatus(error);
  return { outcome: "unknown", detail: `could not read ${what}${status ? ` (HTTP ${status})` : ""}${hint}`, otherApps: [] };
}

interface RuleShape {
  type?: unknown;
  ruleset_id?: unknown;
  parameters?: { required_status_checks?: Array<{ context?: unknown; integration_id?: unknown }> };
}

async function fromRulesets(octokit: GitHubClient, input: CheckRequiredInput, branch: string): Promise<Found> {
  let rules: RuleShape[];
  try {
    rules = (await octokit.paginate("GET /repos/{owner}/{repo}/rules/branches/{branch}", {
      owner: input.owner,
      repo: input.repo,
      branch,
      per_page: 100,
    })) as RuleShape[];
  } catch (error) {
    return unreadable("the rulesets", error, "");
  }
  const otherApps: number[] = [];
  for (const rule of rules) {
    if (rule.type !== "required_status_checks") continue;
    const checks: RequiredCheck[] = (rule.parameters?.required_status_checks ?? []).flatMap((c) =>
      typeof c.context === "string" ? [{ context: c.context, appId: typeof c.integration_id === "number" ? c.integration_id : null }] : [],
    );
    const m = matching(checks, input.appId);
    otherApps.push(...m.otherApps);
    if (m.match) {
      const id = typeof rule.ruleset_id === "number" ? ` ${rule.ruleset_id}` : "";
      return { outcome: "required", detail: `ruleset${id} requires the ${CHECK_NAME} check ${bindingText(m.match, input.appId)}`, otherApps };
    }
  }
  return { outcome: "absent", detail: "no ruleset requires it", otherApps };
}

interface ProtectionShape {
  required_status_checks?: { contexts?: unknown; checks?: Array<{ context?: unknown; app_id?: unknown }> } | null;
}

async function fromBranchProtection(octokit: GitHubClient, input: CheckRequiredInput, branch: string): Promise<Found> {
  let protection: ProtectionShape;
  try {
    const res = await octokit.request("GET /repos/{owner}/{repo}/branches/{branch}/protection", {
      owner: input.owner,
      repo: input.repo,
      branch,
    });
    protection = res.data as ProtectionShape;
  } catch (error) {
    // GitHub says "Branch not protected" only to callers allowed to read protection; a bare 404
    // or a 403 is what a caller without administration: read gets, and proves nothing.
    const message = (error as { response?: { data?: { message?: unknown } } }).response?.data?.message;
    if (httpStatus(error) === 404 && message === "Branch not protected") {
      return { outcome: "absent", detail: "no branch protection", otherApps: [] };
    }
    return unreadable("branch protection", error, " (it needs administration: read)");
  }
  const rsc = protection.required_status_checks;
  const checks: RequiredCheck[] = Array.isArray(rsc?.checks)
    ? rsc.checks.flatMap((c) => (typeof c.context === "string" ? [{ context: c.context, appId: typeof c.app_id === "number" ? c.app_id : null }] : []))
    : Array.isArray(rsc?.contexts)
      ? rsc.contexts.filter((c): c is string => typeof c === "string").map((context) => ({ context, appId: null }))
      : [];
  const m = matching(checks, input.appId);
  if (m.match) {
    return { outcome: "required", detail: `branch protection requires the ${CHECK_NAME} check ${bindingText(m.match, input.appId)}`, otherApps: m.otherApps };
  }
  return { outcome: "absent", detail: "branch protection does not require it", otherApps: m.otherApps };
}

async function checkBranch(octokit: GitHubClient, input: CheckRequiredInput, branch: string): Promise<ProtectionResult> {
  const rules = await fromRulesets(octokit, input, branch);
  if (rules.outcome === "required") return { branch, status: "required", via: "ruleset", detail: rules.detail };
  const classic = await fromBranchProtection(octokit, input, branch);
  if (classic.outcome === "required") return { branch, status: "required", via: "branch_protection", detail: classic.detail };
  const others = [...new Set([...rules.otherApps, ...classic.otherApps])];
  const otherText = others.length > 0 ? `; ${CHECK_NAME} is required only from app ${others.join(", ")}, not this app (${input.appId})` : "";
  const status: ProtectionStatus = rules.outcome === "unknown" || classic.outcome === "unknown" ? "unknown" : "not_required";
  return { branch, status, via: null, detail: `${rules.detail}; ${classic.detail}${otherText}` };
}

/**
 * Whether the `vouch` check is required on each branch. Never throws for an API failure: a branch
 * whose settings cannot be read is "unknown". Branches are checked one after another (at most two
 * requests each) to stay gentle on the installation's rate limit.
 */
export async function checkRequired(octokit: GitHubClient, input: CheckRequiredInput): Promise<ProtectionResult[]> {
  const out: ProtectionResult[] = [];
  for (const branch of input.branches) out.push(await checkBranch(octokit, input, branch));
  return out;
}

function code(text: string): string {
  // Branch names may hold backticks; a double-backtick span keeps the Markdown intact.
  return text.includes("`") ? `\`\` ${text} \`\`` : `\`${text}\``;
}

/**
 * A Markdown paragraph for the check summary: empty when every branch requires the check, so a
 * healthy repository's summary stays short.
 */
export function protectionNotice(results: readonly ProtectionResult[]): string {
  const notRequired = results.filter((r) => r.status === "not_required").map((r) => code(r.branch));
  const unknown = results.filter((r) => r.status === "unknown").map((r) => code(r.branch));
  const parts: string[] = [];
  if (notRequired.length > 0) {
    parts.push(
      `**The ${code(CHECK_NAME)} check is not required on ${notRequired.join(", ")}**: a failing verdict there does not block merging. ` +
        `Add it to a ruleset's required status checks (or branch protection), bound to this app.`,
    );
  }
  if (unknown.length > 0) {
    parts.push(
      `Vouch could not tell whether the ${code(CHECK_NAME)} check is required on ${unknown.join(", ")}: no readable ruleset requires it, and classic ` +
        `branch protection needs administration: read to be seen. Run ${code("vouch doctor")} with an administrator's token to check.`,
    );
  }
  return parts.join(" ");
}
