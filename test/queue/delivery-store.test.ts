import { describe, expect, test } from "@jest/globals";
import { DEFAULT_DELIVERY_TTL_MS, MemoryDeliveryStore } from "../../src/queue/delivery-store.js";

describe("MemoryDeliveryStore", () => {
  test("a delivery id is claimed once", async () => {
    const store = new MemoryDeliveryStore();
    expect(await store.claim("a")).toBe(true);
    expect(await store.claim("a")).toBe(false);
    expect(await store.claim("b")).toBe(true);
  });

  test("ids are remembered past GitHub's 3-day redelivery window and forgotten after the TTL", async () => {
    let now = 0;
    const store = new MemoryDeliveryStore({ now: () => now });
    expect(DEFAULT_DELIVERY_TTL_MS).toBeGreaterThanOrEqual(3 * 24 * 3600 * 1000);
    await store.claim("a");
    now = 3 * 24 * 3600 * 1000 + 1;
    expect(await store.claim("a")).toBe(false);
    now = DEFAULT_DELIVERY_TTL_MS + 1;
    expect(await store.claim("a")).toBe(true);
  });

  test("expired entries are dropped, so the store does not grow without bound over time", async () => {
    let now = 0;
    const store = new MemoryDeliveryStore({ ttlMs: 10, now: () => now });
    for (let i = 0; i < 50; i++) await store.claim(`old-${i}`);
    now = 11;
    await store.claim("new");
    expect(store.size).toBe(1);
  });

  test("beyond capacity the oldest ids are dropped first", async () => {
    const store = new MemoryDeliveryStore({ capacity: 3 });
    for (const id of ["a", "b", "c", "d"]) await store.claim(id);
    expect(store.size).toBe(3);
    expect(await store.claim("d")).toBe(false);
    expect(await store.claim("a")).toBe(true);
  });

  test("a released id can be claimed again", async () => {
    const store = new MemoryDeliveryStore();
    await store.claim("a");
    await store.release("a");
    expect(await store.claim("a")).toBe(true);
  });

  test("a capacity below one is refused", () => {
    expect(() => new MemoryDeliveryStore({ capacity: 0 })).toThrow(RangeError);
  });
});
