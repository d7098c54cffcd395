/**
 * The end-to-end harness shared by the e2e tests and the benchmark: the real server
 * (`startFromEnv`, the `npm start` code path) on loopback against the GitHub stand-in, which
 * serves REST, GraphQL and git like a GitHub Enterprise Server. Deliveries are signed like
 * GitHub's; payloads come from @octokit/webhooks-examples.
 */
import { generateKeyPairSync, randomUUID } from "node:crypto";
import { Writable } from "node:stream";
import { readdir, readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { startFromEnv, type RunningServer, type StartOverrides } from "../../src/server/main.js";
import type { Env } from "../../src/config.js";
import { runCli } from "../../src/cli/main.js";
import type { Verdict } from "../../src/engine/evaluate.js";
import { startStandIn, type StandIn, type CheckRunRecord, type PullRecord } from "../standin/index.js";
import { branch, checkout, commitFiles, initRepo, push, removeDir, tempDir } from "../helpers/git.js";
import { fromStandIn, signWebhook, webhookPayload } from "../helpers/webhooks.js";

export const WEBHOOK_SECRET = "e2e-webhook-secret";
export const OWNER = "acme";

export interface Harness {
  standIn: StandIn;
  server: RunningServer;
  /** Every log line the server wrote. */
  logLines: string[];
  /** The app's private key (PEM), for tools that authenticate as the app (e.g. `vouch sweep`). */
  privateKey: string;
  /** The server's data directory (VOUCH_DATA_DIR): its signing key and SQLite ledger. */
  dataDir: string;
  /** The environment the server was started with (more processes of the same deployment can use it). */
  env: Env;
  /** Creates `acme/<name>` whose main branch holds `policy` (or no policy when null); returns a working clone. */
  repoWithPolicy(name: string, policy: string | null): Promise<string>;
  /** Commits `files` on a new branch `head` off main, pushes it and opens a pull request. */
  openPullRequest(repo: string, dir: string, head: string, files: Record<string, string | null>): Promise<PullRecord>;
  pullRequestPayload(repo: string, pr: PullRecord, action?: string): Record<string, unknown>;
  deliver(name: string, payload: unknown, options?: { id?: string; secret?: string }): Promise<Response>;
  completedRun(repo: string, headSha: string, timeoutMs?: number): Promise<CheckRunRecord>;
  /** Replays the latest saved evaluation of `headSha` with `vouch evaluate`; returns the saved and the replayed verdicts. */
  replay(repo: string, headSha: string): Promise<{ saved: Verdict; replayed: Verdict; code: number }>;
  close(): Promise<void>;
}

export interface HarnessOptions {
  /** Added to (and overriding) the server's environment, e.g. REDIS_URL, DATABASE_URL. */
  env?: Env;
  /** Added to the server's start overrides, e.g. its role. */
  overrides?: StartOverrides;
}

export async function startHarness(options: HarnessOptions = {}): Promise<Harness> {
  const { privateKey, publicKey } = generateKeyPairSync("rsa", {
    modulusLength: 2048,
    privateKeyEncoding: { type: "pkcs8", format: "pem" },
    publicKeyEncoding: { type: "spki", format: "pem" },
  });
  const standIn = await startStandIn({ publicKey, owner: OWNER });
  standIn.addUser({ login: "octocat", type: "User" });
  const logLines: string[] = [];
  const logDestination = new Writable({
    write(chunk, _enc, done) {
      logLines.push(String(chunk));
      done();
    },
  });
  const dirs: string[] = [];
  const dataDir = await tempDir("vouch-data-");
  dirs.push(dataDir);
  const env: Env = {
    ...standIn.env(),
    PRIVATE_KEY: privateKey,
    WEBHOOK_SECRET,
    HOST: "127.0.0.1",
    PORT: "0",
    LOG_LEVEL: "info",
    VOUCH_GITHUB_THROTTLE: "false",
    VOUCH_DATA_DIR: dataDir,
    VOUCH_RETRY_DELAY_MS: "10",
    ...options.env,
  };
  const server = await startFromEnv(env, { logDestination, retryBackoffMs: () => 10, ...options.overrides });

  const harness: Harness = {
    standIn,
    server,
    logLines,
    privateKey,
    dataDir,
    env,
    async repoWithPolicy(name, policy) {
      const repo = await standIn.addRepo({ owner: OWNER, name });
      const dir = await initRepo();
      dirs.push(dir);
      await commitFiles(dir, { ...(policy === null ? {} : { ".github/vouch.yml": policy }), "README.md": "hello\n" }, "initial");
      await push(dir, repo.gitDir, ["main"]);
      return dir;
    },
    async openPullRequest(repo, dir, head, files) {
      await branch(dir, head, "main");
      await commitFiles(dir, files, `change on ${head}`);
      await push(dir, standIn.state.repo(OWNER, repo)!.gitDir, [head]);
      await checkout(dir, "main");
      return standIn.openPullRequest({ owner: OWNER, repo, head, base: "main", author: "octocat" });
    },
    pullRequestPayload(repo, pr, action = "opened") {
      return webhookPayload("pull_request", action, {
        ...fromStandIn(standIn.state, OWNER, repo, pr.number),
        origin: standIn.url,
        installationId: standIn.installationId,
      });
    },
    async deliver(name, payload, options = {}) {
      const body = JSON.stringify(payload);
      return fetch(`${server.url}/api/github/webhooks`, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          "x-github-event": name,
          "x-github-delivery": options.id ?? randomUUID(),
          "x-hub-signature-256": await signWebhook(body, options.secret ?? WEBHOOK_SECRET),
        },
        body,
      });
    },
    async completedRun(repo, headSha, timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const run = standIn.checkRuns(OWNER, repo).find((r) => r.headSha === headSha && r.status === "completed");
        if (run) return run;
        if (Date.now() > deadline) throw new Error(`no completed check run on ${repo}@${headSha}; last log lines:\n${logLines.slice(-10).join("")}`);
        await new Promise((r) => setTimeout(r, 10));
      }
    },
    async replay(repo, headSha) {
      const root = join(dataDir, "evaluations", OWNER, repo, headSha);
      const runs = await Promise.all((await readdir(root)).map(async (d) => ({ d, t: (await stat(join(root, d))).mtimeMs })));
      const latest = join(root, runs.sort((a, b) => b.t - a.t)[0]!.d);
      let out = "";
      const io = { stdout: { write: (t: string) => void (out += t) }, stderr: { write: () => undefined }, cwd: latest };
      const code = await runCli(["evaluate", "--policy", "policy.yml", "--evidence", "evidence.json", "--format", "json"], io);
      const saved = JSON.parse(await readFile(join(latest, "verdict.json"), "utf8")) as Verdict;
      return { saved, replayed: JSON.parse(out) as Verdict, code };
    },
    async close() {
      await server.close();
      await standIn.close();
      await Promise.all(dirs.map((d) => removeDir(d)));
    },
  };
  return harness;
}
