/**
 * `npm start` and `vouch serve`: reads the environment, then either serves the registered app in
 * its role (webhook ingress, queue, Probot workers; see queue-setup.ts) or, without credentials,
 * Probot's registration flow. Tests call `startFromEnv` in-process to run exactly this code path.
 */
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { Probot } from "probot";
import type { DestinationStream, Logger } from "pino";
import vouchApp from "../app.js";
import type { VouchAppOptions } from "../app.js";
import { parseConfig } from "../config.js";
import type { AppCredentials, Env, Role, VouchConfig } from "../config.js";
import { createOctokitClass } from "../github/octokit.js";
import { createWebhookIngress } from "../ingress/webhook.js";
import type { JobQueue } from "../queue/types.js";
import type { QueueDepthSource } from "../queue/depth.js";
import { assertRoleFits, openHeadLock, openQueue } from "./queue-setup.js";
import { loadDotEnv, serveUntilSignal } from "./serve.js";
import { createLogger } from "./logger.js";
import { createRequestListener } from "./routes.js";
import { createAuditRoutes } from "./audit-routes.js";
import { closeServer, listen, urlFor } from "./listen.js";
import { createHttpServer, type HttpTimeouts } from "./http-server.js";
import { startSetupMode } from "./setup-mode.js";
import { loadKeyRing } from "../keys/keyring.js";
import { defaultLedgerUrl, openLedger } from "../ledger/open.js";
import { openFirstObservations } from "../ledger/first-observations.js";
import { scheduleCheckpoints } from "../ledger/checkpoints.js";
import { summariseError } from "../queue/error-summary.js";
import { VERIFIER_ID, VERSION } from "../version.js";
import { VouchMetrics } from "../observability/metrics.js";
import { instrumentHandler, instrumentLedger } from "../observability/instrument.js";
import { parseObservabilityConfig } from "../observability/config.js";
import { createHealthRoutes, ledgerReadiness, queueReadiness } from "./health-routes.js";
import { parseSweepConfig } from "../sweeper/config.js";
import { startServerSweeper } from "../sweeper/schedule.js";
import type { SweepClient } from "../sweeper/sweep.js";
import { scheduleEvaluationPruning } from "../github/evaluation-retention.js";

export interface RunningServer {
  url: string;
  port: number;
  /** "setup" until the app is registered: then only the registration pages are served. */
  mode: "app" | "setup";
  /** What this process does (setup mode: "all"). */
  role: Role;
  /** The Probot instance deliveries are handed to (in setup mode and role ingress it has no handlers). */
  probot: Probot;
  /** The queue deliveries go through (absent in setup mode). */
  queue?: JobQueue;
  /** Stops accepting requests, then waits for accepted deliveries to finish. */
  close(): Promise<void>;
}

export interface StartOverrides {
  now?: () => Date;
  /** Where log lines go (default: standard output). */
  logDestination?: DestinationStream;
  /** Delay before retry number `attempt` of a failed delivery with the in-process queue (default 1 s, 4 s, 16 s). */
  retryBackoffMs?: (attempt: number) => number;
  /** What this process does; default VOUCH_ROLE, else "all". */
  role?: Role;
  /** Limits on slow requests (default 60 s per request, 20 s for headers). */
  httpTimeouts?: HttpTimeouts;
}

export async function startFromEnv(env: Env, overrides: StartOverrides = {}): Promise<RunningServer> {
  const config = parseConfig(env);
  const log = createLogger({
    level: config.logLevel,
    ...(overrides.logDestination ? { destination: overrides.logDestination } : {}),
  });
  if (config.app === undefined) {
    const setup = await startSetupMode(config, env, log);
    // Mirrors Probot's own setup-mode workaround: a Probot that is never given events.
    const probot = new Probot({ appId: 1, privateKey: "unregistered: setup mode", log });
    return { ...setup, mode: "setup", role: "all", probot };
  }
  return startApp(config, config.app, log, overrides, env);
}

