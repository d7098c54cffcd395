/**
 * `npm start`: reads the environment, then either serves the registered app (webhook ingress,
 * in-process queue, Probot workers) or, without credentials, Probot's registration flow.
 * Tests call `startFromEnv` in-process to run exactly this code path.
 */
import { createServer } from "node:http";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { Probot } from "probot";
import type { DestinationStream, Logger } from "pino";
import vouchApp from "../app.js";
import type { VouchAppOptions } from "../app.js";
import { parseConfig } from "../config.js";
import type { AppCredentials, Env, VouchConfig } from "../config.js";
import { createOctokitClass } from "../github/octokit.js";
import { createWebhookIngress } from "../ingress/webhook.js";
import { InProcessQueue } from "../queue/in-process.js";
import { MemoryDeliveryStore } from "../queue/delivery-store.js";
import { createLogger } from "./logger.js";
import { createRequestListener } from "./routes.js";
import { createAuditRoutes } from "./audit-routes.js";
import { closeServer, listen, urlFor } from "./listen.js";
import { startSetupMode } from "./setup-mode.js";
import { loadKeyRing } from "../keys/keyring.js";
import { defaultLedgerUrl, openLedger } from "../ledger/open.js";
import { scheduleCheckpoints } from "../ledger/checkpoints.js";
import { summariseError } from "../queue/error-summary.js";
import { VERIFIER_ID, VERSION } from "../version.js";
import { VouchMetrics } from "../observability/metrics.js";
import { instrumentHandler, instrumentLedger } from "../observability/instrument.js";
import { parseObservabilityConfig } from "../observability/config.js";
import { createHealthRoutes, ledgerReadiness } from "./health-routes.js";

export interface RunningServer {
  url: string;
  port: number;
  /** "setup" until the app is registered: then only the registration pages are served. */
  mode: "app" | "setup";
  /** The Probot instance deliveries are handed to (in setup mode an inert placeholder). */
  probot: Probot;
  /** Stops accepting requests, then waits for accepted deliveries to finish. */
  close(): Promise<void>;
}

export interface StartOverrides {
  now?: () => Date;
  /** Where log lines go (default: standard output). */
  logDestination?: DestinationStream;
  /** Delay before retry number `attempt` of a failed delivery (default 1 s, 4 s, 16 s). */
  retryBackoffMs?: (attempt: number) => number;
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
    return { ...setup, mode: "setup", probot };
  }
  return startApp(config, config.app, log, overrides, env);
}

async function startApp(config: VouchConfig, app: AppCredentials, log: Logger, overrides: StartOverrides, env: Env): Promise<RunningServer> {
  // The attestation signing key and the ledger live in the data directory the CLI shares.
  const observability = parseObservabilityConfig(env);
  const metrics = new VouchMetrics();
  let draining = false;
  const keys = loadKeyRing({ env, log: (message) => log.info(message) });
  const ledger = instrumentLedger(await openLedger(defaultLedgerUrl(env), { signer: keys.signer }), metrics);
  const stopCheckpoints = scheduleCheckpoints(ledger, {
    onError: (error) => {
      metrics.failure("ledger_checkpoint");
      log.error({ error: summariseError(error) }, "ledger checkpoint failed");
    },
  });
  let publicUrl = env.VOUCH_PUBLIC_URL?.replace(/\/+$/, "") ?? "";
  const probot = new Probot({
    appId: app.appId,
    privateKey: app.privateKey,
    secret: app.webhookSecret,
    baseUrl: config.github.restBaseUrl,
    Octokit: createOctokitClass({ throttle: config.githubThrottle, metrics }),
    log,
  });
  // The app id lets the app ignore events caused by Vouch itself.
  const appOptions: VouchAppOptions = {
    ...(overrides.now ? { now: overrides.now } : {}),
    appId: app.appId,
    metrics,
    git: { baseUrl: config.github.gitBaseUrl, dataDir: config.dataDir },
    evaluationsDir: join(config.dataDir, "evaluations"),
    attest: {
      ledger,
      signer: keys.signer,
      trusted: keys.publicKeys,
      verifier: { id: VERIFIER_ID, version: VERSION },
      serverUrl: config.github.webBaseUrl,
      attestationBaseUrl: () => `${publicUrl}/attestations`,
    },
  };
  await probot.load((p) => vouchApp(p, appOptions));

  const queue = new InProcessQueue({
    concurrency: config.concurrency,
    log: log.child({ name: "queue" }),
    store: new MemoryDeliveryStore(),
    handler: instrumentHandler((job) => probot.receive({ id: job.id, name: job.name, payload: job.payload } as Parameters<Probot["receive"]>[0]), metrics),
    ...(overrides.retryBackoffMs ? { backoffMs: overrides.retryBackoffMs } : {}),
  });
  const ingress = createWebhookIngress({
    secrets: [app.webhookSecret, ...(app.webhookSecretPrevious ? [app.webhookSecretPrevious] : [])],
    queue,
    log: log.child({ name: "ingress" }),
    metrics,
  });
  metrics.watchQueue(queue);
  const health = createHealthRoutes({
    readiness: [ledgerReadiness(ledger)],
    draining: () => draining,
    metrics,
    metricsTokenSha256: observability.metricsTokenSha256,
    log: log.child({ name: "health" }),
  });
  const audit = createAuditRoutes({ ledger, keys, tokens: config.auditTokens, log: log.child({ name: "audit" }) });
  const server = createServer(createRequestListener({ webhookPath: config.webhookPath, ingress, log, audit, health }));
  // Bound slow uploads: a client may not hold a request open indefinitely.
  server.requestTimeout = 60_000;
  server.headersTimeout = 20_000;
  const port = await listen(server, config.port, config.host);
  const url = urlFor(config.host, port);
  publicUrl ||= url;
  log.info(
    { url, webhookPath: config.webhookPath, appId: app.appId, githubApi: config.github.restBaseUrl, concurrency: config.concurrency },
    "Vouch is listening",
  );

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      draining = true;
      await closeServer(server);
      await queue.close();
      await stopCheckpoints();
      await ledger.close();
      log.info("Vouch stopped");
    })();
    return closing;
  };
  return { url, port, mode: "app", probot, close };
}

function isMainModule(): boolean {
  const entry = process.argv[1];
  return entry !== undefined && import.meta.url === pathToFileURL(entry).href;
}

if (isMainModule()) {
  // `.env` is where the registration flow writes the app's credentials; real env vars win.
  if (existsSync(".env")) process.loadEnvFile(".env");
  startFromEnv(process.env).then(
    (running) => {
      const stop = (): void => {
        running.close().then(
          () => process.exit(0),
          () => process.exit(1),
        );
      };
      process.once("SIGINT", stop);
      process.once("SIGTERM", stop);
    },
    (error: unknown) => {
      // ConfigError messages name variables, never values.
      console.error(error instanceof Error ? error.message : "Vouch failed to start");
      process.exitCode = 1;
    },
  );
}
