/**
 * How many jobs a queue holds, by state: what `/metrics` reports as queue depth. Every queue
 * implementation reports through this one interface, so the metrics do not depend on the backend.
 */
export interface QueueDepth {
  /** Accepted and waiting for a worker. */
  waiting: number;
  /** Being processed right now. */
  active: number;
  /** Waiting for a retry (backoff) or a delay to pass. */
  delayed: number;
}

export interface QueueDepthSource {
  /** Read at every scrape; may ask a remote store (e.g. BullMQ's getJobCounts). */
  depth(): QueueDepth | Promise<QueueDepth>;
}
