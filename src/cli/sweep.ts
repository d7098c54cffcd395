/**
 * `vouch sweep`: one run of the redelivery sweeper, for cron (e.g. a Kubernetes CronJob). Reads
 * the same environment as the server (APP_ID, PRIVATE_KEY or PRIVATE_KEY_PATH, WEBHOOK_SECRET,
 * GHE_HOST, VOUCH_SWEEP_*). Log lines go to stderr; the summary to stdout.
 */
import type { Command } from "commander";
import { ConfigError, parseConfig, type Env } from "../config.js";
import { createLogger } from "../server/logger.js";
import { appJwtClient } from "../sweeper/client.js";
import { parseSweepConfig } from "../sweeper/config.js";
import { sweepFailedDeliveries, type SweepReport } from "../sweeper/sweep.js";
import { CliInputError, type CliIo, EXIT } from "./io.js";
import pino, { type DestinationStream } from "pino";

interface SweepCliOptions {
  format: "text" | "json";
}

export function registerSweep(
  program: Command,
  io: CliIo,
  setExit: (code: number) => void,
  env: Env = process.env,
  logDestination?: DestinationStream,
): void {
  program
    .command("sweep")
    .description("Ask GitHub to redeliver webhook deliveries that failed within the redelivery window (one run, for cron)")
    .option("--format <format>", "text or json", "text")
    .addHelpText(
      "after",
      "\nEnvironment: APP_ID, PRIVATE_KEY or PRIVATE_KEY_PATH, WEBHOOK_SECRET (as for the server), GHE_HOST/GHE_PROTOCOL,\n" +
        "VOUCH_SWEEP_WINDOW_HOURS (72), VOUCH_SWEEP_MAX_REDELIVERIES (100), VOUCH_SWEEP_MAX_PAGES (50).\n" +
        "Exit status: 0 swept, 1 a redelivery was refused or the run stopped early (rate limit, GitHub unavailable), 2 configuration error.",
    )
    .action(async (opts: SweepCliOptions) => {
      if (opts.format !== "text" && opts.format !== "json") throw new CliInputError("--format must be text or json");
      let config;
      let sweep;
      try {
        config = parseConfig(env);
        sweep = parseSweepConfig(env);
      } catch (error) {
        if (error instanceof ConfigError) throw new CliInputError(error.message);
        throw error;
      }
      if (!config.app) throw new CliInputError("APP_ID and PRIVATE_KEY (or PRIVATE_KEY_PATH) are required: the sweeper authenticates as the app");
      const log = createLogger({ level: config.logLevel, destination: logDestination ?? pino.destination(2) });
      const client = await appJwtClient({ app: config.app, restBaseUrl: config.github.restBaseUrl, throttle: config.githubThrottle, log });
      const report = await sweepFailedDeliveries({ client, limits: sweep.limits, log });
      io.stdout.write(opts.format === "json" ? `${JSON.stringify(report, null, 2)}\n` : summary(report));
      const incomplete = report.stopped !== undefined && report.stopped !== "page_limit";
      setExit(report.refused.length > 0 || incomplete ? EXIT.violations : EXIT.pass);
    });
}

function summary(r: SweepReport): string {
  const lines = [
    `listed ${r.listed} deliveries (${r.pages} page${r.pages === 1 ? "" : "s"}); ${r.failedEvents} event(s) without a successful delivery`,
    `redelivery requested for ${r.redelivered.length}${r.redelivered.length > 0 ? `: ${r.redelivered.join(", ")}` : ""}`,
  ];
  if (r.refused.length > 0) lines.push(`refused by GitHub: ${r.refused.map((x) => `${x.guid} (${x.status ?? "no answer"})`).join(", ")}`);
  if (r.deferred > 0) lines.push(`left for the next run (per-run bound): ${r.deferred}`);
  if (r.exhausted > 0) lines.push(`not redelivered, already delivered too often: ${r.exhausted}`);
  if (r.stopped) lines.push(`stopped early: ${r.stopped.replace(/_/g, " ")}`);
  return `${lines.join("\n")}\n`;
}
