import { generateKeyPairSync } from "node:crypto";
import { describe, expect, test } from "@jest/globals";
import { ConfigError, githubEndpoints, normalisePrivateKey, parseConfig } from "../src/config.js";
import type { Env } from "../src/config.js";

const { privateKey: PEM } = generateKeyPairSync("rsa", {
  modulusLength: 2048,
  privateKeyEncoding: { type: "pkcs8", format: "pem" },
  publicKeyEncoding: { type: "spki", format: "pem" },
});

const SECRET = "s3cret-webhook-value";
const registered = { APP_ID: "12345", PRIVATE_KEY: PEM, WEBHOOK_SECRET: SECRET };

function problemsOf(env: Env, io = {}): string[] {
  try {
    parseConfig(env, io);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems;
  }
  throw new Error("expected a ConfigError");
}

describe("parseConfig defaults", () => {
  test("an empty environment is setup mode with documented defaults", () => {
    const c = parseConfig({});
    expect(c.app).toBeUndefined();
    expect(c).toMatchObject({
      port: 3000,
      host: "0.0.0.0",
      webhookPath: "/api/github/webhooks",
      logLevel: "info",
      dataDir: "./.data",
      concurrency: 4,
      gheHost: undefined,
      gheProtocol: "https",
      githubThrottle: true,
      githubTimeoutMs: 60_000,
      redisUrl: undefined,
      role: "all",
      queue: { name: "vouch-deliveries", attempts: 6, retryDelayMs: 1000, lockMs: 30_000 },
      ledgerSchema: undefined,
    });
    expect(c.github.restBaseUrl).toBe("https://api.github.com");
  });

  test("empty strings count as unset (as in a copied .env.example)", () => {
    const c = parseConfig({ APP_ID: "", PRIVATE_KEY: "", PORT: "", LOG_LEVEL: "" });
    expect(c.app).toBeUndefined();
    expect(c.port).toBe(3000);
  });
});

describe("app credentials", () => {
  test("APP_ID, PEM key and secrets are parsed", () => {
    const c = parseConfig({ ...registered, WEBHOOK_SECRET_PREVIOUS: "old-secret" });
    expect(c.app).toEqual({ appId: 12345, privateKey: PEM, webhookSecret: SECRET, webhookSecretPrevious: "old-secret" });
  });

  test("a base64-encoded key is decoded to the same PEM", () => {
    const c = parseConfig({ ...registered, PRIVATE_KEY: Buffer.from(PEM).toString("base64") });
    expect(c.app?.privateKey).toBe(PEM);
  });

  test("a PEM with literal \\n escapes (one-line .env) is accepted", () => {
    const c = parseConfig({ ...registered, PRIVATE_KEY: PEM.trim().replace(/\n/g, "\\n") });
    expect(c.app?.privateKey).toBe(PEM);
  });

  test("PRIVATE_KEY_PATH is read through the file reader", () => {
    const read: string[] = [];
    const c = parseConfig(
      { APP_ID: "7", PRIVATE_KEY_PATH: "/keys/app.pem", WEBHOOK_SECRET: SECRET },
      { readFile: (p: string) => (read.push(p), PEM) },
    );
    expect(read).toEqual(["/keys/app.pem"]);
    expect(c.app?.privateKey).toBe(PEM);
  });

  test("an unreadable PRIVATE_KEY_PATH names the variable", () => {
    const problems = problemsOf(
      { APP_ID: "7", PRIVATE_KEY_PATH: "/nope.pem", WEBHOOK_SECRET: SECRET },
      {
        readFile: () => {
          throw new Error("ENOENT");
        },
      },
    );
    expect(problems).toEqual([expect.stringContaining("PRIVATE_KEY_PATH")]);
  });

  test("a garbage key is rejected without echoing it", () => {
    const garbage = "-----BEGIN PRIVATE KEY-----\nnot-really-a-key-TOPSECRET\n-----END PRIVATE KEY-----";
    const problems = problemsOf({ ...registered, PRIVATE_KEY: garbage });
    expect(problems.join("\n")).toContain("PRIVATE_KEY");
    expect(problems.join("\n")).not.toContain("TOPSECRET");
  });

  test("APP_ID without a key, and a key without APP_ID, are errors naming the missing variable", () => {
    expect(problemsOf({ APP_ID: "1", WEBHOOK_SECRET: SECRET }).join()).toMatch(/PRIVATE_KEY or PRIVATE_KEY_PATH is required/);
    expect(problemsOf({ PRIVATE_KEY: PEM, WEBHOOK_SECRET: SECRET }).join()).toMatch(/APP_ID is required/);
  });

  test("a registered app without WEBHOOK_SECRET is refused (no default secret)", () => {
    expect(problemsOf({ APP_ID: "1", PRIVATE_KEY: PEM }).join()).toMatch(/WEBHOOK_SECRET is required/);
  });

  test("a non-numeric APP_ID is rejected", () => {
    expect(problemsOf({ ...registered, APP_ID: "my-app" }).join()).toMatch(/APP_ID must be the numeric id/);
    expect(problemsOf({ ...registered, APP_ID: "0" }).join()).toMatch(/APP_ID/);
  });

  test("production without credentials is an error, not setup mode", () => {
    expect(problemsOf({ NODE_ENV: "production" }).join()).toMatch(/APP_ID and PRIVATE_KEY/);
  });
});

