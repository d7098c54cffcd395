/**
 * The delivery being handled, carried through every await of its processing. The logger reads it
 * to put the delivery id on every line (Probot's, Octokit's and ours alike), and the metrics read
 * it to time a delivery from acceptance to its completed check run, without threading either
 * through every function.
 */
import { AsyncLocalStorage } from "node:async_hooks";

export interface DeliveryScope {
  /** X-GitHub-Delivery. */
  deliveryId: string;
  /** X-GitHub-Event. */
  event: string;
  /** When the ingress accepted the delivery (epoch ms), when the queue carried it. */
  acceptedAt?: number | undefined;
}

const storage = new AsyncLocalStorage<DeliveryScope>();

/** Runs `work` with `scope` as the current delivery, for everything it awaits or schedules. */
export function withDelivery<T>(scope: DeliveryScope, work: () => T): T {
  return storage.run(scope, work);
}

/** The delivery whose handling is running now, if any. */
export function currentDelivery(): DeliveryScope | undefined {
  return storage.getStore();
}
