/**
 * The ledger's database could not be written or read (e.g. PostgreSQL is restarting). Not a
 * verdict on the change: the job is retried, and the check run stays in progress (blocking a
 * required check) meanwhile.
 */
export class LedgerUnavailableError extends Error {
  readonly code = "ledger.unavailable";
  constructor(what: string, cause: unknown) {
    super(`could not ${what}: ${cause instanceof Error ? cause.message.slice(0, 300) : "unknown error"}`, { cause });
    this.name = "LedgerUnavailableError";
  }
}
