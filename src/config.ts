/**
 * The server's configuration, read from the environment once at start-up.
 * Every error names the variable and what it expects, and never repeats the
 * value: several of these variables are secrets.
 */
import { readFileSync } from "node:fs";
import { createPrivateKey } from "node:crypto";
import { z } from "zod";

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n  - ${problems.join("\n  - ")}`);
    this.name = "ConfigError";
  }
}

export interface GitHubEndpoints {
  /** REST API root, e.g. https://api.github.com or http(s)://<host>/api/v3. */
  restBaseUrl: string;
  /** GraphQL endpoint, e.g. https://api.github.com/graphql or http(s)://<host>/api/graphql. */
  graphqlUrl: string;
  /** Root for git over smart HTTP: `${gitBaseUrl}/<owner>/<repo>.git`. */
  gitBaseUrl: string;
  /** Web UI root, e.g. https://github.com (app settings, links in check runs). */
  webBaseUrl: string;
}

export type LogLevel = "trace" | "debug" | "info" | "warn" | "error" | "fatal" | "silent";

export interface AppCredentials {
  appId: number;
  /** PEM text of the app's private key. */
  privateKey: string;
  webhookSecret: string;
  /** The secret being retired during rotation; deliveries signed with it are still accepted. */
  webhookSecretPrevious: string | undefined;
}

export interface VouchConfig {
  /** Undefined until the app is registered: the server then runs the manifest (setup) flow. */
  app: AppCredentials | undefined;
  port: number;
  host: string;
  webhookPath: string;
  logLevel: LogLevel;
  dataDir: string;
  concurrency: number;
  gheHost: string | undefined;
  gheProtocol: "http" | "https";
  /** False only for test beds: turns off Octokit's throttling and retries. */
  githubThrottle: boolean;
  /** VOUCH_GITHUB_TIMEOUT_MS: a GitHub API request unanswered this long is abandoned and retried. */
  githubTimeoutMs: number;
  /** VOUCH_EVALUATIONS_RETENTION_DAYS: saved evaluations older than this are pruned daily; 0 keeps them all. */
  evaluationsRetentionDays: number;
  github: GitHubEndpoints;
  production: boolean;
  /** Bearer tokens for `GET /audit/export`, by hash; empty: the export route answers 401 to everyone. */
  auditTokens: AuditTokenScope[];
  /** REDIS_URL: the BullMQ queue (and Probot's shared throttling) when set; the in-process queue otherwise. */
  redisUrl: string | undefined;
  queue: QueueSettings;
  /** VOUCH_ROLE, overridden by `vouch serve --role`. */
  role: Role;
  /** VOUCH_LEDGER_SCHEMA: the PostgreSQL schema of the ledger (default `vouch`), so deployments or tests can share a database. */
  ledgerSchema: string | undefined;
}

/** What this process does: serve webhooks and enqueue (`ingress`), work jobs (`worker`), or both (`all`). */
export type Role = "ingress" | "worker" | "all";
export const ROLES: readonly Role[] = ["ingress", "worker", "all"];

/** BullMQ settings; defaults suit production, tests shrink them. */
export interface QueueSettings {
  /** VOUCH_QUEUE_NAME: separate names keep deployments (or tests) sharing one Redis apart. */
  name: string;
  /** VOUCH_JOB_ATTEMPTS: runs per job, the first included. */
  attempts: number;
  /** VOUCH_RETRY_DELAY_MS: first retry delay, doubled for each further retry. */
  retryDelayMs: number;
  /** VOUCH_JOB_LOCK_MS: a dead worker's job is taken by another after about this long. */
  lockMs: number;
}

/** One audit API token: only its sha256 is configured, so the configuration never holds the token. */
export interface AuditTokenScope {
  /** Lowercase organization (owner) logins whose chains the token may export; `*` stands for every organization. */
  orgs: readonly string[];
  /** sha256 of the token's UTF-8 bytes (32 bytes). */
  sha256: Buffer;
}

const ORG = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$/;
const TOKEN_HASH = /^(?:sha256:)?([0-9A-Fa-f]{64})$/;

/**
 * `VOUCH_AUDIT_TOKENS`: `org1,org2:<sha256 hex of token>;org3:<sha256 hex>` (`*` for every
 * organization). Returns the scopes, or the problems (which name entries by position, never their text).
 */
export function parseAuditTokens(text: string): AuditTokenScope[] | string[] {
  const problems: string[] = [];
  const scopes: AuditTokenScope[] = [];
  const seen = new Map<string, number>();
  const entries = text.split(";").map((e) => e.trim());
  entries.forEach((entry, i) => {
    const n = i + 1;
    if (entry === "") {
      if (i < entries.length - 1 || entries.length === 1) problems.push(`VOUCH_AUDIT_TOKENS entry ${n} is empty`);
      return;
    }
    const split = /^(.*?):((?:sha256:)?[^:]*)$/.exec(entry);
    if (!split) {
      problems.push(`VOUCH_AUDIT_TOKENS entry ${n} must be ORG[,ORG…]:SHA256 (the token's sha256 in hex, not the token)`);
      return;
    }
    const orgs = split[1]!.split(",").map((o) => o.trim());
    const hash = TOKEN_HASH.exec(split[2]!.trim());
    if (orgs.some((o) => o !== "*" && !ORG.test(o))) {
      problems.push(`VOUCH_AUDIT_TOKENS entry ${n}: organizations must be GitHub logins separated by commas, or *`);
    } else if (!hash) {
      problems.push(`VOUCH_AUDIT_TOKENS entry ${n}: the token must be given as its sha256 in 64 hex digits (printf %s "$TOKEN" | sha256sum), never the token itself`);
    } else {
      const key = hash[1]!.toLowerCase();
      const prior = seen.get(key);
      if (prior !== undefined) problems.push(`VOUCH_AUDIT_TOKENS entry ${n} repeats the token of entry ${prior}`);
      seen.set(key, n);
      scopes.push({ orgs: [...new Set(orgs.map((o) => o.toLowerCase()))], sha256: Buffer.from(key, "hex") });
    }
  });
  return problems.length > 0 ? problems : scopes;
}

