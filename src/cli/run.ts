/** The `vouch` command line: commander wiring, and one exit-code convention for every command. */
import { Command, CommanderError } from "commander";
import type { DestinationStream } from "pino";
import type { Env } from "../config.js";
import { CliInputError, type CliIo, EXIT } from "./io.js";
import { registerEvaluate } from "./evaluate.js";
import { registerPolicyCommands } from "./policy-commands.js";
import { registerVerify } from "./verify.js";
import { registerScan } from "./scan.js";
import { registerAudit } from "./audit.js";
import { registerKeys } from "./keys.js";
import { registerDoctor } from "./doctor.js";
import { registerServe } from "./serve.js";
import { registerSweep } from "./sweep.js";

export type { CliIo } from "./io.js";

/** What the commands read besides argv: the environment, and where `vouch sweep` logs (tests capture both). */
export interface CliContext {
  env?: Env;
  logDestination?: DestinationStream;
}

function buildProgram(io: CliIo, setExit: (code: number) => void, { env = process.env, logDestination }: CliContext): Command {
  const program = new Command("vouch")
    .description("Source-repository integrity: check Vouch policies, verify a local clone against them, and replay saved evidence.")
    .addHelpText("after", "\nExit status (every command): 0 pass, 1 violations, 2 usage or input error.")
    // Settings set before .command() are inherited by every subcommand.
    .exitOverride()
    .configureOutput({
      writeOut: (s) => void io.stdout.write(s),
      writeErr: (s) => void io.stderr.write(s),
    })
    .showHelpAfterError("(run with --help for usage)");
  registerPolicyCommands(program, io, setExit);
  registerVerify(program, io, setExit);
  registerEvaluate(program, io, setExit);
  registerScan(program, io, setExit);
  registerAudit(program, io, setExit, env);
  registerKeys(program, io, setExit, env);
  registerDoctor(program, io, setExit, env);
  registerServe(program, io, setExit);
  registerSweep(program, io, setExit, env, logDestination);
  return program;
}

/** Runs the CLI with `argv` (without node and script) and returns the exit code. */
export async function runCli(argv: string[], io: CliIo, context: CliContext = {}): Promise<number> {
  let code: number = EXIT.pass;
  const program = buildProgram(
    io,
    (c) => {
      code = c;
    },
    context,
  );
  try {
    await program.parseAsync(argv, { from: "user" });
    return code;
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version exit 0; every other commander exit (unknown command or option,
      // missing argument, no command at all) is a usage error.
      return error.exitCode === 0 ? EXIT.pass : EXIT.usage;
    }
    if (error instanceof CliInputError) {
      io.stderr.write(`vouch: ${error.message}\n`);
      return EXIT.usage;
    }
    io.stderr.write(`vouch: unexpected error: ${error instanceof Error ? error.message : String(error)}\n`);
    return EXIT.usage;
  }
}
