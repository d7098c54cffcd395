// Public entry point of the GitHub stand-in. See README.md in this directory.
import { Authenticator } from "./auth.js";
import { StandInServer, type FailureRule } from "./server.js";
import { StandInState, type RequestLogEntry, type RepoRecord } from "./state.js";
import { removeDir, tempDir } from "../helpers/git.js";

export type { FailureRule } from "./server.js";
export type * from "./state.js";
export { StandInState } from "./state.js";

export interface StandInOptions {
  /** The app's id; JWTs must carry it as `iss`. Default 1. */
  appId?: number;
  /** PEM public key matching the private key Vouch signs its JWTs with. Without it, no JWT is accepted. */
  publicKey?: string;
  appSlug?: string;
  appName?: string;
  /** Login of the organization that owns the app and the installation. Default `acme`. */
  owner?: string;
  /** Default 1. */
  installationId?: number;
  /** Where bare repositories live; a temp dir (removed on close) by default. */
  gitRoot?: string;
  /** Where the stand-in reports refused requests and internal errors; silent by default. */
  log?: (line: string) => void;
}

export interface StandIn {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  /** `http://127.0.0.1:<port>/api/v3` */
  readonly apiUrl: string;
  /** `127.0.0.1:<port>`, the value for `GHE_HOST`. */
  readonly host: string;
  readonly appId: number;
  readonly installationId: number;
  readonly state: StandInState;
  /** Environment that points Probot/Octokit at the stand-in like a GitHub Enterprise Server. */
  env(): { GHE_HOST: string; GHE_PROTOCOL: string; APP_ID: string };
  addRepo(input: Parameters<StandInState["addRepo"]>[0]): Promise<RepoRecord>;
  openPullRequest: StandInState["openPullRequest"];
  refreshPullRequest: StandInState["refreshPullRequest"];
  addReview: StandInState["addReview"];
  addUser: StandInState["addUser"];
  addTeam: StandInState["addTeam"];
  checkRuns: StandInState["checkRuns"];
  addGpgKey: StandInState["addGpgKey"];
  addSshSigningKey: StandInState["addSshSigningKey"];
  /** A fresh installation token, e.g. to `git push` over HTTP from a test. */
  issueToken(): string;
  /** `http://x-access-token:<token>@127.0.0.1:<port>/<owner>/<repo>.git` */
  gitUrl(owner: string, repo: string, token?: string): string;
  /** Every request received so far (authorization headers removed), optionally filtered. */
  requests(filter?: { method?: string; pathPrefix?: string }): RequestLogEntry[];
  /** The next `count` (default 1) matching requests get `status` instead of an answer (or, with `hangMs`, none: a timeout). */
  failNext(rule: FailureRule): void;
  /** Forgets pulls, reviews, checks, teams, keys, the request log and pending failures; keeps repositories and users. */
  reset(): void;
  close(): Promise<void>;
}

export async function startStandIn(options: StandInOptions = {}): Promise<StandIn> {
  const appId = options.appId ?? 1;
  const installationId = options.installationId ?? 1;
  const owner = options.owner ?? "acme";
  const ownsRoot = options.gitRoot === undefined;
  const gitRoot = options.gitRoot ?? (await tempDir("vouch-standin-"));
  const state = new StandInState(gitRoot);
  state.addUser({ login: owner, type: "Organization" });
  const authenticator = new Authenticator(appId, options.publicKey);
  const server = new StandInServer({
    state,
    authenticator,
    app: { id: appId, slug: options.appSlug ?? "vouch", name: options.appName ?? "Vouch", owner },
    installationId,
    log: options.log ?? (() => undefined),
  });
  const url = await server.listen();
  const host = new URL(url).host;

  return {
    url,
    apiUrl: `${url}/api/v3`,
    host,
    appId,
    installationId,
    state,
    env: () => ({ GHE_HOST: host, GHE_PROTOCOL: "http", APP_ID: String(appId) }),
    addRepo: (input) => state.addRepo(input),
    openPullRequest: (input) => state.openPullRequest(input),
    refreshPullRequest: (o, r, n, pusher) => state.refreshPullRequest(o, r, n, pusher),
    addReview: (input) => state.addReview(input),
    addUser: (input) => state.addUser(input),
    addTeam: (input) => state.addTeam(input),
    checkRuns: (o, r) => state.checkRuns(o, r),
    addGpgKey: (login, key) => state.addGpgKey(login, key),
    addSshSigningKey: (login, key, title) => state.addSshSigningKey(login, key, title),
    issueToken: () => authenticator.issue(installationId).token,
    gitUrl: (o, r, token) => {
      const u = new URL(`${url}/${o}/${r}.git`);
      u.username = "x-access-token";
      u.password = token ?? authenticator.issue(installationId).token;
      return u.toString();
    },
    requests: (filter) =>
      state.log.filter(
        (e) => (!filter?.method || e.method === filter.method.toUpperCase()) && (!filter?.pathPrefix || e.path.startsWith(filter.pathPrefix)),
      ),
    failNext: (rule) => server.failNext(rule),
    reset: () => {
      state.reset();
      server.clearFailures();
    },
    close: async () => {
      await server.close();
      if (ownsRoot) await removeDir(gitRoot);
    },
  };
}
