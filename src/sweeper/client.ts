/** The app-authenticated (JWT) client the sweeper lists and redelivers with: Probot's own app auth and Octokit class. */
import { Probot } from "probot";
import type { Logger } from "pino";
import type { AppCredentials } from "../config.js";
import { createOctokitClass } from "../github/octokit.js";
import type { VouchMetrics } from "../observability/metrics.js";
import type { SweepClient } from "./sweep.js";

export interface AppClientOptions {
  app: Pick<AppCredentials, "appId" | "privateKey">;
  restBaseUrl: string;
  /** Octokit's throttling and retries (false only for test beds). */
  throttle: boolean;
  log: Logger;
  metrics?: VouchMetrics;
}

export async function appJwtClient(options: AppClientOptions): Promise<SweepClient> {
  const probot = new Probot({
    appId: options.app.appId,
    privateKey: options.app.privateKey,
    baseUrl: options.restBaseUrl,
    Octokit: createOctokitClass({ throttle: options.throttle, ...(options.metrics ? { metrics: options.metrics } : {}) }),
    log: options.log,
  });
  // Without an installation id, Probot authenticates as the app itself (a JWT signed with the private key).
  return (await probot.auth()) as unknown as SweepClient;
}