describe("server settings", () => {
  test.each<[Env, object]>([
    [{ PORT: "8080" }, { port: 8080 }],
    [{ PORT: "0" }, { port: 0 }],
    [{ HOST: "127.0.0.1" }, { host: "127.0.0.1" }],
    [{ WEBHOOK_PATH: "/hooks/github" }, { webhookPath: "/hooks/github" }],
    [{ LOG_LEVEL: "DEBUG" }, { logLevel: "debug" }],
    [{ VOUCH_DATA_DIR: "/var/lib/vouch" }, { dataDir: "/var/lib/vouch" }],
    [{ VOUCH_CONCURRENCY: "16" }, { concurrency: 16 }],
    [{ VOUCH_GITHUB_THROTTLE: "false" }, { githubThrottle: false }],
    [{ VOUCH_GITHUB_THROTTLE: "0" }, { githubThrottle: false }],
    [{ VOUCH_GITHUB_THROTTLE: "true" }, { githubThrottle: true }],
    [{ GHE_HOST: "ghe.example.com:8443", GHE_PROTOCOL: "HTTP" }, { gheHost: "ghe.example.com:8443", gheProtocol: "http" }],
    [{ REDIS_URL: "redis://:pw@cache:6379/2" }, { redisUrl: "redis://:pw@cache:6379/2" }],
    [{ VOUCH_ROLE: "worker", VOUCH_QUEUE_NAME: "team_a-1" }, { role: "worker", queue: { name: "team_a-1" } }],
    [{ VOUCH_JOB_ATTEMPTS: "3", VOUCH_RETRY_DELAY_MS: "50", VOUCH_JOB_LOCK_MS: "2000" }, { queue: { attempts: 3, retryDelayMs: 50, lockMs: 2000 } }],
    [{ VOUCH_LEDGER_SCHEMA: "vouch_eu" }, { ledgerSchema: "vouch_eu" }],
    [{ VOUCH_GITHUB_TIMEOUT_MS: "5000" }, { githubTimeoutMs: 5000 }],
    [{}, { evaluationsRetentionDays: 90 }],
    [{ VOUCH_EVALUATIONS_RETENTION_DAYS: "0" }, { evaluationsRetentionDays: 0 }],
    [{ VOUCH_EVALUATIONS_RETENTION_DAYS: "365" }, { evaluationsRetentionDays: 365 }],
  ])("%j is parsed", (env, expected) => {
    expect(parseConfig(env)).toMatchObject(expected);
  });

  test.each<[Env, string]>([
    [{ PORT: "70000" }, "PORT"],
    [{ PORT: "-1" }, "PORT"],
    [{ PORT: "80abc" }, "PORT"],
    [{ WEBHOOK_PATH: "hooks" }, "WEBHOOK_PATH"],
    [{ LOG_LEVEL: "loud" }, "LOG_LEVEL"],
    [{ VOUCH_CONCURRENCY: "0" }, "VOUCH_CONCURRENCY"],
    [{ VOUCH_CONCURRENCY: "2.5" }, "VOUCH_CONCURRENCY"],
    [{ GHE_HOST: "https://ghe.example.com" }, "GHE_HOST"],
    [{ GHE_HOST: "ghe.example.com/api" }, "GHE_HOST"],
    [{ GHE_PROTOCOL: "ftp" }, "GHE_PROTOCOL"],
    [{ VOUCH_GITHUB_THROTTLE: "maybe" }, "VOUCH_GITHUB_THROTTLE"],
    [{ REDIS_URL: "cache:6379" }, "REDIS_URL"],
    [{ VOUCH_ROLE: "both" }, "VOUCH_ROLE"],
    [{ VOUCH_QUEUE_NAME: "a b" }, "VOUCH_QUEUE_NAME"],
    [{ VOUCH_JOB_ATTEMPTS: "0" }, "VOUCH_JOB_ATTEMPTS"],
    [{ VOUCH_JOB_LOCK_MS: "10" }, "VOUCH_JOB_LOCK_MS"],
    [{ VOUCH_LEDGER_SCHEMA: "Vouch; DROP" }, "VOUCH_LEDGER_SCHEMA"],
    [{ VOUCH_EVALUATIONS_RETENTION_DAYS: "-1" }, "VOUCH_EVALUATIONS_RETENTION_DAYS"],
    [{ VOUCH_EVALUATIONS_RETENTION_DAYS: "30d" }, "VOUCH_EVALUATIONS_RETENTION_DAYS"],
  ])("%j is rejected naming %s", (env, variable) => {
    const problems = problemsOf(env);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain(variable);
  });

  test("every problem is reported at once", () => {
    expect(problemsOf({ PORT: "x", LOG_LEVEL: "loud", GHE_PROTOCOL: "ftp" })).toHaveLength(3);
  });

  test("a secret put in the wrong variable is not echoed", () => {
    const error = (() => {
      try {
        parseConfig({ PORT: "ghs_verysecrettoken" });
      } catch (e) {
        return e as Error;
      }
      throw new Error("expected failure");
    })();
    expect(error.message).toContain("PORT");
    expect(error.message).not.toContain("ghs_verysecrettoken");
  });
});

