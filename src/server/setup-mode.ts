/**
 * Setup mode: the app is not registered yet, so there are no credentials. Probot's `run()` then
 * serves its registration page, which POSTs the manifest built from `app.yml` to GitHub (or
 * GHE_HOST) and, on return, writes APP_ID, PRIVATE_KEY and WEBHOOK_SECRET into `.env`.
 */
import { run } from "probot";
import type { Logger } from "pino";
import type { Env, VouchConfig } from "../config.js";
import { findFreePort, urlFor } from "./listen.js";

export interface SetupServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

export async function startSetupMode(config: VouchConfig, env: Env, log: Logger): Promise<SetupServer> {
  // Probot's server turns port 0 into 3000, so an ephemeral port is chosen here instead.
  const port = config.port === 0 ? await findFreePort(config.host) : config.port;
  const url = urlFor(config.host, port);
  log.warn(
    { url },
    `Vouch is not registered as a GitHub App yet (APP_ID and PRIVATE_KEY are not set). ` +
      `To register it, open ${url} in a browser and follow the steps (the app is created from app.yml), ` +
      `or set APP_ID, PRIVATE_KEY (or PRIVATE_KEY_PATH) and WEBHOOK_SECRET in .env; then restart. ` +
      `Webhooks are not received in setup mode.`,
  );
  // Probot would otherwise open a channel on the public smee.io relay (installing its client with
  // npx first) and route webhooks through it. Opt in with NO_SMEE_SETUP=false or WEBHOOK_PROXY_URL.
  if (process.env.NO_SMEE_SETUP === undefined && env.NO_SMEE_SETUP === undefined) process.env.NO_SMEE_SETUP = "true";
  const server = await run(() => undefined, {
    env: { ...env, PORT: String(port), HOST: config.host },
    log,
  });
  return { url, port: server.port, close: () => server.stop() };
}
