/** What a CLI command may touch, so tests can run it in-process. */
export interface CliIo {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
  /** Relative paths in arguments are resolved against this directory. */
  cwd: string;
}

/** Exit codes, the same for every command. */
export const EXIT = { pass: 0, violations: 1, usage: 2 } as const;

/** A usage or input problem (unreadable file, unknown revision): reported on stderr, exit 2. */
export class CliInputError extends Error {}