const TRUE = ["true", "1", "yes", "on"];
const FALSE = ["false", "0", "no", "off"];

const optionalText = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === "" ? undefined : v));

function intIn(name: string, min: number, max: number, fallback: number) {
  return optionalText.transform((v, ctx) => {
    if (v === undefined) return fallback;
    const n = /^\s*\d+\s*$/.test(v) ? Number(v) : Number.NaN;
    if (!Number.isInteger(n) || n < min || n > max) {
      ctx.addIssue({ code: "custom", message: `${name} must be a whole number from ${min} to ${max}` });
      return z.NEVER;
    }
    return n;
  });
}

// Values are never echoed in messages: a misplaced secret in the wrong variable must not reach a log.
const EnvSchema = z.object({
  APP_ID: optionalText.transform((v, ctx) => {
    if (v === undefined) return undefined;
    if (!/^\d{1,12}$/.test(v.trim()) || Number(v) <= 0) {
      ctx.addIssue({ code: "custom", message: "APP_ID must be the numeric id of the GitHub App (a positive whole number)" });
      return z.NEVER;
    }
    return Number(v);
  }),
  PRIVATE_KEY: optionalText,
  PRIVATE_KEY_PATH: optionalText,
  WEBHOOK_SECRET: optionalText,
  WEBHOOK_SECRET_PREVIOUS: optionalText,
  PORT: intIn("PORT", 0, 65535, 3000),
  HOST: optionalText.transform((v) => v ?? "0.0.0.0"),
  WEBHOOK_PATH: optionalText.transform((v, ctx) => {
    if (v === undefined) return "/api/github/webhooks";
    if (!/^\/[A-Za-z0-9._~\-/]*$/.test(v)) {
      ctx.addIssue({ code: "custom", message: "WEBHOOK_PATH must be a URL path starting with / (letters, digits, . _ ~ - /)" });
      return z.NEVER;
    }
    return v;
  }),
  LOG_LEVEL: optionalText.transform((v, ctx): LogLevel => {
    const levels: LogLevel[] = ["trace", "debug", "info", "warn", "error", "fatal", "silent"];
    if (v === undefined) return "info";
    const level = v.toLowerCase() as LogLevel;
    if (!levels.includes(level)) {
      ctx.addIssue({ code: "custom", message: `LOG_LEVEL must be one of ${levels.join(", ")}` });
      return z.NEVER;
    }
    return level;
  }),
  VOUCH_DATA_DIR: optionalText.transform((v) => v ?? "./.data"),
  VOUCH_CONCURRENCY: intIn("VOUCH_CONCURRENCY", 1, 256, 4),
  GHE_HOST: optionalText.transform((v, ctx) => {
    if (v === undefined) return undefined;
    // A bare host with an optional port: a scheme or path here would produce broken URLs everywhere.
    if (!/^[A-Za-z0-9.-]+(:\d{1,5})?$/.test(v)) {
      ctx.addIssue({
        code: "custom",
        message: "GHE_HOST must be a host name with an optional port, without scheme or path (e.g. github.example.com)",
      });
      return z.NEVER;
    }
    return v;
  }),
  GHE_PROTOCOL: optionalText.transform((v, ctx): "http" | "https" => {
    if (v === undefined) return "https";
    const p = v.toLowerCase();
    if (p !== "http" && p !== "https") {
      ctx.addIssue({ code: "custom", message: "GHE_PROTOCOL must be http or https" });
      return z.NEVER;
    }
    return p;
  }),
  VOUCH_GITHUB_THROTTLE: optionalText.transform((v, ctx) => {
    if (v === undefined) return true;
    const s = v.toLowerCase();
    if (TRUE.includes(s)) return true;
    if (FALSE.includes(s)) return false;
    ctx.addIssue({ code: "custom", message: "VOUCH_GITHUB_THROTTLE must be true or false" });
    return z.NEVER;
  }),
  NODE_ENV: optionalText,
  REDIS_URL: optionalText.transform((v, ctx) => {
    if (v === undefined) return undefined;
    if (!/^rediss?:\/\/\S+$/.test(v.trim())) {
      ctx.addIssue({ code: "custom", message: "REDIS_URL must be a redis:// or rediss:// URL" });
      return z.NEVER;
    }
    return v.trim();
  }),
  VOUCH_QUEUE_NAME: optionalText.transform((v, ctx) => {
    if (v === undefined) return "vouch-deliveries";
    if (!/^[A-Za-z0-9_-]{1,100}$/.test(v)) {
      ctx.addIssue({ code: "custom", message: "VOUCH_QUEUE_NAME must be 1-100 letters, digits, - or _" });
      return z.NEVER;
    }
    return v;
  }),
  VOUCH_GITHUB_TIMEOUT_MS: intIn("VOUCH_GITHUB_TIMEOUT_MS", 100, 600_000, 60_000),
  VOUCH_EVALUATIONS_RETENTION_DAYS: intIn("VOUCH_EVALUATIONS_RETENTION_DAYS", 0, 36_500, 90),
  VOUCH_JOB_ATTEMPTS: intIn("VOUCH_JOB_ATTEMPTS", 1, 100, 6),
  VOUCH_RETRY_DELAY_MS: intIn("VOUCH_RETRY_DELAY_MS", 1, 3_600_000, 1000),
  VOUCH_JOB_LOCK_MS: intIn("VOUCH_JOB_LOCK_MS", 1000, 3_600_000, 30_000),
  VOUCH_ROLE: optionalText.transform((v, ctx): Role => {
    if (v === undefined) return "all";
    if (!(ROLES as readonly string[]).includes(v)) {
      ctx.addIssue({ code: "custom", message: `VOUCH_ROLE must be one of ${ROLES.join(", ")}` });
      return z.NEVER;
    }
    return v as Role;
  }),
  VOUCH_LEDGER_SCHEMA: optionalText.transform((v, ctx) => {
    if (v === undefined) return undefined;
    if (!/^[a-z_][a-z0-9_]{0,62}$/.test(v)) {
      ctx.addIssue({ code: "custom", message: "VOUCH_LEDGER_SCHEMA must be a lowercase PostgreSQL identifier (letters, digits, _; at most 63)" });
      return z.NEVER;
    }
    return v;
  }),
  VOUCH_AUDIT_TOKENS: optionalText.transform((v, ctx): AuditTokenScope[] => {
    if (v === undefined) return [];
    const parsed = parseAuditTokens(v);
    if (parsed.length > 0 && typeof parsed[0] === "string") {
      for (const message of parsed as string[]) ctx.addIssue({ code: "custom", message });
      return z.NEVER;
    }
    return parsed as AuditTokenScope[];
  }),
});