async function startApp(config: VouchConfig, app: AppCredentials, log: Logger, overrides: StartOverrides, env: Env): Promise<RunningServer> {
  const role = overrides.role ?? config.role;
  assertRoleFits(config, role);
  const works = role !== "ingress";
  const observability = parseObservabilityConfig(env);
  const sweepConfig = parseSweepConfig(env);
  const metrics = new VouchMetrics();
  let draining = false;
  // The attestation signing key and the ledger live in the data directory the CLI shares
  // (or, scaled out, in PostgreSQL: DATABASE_URL).
  const keys = loadKeyRing({ env, log: (message) => log.info(message) });
  const ledger = instrumentLedger(
    await openLedger(defaultLedgerUrl(env), { signer: keys.signer, ...(config.ledgerSchema ? { schema: config.ledgerSchema } : {}) }),
    metrics,
  );
  // First observations of git objects live next to the ledger: signatures are judged at that time.
  const observations = await openFirstObservations(defaultLedgerUrl(env), config.ledgerSchema ? { schema: config.ledgerSchema } : {});
  const stopCheckpoints = works
    ? scheduleCheckpoints(ledger, {
        onError: (error) => {
          metrics.failure("ledger_checkpoint");
          log.error({ error: summariseError(error) }, "ledger checkpoint failed");
        },
      })
    : async () => undefined;
  let publicUrl = env.VOUCH_PUBLIC_URL?.replace(/\/+$/, "") ?? "";
  const probot = new Probot({
    appId: app.appId,
    privateKey: app.privateKey,
    secret: app.webhookSecret,
    baseUrl: config.github.restBaseUrl,
    Octokit: createOctokitClass({
      throttle: config.githubThrottle,
      metrics,
      timeoutMs: config.githubTimeoutMs,
      // The BullMQ queue delays a rate-limited job until the reset without holding a worker.
      ...(config.redisUrl !== undefined ? { deferRateLimitsOverMs: 10_000 } : {}),
    }),
    // With Redis, the throttling limiters are shared by every worker (Bottleneck clustering).
    ...(config.githubThrottle && config.redisUrl !== undefined ? { redisConfig: config.redisUrl } : {}),
    log,
  });
  const evaluationsDir = join(config.dataDir, "evaluations");
  // Only the roles that save evaluations prune them.
  const retention = works
    ? scheduleEvaluationPruning(evaluationsDir, config.evaluationsRetentionDays, log.child({ name: "retention" }))
    : { stop: async () => undefined };
  const headLock = works ? openHeadLock(config, log.child({ name: "queue" })) : { close: async () => undefined };
  // The app id lets the app ignore events caused by Vouch itself.
  const appOptions: VouchAppOptions = {
    ...(headLock.lock ? { headLock: headLock.lock } : {}),
    ...(overrides.now ? { now: overrides.now } : {}),
    appId: app.appId,
    metrics,
    git: { baseUrl: config.github.gitBaseUrl, dataDir: config.dataDir, timeoutMs: config.githubTimeoutMs, observations },
    evaluationsDir,
    attest: {
      ledger,
      signer: keys.signer,
      trusted: keys.publicKeys,
      verifier: { id: VERIFIER_ID, version: VERSION },
      serverUrl: config.github.webBaseUrl,
      attestationBaseUrl: () => `${publicUrl}/attestations`,
    },
  };
  if (works) await probot.load((p) => vouchApp(p, appOptions));

  let queue: JobQueue & QueueDepthSource;
  try {
    queue = await openQueue({
      config,
      role,
      log: log.child({ name: "queue" }),
      onOutcome: (outcome, job) => metrics.jobOutcome(outcome, job.name),
      handler: instrumentHandler((job) => probot.receive({ id: job.id, name: job.name, payload: job.payload } as Parameters<Probot["receive"]>[0]), metrics),
      ...(overrides.retryBackoffMs ? { retryBackoffMs: overrides.retryBackoffMs } : {}),
    });
  } catch (error) {
    await retention.stop();
    await stopCheckpoints();
    await headLock.close();
    await ledger.close();
    await observations.close();
    throw error;
  }
  const ingress =
    role === "worker"
      ? undefined
      : createWebhookIngress({
          secrets: [app.webhookSecret, ...(app.webhookSecretPrevious ? [app.webhookSecretPrevious] : [])],
          queue,
          log: log.child({ name: "ingress" }),
          metrics,
        });
  metrics.watchQueue(queue);
  const health = createHealthRoutes({
    readiness: [ledgerReadiness(ledger), ...queueReadiness(queue)],
    draining: () => draining,
    metrics,
    metricsTokenSha256: observability.metricsTokenSha256,
    log: log.child({ name: "health" }),
  });
  const audit = createAuditRoutes({ ledger, keys, tokens: config.auditTokens, log: log.child({ name: "audit" }) });
  const server = createHttpServer(
    createRequestListener({ webhookPath: config.webhookPath, ...(ingress ? { ingress } : {}), log, audit, health }),
    overrides.httpTimeouts,
  );
  const port = await listen(server, config.port, config.host);
  const url = urlFor(config.host, port);
  publicUrl ||= url;
  log.info(
    {
      url,
      role,
      queue: config.redisUrl !== undefined ? `bullmq:${config.queue.name}` : "in-process",
      webhookPath: config.webhookPath,
      appId: app.appId,
      githubApi: config.github.restBaseUrl,
      concurrency: config.concurrency,
    },
    "Vouch is listening",
  );

  // Sweeping belongs to the role that faces GitHub; workers never sweep.
  const sweeper =
    role === "worker" ? undefined : startServerSweeper({ config: sweepConfig, client: async () => (await probot.auth()) as unknown as SweepClient, log, metrics });

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      draining = true;
      await sweeper?.stop();
      await retention.stop();
      await closeServer(server);
      await queue.close();
      await headLock.close();
      await stopCheckpoints();
      await ledger.close();
      await observations.close();
      log.info("Vouch stopped");
    })();
    return closing;
  };
  return { url, port, mode: "app", role, probot, queue, close };
}

function isMainModule(): boolean {
  const entry = process.argv[1];
  return entry !== undefined && import.meta.url === pathToFileURL(entry).href;
}

if (isMainModule()) {
  // `npm start`: role from VOUCH_ROLE (default all).
  loadDotEnv();
  process.exitCode = await serveUntilSignal(() => startFromEnv(process.env), { report: (message) => console.error(message) });
  process.exit();
}
