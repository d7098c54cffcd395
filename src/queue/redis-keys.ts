/**
 * The Redis state Vouch keeps beside BullMQ's own: which delivery ids were accepted (the dedupe
 * window) and the newest head seen per pull request (to drop superseded jobs). Keys live under
 * `vouch:<queue name>:` so queues with different names never see each other's state.
 */
import type { Redis } from "ioredis";
import type { DeliveryJob } from "./types.js";

/** A claim not yet confirmed (the job may not be in the queue) expires quickly, so a crash between claim and add loses nothing. */
export const PENDING_CLAIM_MS = 2 * 60 * 1000;

export class RedisDeliveryIds {
  constructor(
    private readonly redis: Redis,
    private readonly queueName: string,
    private readonly ttlMs: number,
  ) {}

  private key(id: string): string {
    return `vouch:${this.queueName}:delivery:${id}`;
  }

  /** True when this call is the first to see the id within the window; the claim is pending until confirmed. */
  async claim(id: string): Promise<boolean> {
    return (await this.redis.set(this.key(id), "pending", "PX", PENDING_CLAIM_MS, "NX")) === "OK";
  }

  /** The job is in the queue: remember the id for the whole redelivery window. */
  async confirm(id: string): Promise<void> {
    await this.redis.set(this.key(id), "queued", "PX", this.ttlMs);
  }

  /** Forget the id so a later redelivery is processed (the job was never queued, or gave up). */
  async release(id: string): Promise<void> {
    await this.redis.del(this.key(id));
  }
}

/** The fields of a pull-request event that say which head it is about and how recent it is. */
export interface PullRequestHead {
  key: string;
  sha: string;
  /** pull_request.updated_at in ms: orders deliveries, which GitHub may send out of order. */
  at: number;
}

export function pullRequestHead(job: DeliveryJob): PullRequestHead | undefined {
  if (job.name !== "pull_request" && job.name !== "pull_request_review") return undefined;
  const p = job.payload as {
    repository?: { id?: unknown };
    pull_request?: { number?: unknown; updated_at?: unknown; head?: { sha?: unknown } };
  };
  const repoId = p.repository?.id;
  const pr = p.pull_request;
  const sha = pr?.head?.sha;
  const at = typeof pr?.updated_at === "string" ? Date.parse(pr.updated_at) : Number.NaN;
  if (typeof repoId !== "number" || typeof pr?.number !== "number" || typeof sha !== "string" || Number.isNaN(at)) return undefined;
  return { key: `${repoId}:${pr.number}`, sha, at };
}

// Keeps the head with the newest updated_at; an equal time is taken as newer (it arrived later).
const NOTE_HEAD = `
local at = redis.call('HGET', KEYS[1], 'at')
if (not at) or tonumber(ARGV[2]) >= tonumber(at) then
  redis.call('HSET', KEYS[1], 'sha', ARGV[1], 'at', ARGV[2])
end
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return 1
`;

export class RedisHeadIndex {
  constructor(
    private readonly redis: Redis,
    private readonly queueName: string,
    private readonly ttlMs: number,
  ) {}

  private key(head: PullRequestHead): string {
    return `vouch:${this.queueName}:head:${head.key}`;
  }

  /** Records the head a delivery announces (at the ingress, when it is accepted). */
  async note(job: DeliveryJob): Promise<void> {
    const head = pullRequestHead(job);
    if (!head) return;
    await this.redis.eval(NOTE_HEAD, 1, this.key(head), head.sha, String(head.at), String(this.ttlMs));
  }

  /**
   * The newer head when a strictly newer delivery for the same pull request announced another
   * head; undefined when the job is current, or is not about a pull request.
   */
  async supersededBy(job: DeliveryJob): Promise<string | undefined> {
    const head = pullRequestHead(job);
    if (!head) return undefined;
    const [sha, at] = await this.redis.hmget(this.key(head), "sha", "at");
    if (sha === null || at === null) return undefined;
    return sha !== head.sha && Number(at) > head.at ? sha : undefined;
  }
}