/** REST, GraphQL, git and web roots for github.com or, when GHE_HOST is set, GitHub Enterprise Server. */
export function githubEndpoints(env: { GHE_HOST?: string | undefined; GHE_PROTOCOL?: string | undefined }): GitHubEndpoints {
  const host = env.GHE_HOST?.trim();
  if (!host) {
    return {
      restBaseUrl: "https://api.github.com",
      graphqlUrl: "https://api.github.com/graphql",
      gitBaseUrl: "https://github.com",
      webBaseUrl: "https://github.com",
    };
  }
  const proto = (env.GHE_PROTOCOL?.trim() || "https").toLowerCase();
  const root = `${proto}://${host}`;
  return {
    restBaseUrl: `${root}/api/v3`,
    graphqlUrl: `${root}/api/graphql`,
    gitBaseUrl: root,
    webBaseUrl: root,
  };
}

/** Environment variables by name; `process.env` fits. */
export type Env = Readonly<Record<string, string | undefined>>;

export interface ConfigIo {
  readFile?: (path: string) => string;
}

/**
 * Normalises a private key given as PEM (possibly with `\n` escapes, as .env files often carry it)
 * or as base64 of the PEM. Returns undefined when it is neither.
 */
export function normalisePrivateKey(raw: string): string | undefined {
  let text = raw.trim();
  if (!text.includes("-----BEGIN")) {
    if (!/^[A-Za-z0-9+/=\s]+$/.test(text)) return undefined;
    text = Buffer.from(text, "base64").toString("utf8").trim();
  }
  text = text.replace(/\\n/g, "\n");
  if (!/^-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(text)) return undefined;
  try {
    createPrivateKey(text);
  } catch {
    return undefined;
  }
  return text.endsWith("\n") ? text : `${text}\n`;
}

