/**
 * Wrappers that report to the metrics without the wrapped code knowing: the queue's job handler
 * (which also opens the delivery scope the logger and the latency histogram read) and the ledger.
 */
import type { Ledger, LedgerEntryInput } from "../ledger/types.js";
import type { DeliveryJob, JobHandler } from "../queue/types.js";
import { withDelivery } from "./delivery-context.js";
import type { VouchMetrics } from "./metrics.js";

/** Runs each job inside its delivery scope and counts failed attempts. */
export function instrumentHandler(handler: JobHandler, metrics?: VouchMetrics): JobHandler {
  return (job: DeliveryJob) =>
    withDelivery({ deliveryId: job.id, event: job.name, acceptedAt: job.acceptedAt }, async () => {
      try {
        await handler(job);
      } catch (error) {
        metrics?.failure("delivery_attempt");
        throw error;
      }
    });
}

/** The same ledger, counting appends by entry kind and whether they were new. */
export function instrumentLedger(ledger: Ledger, metrics: VouchMetrics): Ledger {
  const count = (entries: readonly LedgerEntryInput[], duplicates: readonly boolean[]): void => {
    entries.forEach((entry, i) => metrics.ledgerAppended(entry.kind, duplicates[i] ?? false));
  };
  return {
    append: async (entry) => {
      const result = await ledger.append(entry);
      count([entry], [result.duplicate]);
      return result;
    },
    appendAll: async (entries) => {
      const results = await ledger.appendAll(entries);
      count(entries, results.map((r) => r.duplicate));
      return results;
    },
    get: (chain, seq) => ledger.get(chain, seq),
    list: (query) => ledger.list(query),
    head: (chain) => ledger.head(chain),
    heads: () => ledger.heads(),
    byDigest: (sha256) => ledger.byDigest(sha256),
    latest: (repo, ref, type) => ledger.latest(repo, ref, type),
    checkpoint: () => ledger.checkpoint(),
    close: () => ledger.close(),
  };
}
