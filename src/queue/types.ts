/**
 * The queue contract between the ingress (which accepts verified deliveries) and the workers
 * (which hand them to Probot). The in-process queue implements it today; a BullMQ-backed one
 * can replace it without touching the ingress.
 */

/** One verified webhook delivery. The payload is parsed JSON and is never logged. */
export interface DeliveryJob {
  /** X-GitHub-Delivery: the event's GUID, kept across redeliveries; the idempotency key. */
  id: string;
  /** X-GitHub-Event, e.g. "pull_request". */
  name: string;
  payload: unknown;
  /** When the ingress accepted it (epoch ms): the start of the delivery-to-check latency. */
  acceptedAt?: number;
}

export interface JobQueue {
  /** Accepts a job unless a job with the same delivery id was already accepted. */
  enqueue(job: DeliveryJob): Promise<"queued" | "duplicate">;
  /** Resolves once nothing is queued, running or waiting to retry. */
  onIdle(): Promise<void>;
  /** Stops accepting jobs and resolves once the accepted ones have finished. */
  close(): Promise<void>;
}

/** Does the work for one job; a rejection means "try again later". */
export type JobHandler = (job: DeliveryJob) => Promise<void>;