describe("githubEndpoints", () => {
  test("github.com", () => {
    expect(githubEndpoints({})).toEqual({
      restBaseUrl: "https://api.github.com",
      graphqlUrl: "https://api.github.com/graphql",
      gitBaseUrl: "https://github.com",
      webBaseUrl: "https://github.com",
    });
  });

  test("GitHub Enterprise Server, https by default", () => {
    expect(githubEndpoints({ GHE_HOST: "ghe.example.com" })).toEqual({
      restBaseUrl: "https://ghe.example.com/api/v3",
      graphqlUrl: "https://ghe.example.com/api/graphql",
      gitBaseUrl: "https://ghe.example.com",
      webBaseUrl: "https://ghe.example.com",
    });
  });

  test("a stand-in over plain http with a port", () => {
    const e = githubEndpoints({ GHE_HOST: "127.0.0.1:4567", GHE_PROTOCOL: "http" });
    expect(e.restBaseUrl).toBe("http://127.0.0.1:4567/api/v3");
    expect(e.graphqlUrl).toBe("http://127.0.0.1:4567/api/graphql");
    expect(`${e.gitBaseUrl}/octo/repo.git`).toBe("http://127.0.0.1:4567/octo/repo.git");
  });

  test("parseConfig carries the same endpoints", () => {
    expect(parseConfig({ GHE_HOST: "127.0.0.1:4567", GHE_PROTOCOL: "http" }).github.restBaseUrl).toBe(
      "http://127.0.0.1:4567/api/v3",
    );
  });
});

describe("normalisePrivateKey", () => {
  test("rejects text that is neither PEM nor base64 of a PEM", () => {
    expect(normalisePrivateKey("hello world!")).toBeUndefined();
    expect(normalisePrivateKey(Buffer.from("just text").toString("base64"))).toBeUndefined();
  });
});
