/**
 * `vouch doctor`: asks GitHub whether the repository's rulesets or branch protection actually
 * require the `vouch` check on every branch the policy protects.
 */
import { type Command, Option } from "commander";
import { githubEndpoints } from "../config.js";
import type { GitHubClient } from "../github/client.js";
import { httpStatus } from "../github/client.js";
import { createOctokitClass } from "../github/octokit.js";
import { readPolicyFiles } from "../github/policy-source.js";
import { checkRequired, protectedBranches, type ProtectionResult } from "../github/protection.js";
import { loadPolicy } from "../policy/load.js";
import type { Policy } from "../policy/schema.js";
import { formatPolicyError } from "./format.js";
import { CliInputError, type CliIo, EXIT } from "./io.js";
import { readPolicyText } from "./policy-commands.js";

export type DoctorEnv = Readonly<Record<string, string | undefined>>;

const REPO = /^([A-Za-z0-9](?:[A-Za-z0-9-]{0,38}))\/([A-Za-z0-9._-]{1,100})$/;

interface DoctorOptions {
  repo: string;
  policy?: string;
  appId?: string;
  format: "text" | "json";
}

interface RepoInfo {
  defaultBranch: string;
  ownerIsOrganization: boolean;
}

async function repositoryInfo(octokit: GitHubClient, owner: string, repo: string): Promise<RepoInfo> {
  try {
    const { data } = await octokit.rest.repos.get({ owner, repo });
    return { defaultBranch: data.default_branch, ownerIsOrganization: data.owner.type === "Organization" };
  } catch (error) {
    const status = httpStatus(error);
    if (status === 401) throw new CliInputError("GitHub refused GITHUB_TOKEN (HTTP 401): it is invalid or expired");
    if (status === 404 || status === 403) throw new CliInputError(`no repository ${owner}/${repo}, or GITHUB_TOKEN cannot see it (HTTP ${status})`);
    throw new CliInputError(`could not read ${owner}/${repo}${status ? ` (HTTP ${status})` : ""}`);
  }
}

/** The policy from --policy, else the repository's own (default branch, with the organization baseline). */
async function readPolicy(io: CliIo, octokit: GitHubClient, opts: DoctorOptions, owner: string, repo: string, info: RepoInfo): Promise<Policy | null> {
  let loaded;
  if (opts.policy !== undefined) {
    loaded = loadPolicy({ repository: await readPolicyText(io, opts.policy, `${owner}/${repo}`) });
  } else {
    let files;
    try {
      files = await readPolicyFiles(octokit, { owner, repo, ref: info.defaultBranch, ownerIsOrganization: info.ownerIsOrganization });
    } catch (error) {
      throw new CliInputError(`${error instanceof Error ? error.message : String(error)}; pass --policy FILE to use a local copy`);
    }
    loaded = loadPolicy(files);
  }
  if (loaded.status === "invalid") {
    for (const e of loaded.errors) io.stderr.write(`${formatPolicyError(e)}\n`);
    throw new CliInputError("the policy is invalid; fix it first (vouch policy check)");
  }
  return loaded.status === "valid" ? loaded.policy : null;
}

function parseAppId(text: string | undefined, source: string): number | undefined {
  if (text === undefined || text.trim() === "") return undefined;
  if (!/^\d{1,12}$/.test(text.trim()) || Number(text) <= 0) throw new CliInputError(`${source} must be the numeric id of the GitHub App`);
  return Number(text);
}

const LABEL: Record<ProtectionResult["status"], string> = { required: "required", not_required: "NOT REQUIRED", unknown: "UNKNOWN" };

function text(repository: string, results: readonly ProtectionResult[], policyFound: boolean): string {
  const required = results.filter((r) => r.status === "required").length;
  const lines = [`${repository}: the vouch check is required on ${required} of ${results.length} protected branch${results.length === 1 ? "" : "es"}`];
  if (!policyFound) lines.push("  (no policy found: only the default branch is checked)");
  for (const r of results) lines.push(`  ${LABEL[r.status].padEnd(12)} ${r.branch}: ${r.detail}`);
  return `${lines.join("\n")}\n`;
}

export function registerDoctor(program: Command, io: CliIo, setExit: (code: number) => void, env: DoctorEnv = process.env): void {
  program
    .command("doctor")
    .description("Check that the repository's rulesets or branch protection require the vouch check on every protected branch.")
    .requiredOption("--repo <owner/name>", "the repository to check")
    .option("--policy <file>", "a local policy file (default: the repository's .github/vouch.yml on its default branch)")
    .option("--app-id <id>", "the Vouch app's id: a requirement bound to another app does not count (default: APP_ID)")
    .addOption(new Option("--format <format>", "output format").choices(["text", "json"]).default("text"))
    .addHelpText(
      "after",
      "\nReads GITHUB_TOKEN (classic branch protection is visible only with administration: read), and GHE_HOST/GHE_PROTOCOL for GitHub Enterprise Server." +
        "\n\nExit status: 0 required on every protected branch, 1 not required or unknown on any, 2 usage error (no token, bad repository, invalid policy).",
    )
    .action(async (opts: DoctorOptions) => {
      const token = env.GITHUB_TOKEN?.trim();
      if (!token) throw new CliInputError("GITHUB_TOKEN is not set: vouch doctor needs a token that can read the repository");
      const m = REPO.exec(opts.repo);
      if (!m) throw new CliInputError(`--repo must be OWNER/NAME, not "${opts.repo}"`);
      const [, owner, repo] = m as unknown as [string, string, string];
      const appId = opts.appId !== undefined ? parseAppId(opts.appId, "--app-id") : parseAppId(env.APP_ID, "APP_ID");
      const protocol = env.GHE_PROTOCOL?.trim().toLowerCase();
      if (protocol && protocol !== "http" && protocol !== "https") throw new CliInputError("GHE_PROTOCOL must be http or https");

      const Octokit = createOctokitClass({ throttle: false });
      const octokit = new Octokit({ auth: { token }, baseUrl: githubEndpoints(env).restBaseUrl }) as GitHubClient;
      const info = await repositoryInfo(octokit, owner, repo);
      const policy = await readPolicy(io, octokit, opts, owner, repo, info);
      const branches = protectedBranches(policy, info.defaultBranch);
      const results = await checkRequired(octokit, { owner, repo, branches, appId });

      const repository = `${owner}/${repo}`;
      io.stdout.write(
        opts.format === "json"
          ? `${JSON.stringify({ repository, appId: appId ?? null, policyFound: policy !== null, branches: results }, null, 2)}\n`
          : text(repository, results, policy !== null),
      );
      setExit(results.every((r) => r.status === "required") ? EXIT.pass : EXIT.violations);
    });
}
