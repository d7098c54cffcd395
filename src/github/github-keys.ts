/**
 * Keys GitHub holds for the people a policy names (`signatures.keys: [github]`): the OpenPGP keys
 * (`raw_key` of GET /users/{username}/gpg_keys, which carries the subkeys) and SSH signing keys
 * (GET /users/{username}/ssh_signing_keys) of the GitHub account a policy identity names, fetched
 * once per evaluation and snapshotted with the URL and time. A commit maps to an account only
 * through the policy: the identity whose `emails` hold the committer's (tagger's) email and that
 * names a `github` login. Nothing the commit itself claims selects an account. GitHub's web-flow
 * account is never fetched; its keys are pinned in Vouch (web-flow.ts).
 */
import type { Policy } from "../policy/schema.js";
import type { SignatureEvidence } from "../evidence/types.js";
import { oneLine } from "../controls/signatures/types.js";
import { readArmoredKeys, sshLine, type GithubHeldKey } from "../controls/signatures/trust.js";
import type { GitHubClient } from "./client.js";
import { httpStatus } from "./client.js";

export interface GithubAccount {
  identity: string;
  /** The identity's `github` login; null when it names only a `github_id` (the login is then looked up by id). */
  login: string | null;
  /** The identity's `github_id`: the login must still belong to it (a renamed or recycled login fails). */
  githubId: number | null;
  emails: string[];
}

/** Why an account's keys are missing; objects by its emails that no key verifies say this. */
export interface GithubKeyProblem {
  account: GithubAccount;
  reason: string;
}

export interface GithubKeys {
  keys: GithubHeldKey[];
  problems: GithubKeyProblem[];
  /** Committer emails that no identity with a GitHub login claims: no account to fetch keys for. */
  unmapped: string[];
}

/** The accounts to fetch: identities whose emails include a signer's email and that name a GitHub login. */
export function accountsFor(policy: Policy, signerEmails: Iterable<string>): { accounts: GithubAccount[]; unmapped: string[] } {
  const wanted = new Set([...signerEmails].map((e) => e.toLowerCase()));
  const accounts: GithubAccount[] = [];
  const mapped = new Set<string>();
  for (const [identity, id] of Object.entries(policy.identities)) {
    const emails = id.emails.map((e) => e.toLowerCase());
    if ((!id.github && id.github_id === undefined) || !emails.some((e) => wanted.has(e))) continue;
    for (const e of emails) mapped.add(e);
    // GitHub's own web-flow account: its keys are pinned in Vouch, never fetched.
    if (id.github?.toLowerCase() === "web-flow") continue;
    accounts.push({ identity, login: id.github ?? null, githubId: id.github_id ?? null, emails });
  }
  return { accounts, unmapped: [...wanted].filter((e) => !mapped.has(e)) };
}

const describeError = (e: unknown): string => {
  const status = httpStatus(e);
  if (status === 404) return "GitHub has no such user (HTTP 404)";
  if (status !== null) return `GitHub answered HTTP ${status}`;
  return e instanceof Error ? e.message.split("\n")[0]!.slice(0, 200) : String(e).slice(0, 200);
};

async function fetchAccount(octokit: GitHubClient, account: GithubAccount, now: () => Date): Promise<GithubHeldKey[]> {
  const base = String(octokit.request.endpoint.DEFAULTS.baseUrl).replace(/\/+$/, "");
  let username: string;
  if (account.login === null) {
    // Only the numeric id is pinned (it survives renames): ask GitHub which login it has now.
    const user = await octokit.request("GET /user/{account_id}", { account_id: account.githubId! });
    username = user.data.login;
  } else {
    username = account.login;
    if (account.githubId !== null) {
      const user = await octokit.request("GET /users/{username}", { username });
      if (user.data.id !== account.githubId) {
        throw new Error(`the login ${username} now belongs to GitHub user ${user.data.id}, not ${account.githubId} as the policy says`);
      }
    }
  }
  const login = encodeURIComponent(username);
  const keys: GithubHeldKey[] = [];
  const gpgUrl = `${base}/users/${login}/gpg_keys`;
  const gpg = await octokit.paginate("GET /users/{username}/gpg_keys", { username, per_page: 100 });
  const gpgAt = now().toISOString();
  for (const k of gpg) {
    // Without raw_key GitHub gives only the primary key packet, which cannot verify subkey signatures.
    if (!k.raw_key || (!k.can_sign && (k.subkeys ?? []).every((s) => !s.can_sign))) continue;
    const origin = { login: username, url: gpgUrl, fetchedAt: gpgAt };
    try {
      await readArmoredKeys(k.raw_key, gpgUrl);
    } catch {
      continue; // a key GitHub stores but that does not parse cannot verify anything
    }
    keys.push({ identity: account.identity, emails: account.emails, format: "openpgp", text: k.raw_key, origin });
  }
  const sshUrl = `${base}/users/${login}/ssh_signing_keys`;
  const sshKeys = await octokit.paginate("GET /users/{username}/ssh_signing_keys", { username, per_page: 100 });
  const sshAt = now().toISOString();
  for (const k of sshKeys) {
    try {
      sshLine(k.key, sshUrl);
    } catch {
      continue;
    }
    keys.push({ identity: account.identity, emails: account.emails, format: "ssh", text: k.key, origin: { login: username, url: sshUrl, fetchedAt: sshAt } });
  }
  return keys;
}

/**
 * Fetches the keys of every account; an account whose keys cannot be fetched (an API error, a
 * rate limit, a login that no longer matches its id) is a problem, never an exception: its
 * objects then fail as `unknown_key`, with the reason in their detail.
 */
export async function fetchGithubKeys(octokit: GitHubClient, accounts: readonly GithubAccount[], now: () => Date = () => new Date()): Promise<Omit<GithubKeys, "unmapped">> {
  const keys: GithubHeldKey[] = [];
  const problems: GithubKeyProblem[] = [];
  for (const account of accounts) {
    try {
      keys.push(...(await fetchAccount(octokit, account, now)));
    } catch (error) {
      problems.push({ account, reason: describeError(error) });
    }
  }
  return { keys, problems };
}

/**
 * Says why GitHub keys could not vouch for an object: an `unknown_key` verdict whose signer's
 * account could not be fetched, or whose email no identity maps to an account, carries the reason.
 */
export function explainMissingGithubKeys(evidence: SignatureEvidence, github: GithubKeys): void {
  for (const o of evidence.objects) {
    const email = o.signedBy?.email.toLowerCase();
    if (o.signature.status !== "unknown_key" || email === undefined) continue;
    const problem = github.problems.find((p) => p.account.emails.includes(email));
    if (problem) {
      o.signature.detail = oneLine(`${o.signature.detail}; the GitHub keys of ${accountLabel(problem.account)} (identity ${problem.account.identity}) could not be fetched: ${problem.reason}`);
    } else if (github.unmapped.includes(email)) {
      o.signature.detail = oneLine(`${o.signature.detail}; no policy identity with a \`github\` login or \`github_id\` lists ${email}, so no GitHub keys were looked up`);
    }
  }
}

/** How an account is named in details: its login, or its numeric id when the policy gives only that. */
function accountLabel(account: GithubAccount): string {
  return account.login ?? `GitHub user #${account.githubId}`;
}
