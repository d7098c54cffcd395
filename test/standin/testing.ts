// Shared setup for tests that talk to the stand-in: an app key pair, JWTs, and a seeded repository.
import { generateKeyPairSync, sign } from "node:crypto";
import { commitFiles, branch, initRepo, push, removeDir, checkout } from "../helpers/git.js";
import type { StandIn } from "./index.js";

export interface AppKeys {
  privateKey: string;
  publicKey: string;
}

let cachedKeys: AppKeys | undefined;

/** An RSA key pair for the app; generated once per test file because RSA generation is slow. */
export function appKeys(): AppKeys {
  cachedKeys ??= (() => {
    const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
    return {
      privateKey: privateKey.export({ type: "pkcs1", format: "pem" }).toString(),
      publicKey: publicKey.export({ type: "spki", format: "pem" }).toString(),
    };
  })();
  return cachedKeys;
}

/** An app JWT as @octokit/auth-app makes one: RS256, iss = app id, iat 30 s back, 10 min life. */
export function appJwt(privateKey: string, appId: number, claims: { iat?: number; exp?: number; alg?: string } = {}): string {
  const now = Math.floor(Date.now() / 1000);
  const header = Buffer.from(JSON.stringify({ alg: claims.alg ?? "RS256", typ: "JWT" })).toString("base64url");
  const payload = Buffer.from(JSON.stringify({ iat: claims.iat ?? now - 30, exp: claims.exp ?? now + 570, iss: appId })).toString("base64url");
  const signature = sign("RSA-SHA256", Buffer.from(`${header}.${payload}`), privateKey).toString("base64url");
  return `${header}.${payload}.${signature}`;
}

export interface Seeded {
  work: string;
  baseSha: string;
  headSha: string;
  cleanup: () => Promise<void>;
}

/**
 * Builds `acme/widgets` with `main` (README, src/a.ts, .github/vouch.yml) and `feature` (modifies
 * a.ts, renames README, adds b.ts in two commits), pushes both, and opens PR #1 by `alice`.
 */
export async function seedRepository(standIn: StandIn, owner = "acme", name = "widgets"): Promise<Seeded> {
  const repo = await standIn.addRepo({ owner, name });
  const work = await initRepo();
  const baseSha = await commitFiles(work, { "README.md": "hello\n", "src/a.ts": "export const a = 1;\n", ".github/vouch.yml": "version: 1\n" }, "initial");
  await branch(work, "feature");
  await commitFiles(work, { "src/a.ts": "export const a = 2;\n", "README.md": null, "docs/README.md": "hello\n" }, "change a, move readme", {
    author: { name: "Alice", email: "alice@example.com" },
  });
  const headSha = await commitFiles(work, { "src/b.ts": "export const b = 1;\n" }, "add b", {
    author: { name: "Alice", email: "alice@example.com" },
    committer: { name: "CI", email: "ci@example.com" },
  });
  await checkout(work, "main");
  await push(work, repo.gitDir, ["main", "feature"]);
  standIn.addUser({ login: "alice", emails: ["alice@example.com"] });
  await standIn.openPullRequest({ owner, repo: name, head: "feature", base: "main", author: "alice" });
  return { work, baseSha, headSha, cleanup: () => removeDir(work) };
}

export interface ApiResponse {
  status: number;
  headers: Headers;
  body: unknown;
}

/** A request to the stand-in with an installation token (or the given authorization). */
export async function api(
  standIn: StandIn,
  method: string,
  path: string,
  options: { body?: unknown; authorization?: string | null; rawBody?: string } = {},
): Promise<ApiResponse> {
  const headers: Record<string, string> = { accept: "application/vnd.github+json" };
  const authorization = options.authorization === undefined ? `token ${standIn.issueToken()}` : options.authorization;
  if (authorization !== null) headers.authorization = authorization;
  let body: string | undefined = options.rawBody;
  if (options.body !== undefined) {
    body = JSON.stringify(options.body);
    headers["content-type"] = "application/json";
  }
  const url = path.startsWith("/api/") ? `${standIn.url}${path}` : `${standIn.apiUrl}${path}`;
  const response = await fetch(url, { method, headers, ...(body !== undefined ? { body } : {}) });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = text === "" ? undefined : JSON.parse(text);
  } catch {
    // Non-JSON bodies (git) stay text.
  }
  return { status: response.status, headers: response.headers, body: parsed };
}