/**
 * Parses the environment into a typed configuration. Throws ConfigError listing every problem.
 * With neither APP_ID nor a private key the app is unregistered and `app` is undefined (setup mode).
 */
export function parseConfig(env: Env, io: ConfigIo = {}): VouchConfig {
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => i.message));
  }
  const e = parsed.data;
  const problems: string[] = [];
  const production = e.NODE_ENV === "production";

  let privateKey: string | undefined;
  let keySource: string | undefined;
  if (e.PRIVATE_KEY !== undefined) {
    keySource = "PRIVATE_KEY";
    privateKey = normalisePrivateKey(e.PRIVATE_KEY);
    if (privateKey === undefined) {
      problems.push("PRIVATE_KEY must hold the app's private key as PEM text or base64-encoded PEM");
    }
  } else if (e.PRIVATE_KEY_PATH !== undefined) {
    keySource = "PRIVATE_KEY_PATH";
    let text: string | undefined;
    try {
      text = (io.readFile ?? ((p: string) => readFileSync(p, "utf8")))(e.PRIVATE_KEY_PATH);
    } catch {
      problems.push("PRIVATE_KEY_PATH must name a readable file holding the app's private key (PEM)");
    }
    if (text !== undefined) {
      privateKey = normalisePrivateKey(text);
      if (privateKey === undefined) problems.push("PRIVATE_KEY_PATH must name a file holding a PEM private key");
    }
  }

  let app: AppCredentials | undefined;
  if (e.APP_ID === undefined && keySource === undefined) {
    if (production) {
      problems.push("APP_ID and PRIVATE_KEY (or PRIVATE_KEY_PATH) are required when NODE_ENV=production");
    }
  } else if (e.APP_ID === undefined) {
    problems.push("APP_ID is required when a private key is set: the numeric id of the GitHub App");
  } else if (keySource === undefined) {
    problems.push("PRIVATE_KEY or PRIVATE_KEY_PATH is required when APP_ID is set");
  } else if (e.WEBHOOK_SECRET === undefined) {
    // Never fall back to a default secret: anyone could then forge deliveries.
    problems.push("WEBHOOK_SECRET is required when APP_ID is set: the webhook secret configured for the app");
  } else if (privateKey !== undefined) {
    app = {
      appId: e.APP_ID,
      privateKey,
      webhookSecret: e.WEBHOOK_SECRET,
      webhookSecretPrevious: e.WEBHOOK_SECRET_PREVIOUS,
    };
  }
  if (problems.length > 0) throw new ConfigError(problems);

  return {
    app,
    port: e.PORT,
    host: e.HOST,
    webhookPath: e.WEBHOOK_PATH,
    logLevel: e.LOG_LEVEL,
    dataDir: e.VOUCH_DATA_DIR,
    concurrency: e.VOUCH_CONCURRENCY,
    gheHost: e.GHE_HOST,
    gheProtocol: e.GHE_PROTOCOL,
    githubThrottle: e.VOUCH_GITHUB_THROTTLE,
    githubTimeoutMs: e.VOUCH_GITHUB_TIMEOUT_MS,
    evaluationsRetentionDays: e.VOUCH_EVALUATIONS_RETENTION_DAYS,
    github: githubEndpoints({ GHE_HOST: e.GHE_HOST, GHE_PROTOCOL: e.GHE_PROTOCOL }),
    production,
    auditTokens: e.VOUCH_AUDIT_TOKENS,
    redisUrl: e.REDIS_URL,
    queue: { name: e.VOUCH_QUEUE_NAME, attempts: e.VOUCH_JOB_ATTEMPTS, retryDelayMs: e.VOUCH_RETRY_DELAY_MS, lockMs: e.VOUCH_JOB_LOCK_MS },
    role: e.VOUCH_ROLE,
    ledgerSchema: e.VOUCH_LEDGER_SCHEMA,
  };
}
