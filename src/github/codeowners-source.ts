/** Reads the CODEOWNERS file GitHub would use on a branch: the first of its three locations that exists. */
import type { CodeownersEvidence } from "../evidence/codeowners.js";
import { CODEOWNERS_PATHS, ownerKind, parseCodeowners } from "../policy/codeowners.js";
import type { GitHubClient } from "./client.js";
import { readRepositoryFile } from "./policy-source.js";

export async function readCodeowners(octokit: GitHubClient, target: { owner: string; repo: string; ref: string }): Promise<CodeownersEvidence> {
  for (const path of CODEOWNERS_PATHS) {
    const file = await readRepositoryFile(octokit, target.owner, target.repo, path, target.ref);
    if (!file) continue;
    const { rules, errors } = parseCodeowners(file.text);
    return { path, ref: target.ref, ...(file.source.sha ? { sha: file.source.sha } : {}), rules, errors };
  }
  return { path: null, ref: target.ref, rules: [], errors: [] };
}

/** The GitHub teams CODEOWNERS names, whose memberships the review control needs. */
export function codeownersTeams(codeowners: CodeownersEvidence): string[] {
  return [...new Set(codeowners.rules.flatMap((r) => r.owners.filter((o) => ownerKind(o) === "team")))].sort();
}
