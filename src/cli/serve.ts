/** `vouch serve [--role ingress|worker|all]`: runs the GitHub App server (what `npm start` runs, role all). */
import { type Command, Option } from "commander";
import { ROLES, type Role } from "../config.js";
import type { CliIo } from "./io.js";

export function registerServe(program: Command, io: CliIo, setExit: (code: number) => void): void {
  program
    .command("serve")
    .description("Run the GitHub App server: webhook ingress, queue and Probot workers, as this process's role says.")
    .addOption(
      new Option("--role <role>", "ingress: serve webhooks and enqueue; worker: run queued jobs; all: both (default: VOUCH_ROLE, else all)").choices([...ROLES]),
    )
    .addHelpText(
      "after",
      "\nConfigured by the environment (see docs/operations.md). REDIS_URL selects the BullMQ queue, which roles ingress and worker need;" +
        " DATABASE_URL (postgres://…) selects the PostgreSQL ledger. Stops gracefully on SIGTERM: running jobs finish first.",
    )
    .action(async (opts: { role?: Role }) => {
      // Loaded on demand: the other commands do not need Probot.
      const { loadDotEnv, serveUntilSignal } = await import("../server/serve.js");
      const { startFromEnv } = await import("../server/main.js");
      loadDotEnv();
      const start = () => startFromEnv(process.env, opts.role ? { role: opts.role } : {});
      const code = await serveUntilSignal(start, { report: (m) => void io.stderr.write(`vouch: ${m}\n`) });
      setExit(code);
      // The server owns this process: exit even if a library left a timer or socket behind.
      process.exit(code);
    });
}
