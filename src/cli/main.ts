#!/usr/bin/env node
/** The `vouch` executable. */
import { realpathSync } from "node:fs";
import { pathToFileURL } from "node:url";
import { runCli } from "./run.js";

export { runCli } from "./run.js";

function isMain(): boolean {
  const script = process.argv[1];
  if (!script) return false;
  try {
    return import.meta.url === pathToFileURL(realpathSync(script)).href;
  } catch {
    return false;
  }
}

if (isMain()) {
  // `vouch ... | head` closes the pipe early; that is not an error worth a stack trace.
  process.stdout.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code === "EPIPE") process.exit(process.exitCode ?? 0);
    throw error;
  });
  const code = await runCli(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, cwd: process.cwd() });
  process.exitCode = code;
}
