/**
 * Remembers which delivery ids were accepted, so a redelivery of the same event (GitHub keeps
 * the X-GitHub-Delivery GUID) is processed once. Behind an interface so a shared store
 * (Redis) can back several replicas later.
 */

export interface DeliveryStore {
  /** Records the id and returns true if it was not already recorded (and not expired). */
  claim(id: string): Promise<boolean>;
  /** Forgets the id, so a later redelivery is processed again (used when processing gave up). */
  release(id: string): Promise<void>;
}

/** GitHub lets a delivery be redelivered for 3 days (7 on GHES); remember ids for the longer window. */
export const DEFAULT_DELIVERY_TTL_MS = 7 * 24 * 60 * 60 * 1000;
/** Enough ids for a busy installation base at a few bytes each; oldest are dropped beyond it. */
export const DEFAULT_DELIVERY_CAPACITY = 100_000;

export interface MemoryDeliveryStoreOptions {
  ttlMs?: number;
  capacity?: number;
  now?: () => number;
}

/** Bounded in-memory store: entries expire after the TTL; beyond capacity the oldest go first. */
export class MemoryDeliveryStore implements DeliveryStore {
  // A Map iterates in insertion order, which is also expiry order since the TTL is fixed.
  readonly #seen = new Map<string, number>();
  readonly #ttlMs: number;
  readonly #capacity: number;
  readonly #now: () => number;

  constructor(options: MemoryDeliveryStoreOptions = {}) {
    this.#ttlMs = options.ttlMs ?? DEFAULT_DELIVERY_TTL_MS;
    this.#capacity = options.capacity ?? DEFAULT_DELIVERY_CAPACITY;
    this.#now = options.now ?? Date.now;
    if (!(this.#capacity >= 1)) throw new RangeError("capacity must be at least 1");
  }

  get size(): number {
    return this.#seen.size;
  }

  async claim(id: string): Promise<boolean> {
    const now = this.#now();
    this.#evict(now);
    const expiresAt = this.#seen.get(id);
    if (expiresAt !== undefined && expiresAt > now) return false;
    this.#seen.delete(id);
    this.#seen.set(id, now + this.#ttlMs);
    while (this.#seen.size > this.#capacity) {
      const oldest = this.#seen.keys().next();
      if (oldest.done) break;
      this.#seen.delete(oldest.value);
    }
    return true;
  }

  async release(id: string): Promise<void> {
    this.#seen.delete(id);
  }

  #evict(now: number): void {
    for (const [id, expiresAt] of this.#seen) {
      if (expiresAt > now) break;
      this.#seen.delete(id);
    }
  }
}
