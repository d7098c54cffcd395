/** Messages between the load driver (bench/load.ts) and the stand-in process (standin-process.ts). */

export interface SeedRequest {
  type: "seed";
  /** PEM public key of the app, so the stand-in accepts Vouch's JWTs. */
  publicKey: string;
  repositories: number;
  pullRequests: number;
  filesPerPullRequest: number;
  policy: string;
}

/** One pull request to deliver: its `pull_request.opened` payload, adapted to the stand-in. */
export interface PlannedDelivery {
  repo: string;
  headSha: string;
  payload: Record<string, unknown>;
}

export interface Ready {
  type: "ready";
  env: Record<string, string>;
  deliveries: PlannedDelivery[];
  seedMs: number;
}

/** Completed check runs seen since the last report: head SHA and wall-clock time (ms since the epoch). */
export interface Completed {
  type: "completed";
  items: Array<{ headSha: string; at: number }>;
}

export interface AuditRequest {
  type: "audit";
}

export interface Audit {
  type: "audit";
  /** Head SHA -> check runs named `vouch` created for it (any status), and how many completed. */
  runs: Record<string, { created: number; completed: number; conclusion: string | null }>;
  apiRequests: number;
  gitRequests: number;
  serverErrors: number;
}

export interface Stop {
  type: "stop";
}

export type ToStandIn = SeedRequest | AuditRequest | Stop;
export type FromStandIn = Ready | Completed | Audit | { type: "error"; message: string };
