import { describe, expect, test } from "@jest/globals";
import pino from "pino";
import { InProcessQueue, QueueClosedError, QueueFullError, defaultBackoffMs } from "../../src/queue/in-process.js";
import type { DeliveryJob } from "../../src/queue/types.js";
import { LogCapture } from "../server/log-capture.js";

function job(id: string, payload: unknown = { secretish: `payload-of-${id}` }): DeliveryJob {
  return { id, name: "pull_request", payload };
}

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

function setup(options: Partial<ConstructorParameters<typeof InProcessQueue>[0]> & Pick<ConstructorParameters<typeof InProcessQueue>[0], "handler">) {
  const capture = new LogCapture();
  const queue = new InProcessQueue({ concurrency: 2, log: pino({ level: "debug" }, capture), backoffMs: () => 1, ...options });
  return { queue, capture };
}

describe("InProcessQueue", () => {
  test("runs each job and reports idle when done", async () => {
    const seen: string[] = [];
    const { queue } = setup({ handler: async (j) => void seen.push(j.id) });
    expect(await queue.enqueue(job("1"))).toBe("queued");
    expect(await queue.enqueue(job("2"))).toBe("queued");
    await queue.onIdle();
    expect(seen.sort()).toEqual(["1", "2"]);
    expect(queue.pending).toBe(0);
  });

  test("a duplicate delivery id is not run again", async () => {
    const seen: string[] = [];
    const { queue } = setup({ handler: async (j) => void seen.push(j.id) });
    expect(await queue.enqueue(job("same"))).toBe("queued");
    await queue.onIdle();
    expect(await queue.enqueue(job("same"))).toBe("duplicate");
    await queue.onIdle();
    expect(seen).toEqual(["same"]);
  });

  test("never runs more jobs at once than the concurrency bound", async () => {
    let active = 0;
    let peak = 0;
    const gates = Array.from({ length: 6 }, () => deferred());
    const started: string[] = [];
    const { queue } = setup({
      concurrency: 2,
      handler: async (j) => {
        active++;
        peak = Math.max(peak, active);
        started.push(j.id);
        await gates[Number(j.id)]!.promise;
        active--;
      },
    });
    for (let i = 0; i < 6; i++) await queue.enqueue(job(String(i)));
    expect(queue.running).toBe(2);
    expect(started).toEqual(["0", "1"]);
    gates[0]!.resolve();
    await new Promise((r) => setImmediate(r));
    expect(started).toEqual(["0", "1", "2"]);
    for (const g of gates) g.resolve();
    await queue.onIdle();
    expect(peak).toBe(2);
    expect(started).toHaveLength(6);
  });

  test("a failing job is retried, then succeeds", async () => {
    let calls = 0;
    const { queue, capture } = setup({
      handler: async () => {
        calls++;
        if (calls < 3) throw new Error("transient");
      },
    });
    await queue.enqueue(job("flaky"));
    await queue.onIdle();
    expect(calls).toBe(3);
    const retries = capture.records().filter((r) => r.msg === "delivery failed; will retry");
    expect(retries.map((r) => r.deliveryId)).toEqual(["flaky", "flaky"]);
  });

  test("a job that keeps failing is given up after maxAttempts and logged by delivery id, without its payload", async () => {
    let calls = 0;
    const backoffs: number[] = [];
    const { queue, capture } = setup({
      maxAttempts: 3,
      backoffMs: (attempt) => (backoffs.push(attempt), 1),
      handler: async () => {
        calls++;
        // Probot's errors carry the whole event; it must not reach the log.
        throw Object.assign(new Error("boom"), { event: { payload: { secretish: "payload-of-doomed" } } });
      },
    });
    await queue.enqueue(job("doomed"));
    await queue.onIdle();
    expect(calls).toBe(3);
    expect(backoffs).toEqual([1, 2]);
    const gaveUp = capture.records().filter((r) => r.msg === "delivery failed; giving up");
    expect(gaveUp).toHaveLength(1);
    expect(gaveUp[0]).toMatchObject({ deliveryId: "doomed", attempts: 3, error: { message: "boom" } });
    expect(capture.text).not.toContain("payload-of-doomed");
  });

  test("after giving up, a redelivery of the same id is processed again", async () => {
    let calls = 0;
    const { queue } = setup({
      maxAttempts: 1,
      handler: async () => {
        calls++;
        if (calls === 1) throw new Error("down");
      },
    });
    await queue.enqueue(job("again"));
    await queue.onIdle();
    expect(await queue.enqueue(job("again"))).toBe("queued");
    await queue.onIdle();
    expect(calls).toBe(2);
  });

  test("AggregateErrors are summarised with their causes", async () => {
    const { queue, capture } = setup({
      maxAttempts: 1,
      handler: async () => {
        throw new AggregateError([Object.assign(new Error("Not Found"), { status: 404 })], "handlers failed");
      },
    });
    await queue.enqueue(job("agg"));
    await queue.onIdle();
    const rec = capture.records().find((r) => r.msg === "delivery failed; giving up");
    expect(rec?.error).toEqual({ name: "AggregateError", message: "handlers failed", causes: [{ name: "Error", message: "Not Found", status: 404 }] });
  });

  test("close waits for accepted jobs, including retries, then refuses new ones", async () => {
    let calls = 0;
    const { queue } = setup({
      handler: async () => {
        calls++;
        if (calls === 1) throw new Error("once");
      },
    });
    await queue.enqueue(job("x"));
    await queue.close();
    expect(calls).toBe(2);
    await expect(queue.enqueue(job("y"))).rejects.toBeInstanceOf(QueueClosedError);
  });

  test("refuses jobs beyond maxPending instead of growing without bound", async () => {
    const gate = deferred();
    const { queue } = setup({ concurrency: 1, maxPending: 2, handler: () => gate.promise });
    await queue.enqueue(job("1"));
    await queue.enqueue(job("2"));
    await expect(queue.enqueue(job("3"))).rejects.toBeInstanceOf(QueueFullError);
    gate.resolve();
    await queue.onIdle();
    expect(await queue.enqueue(job("3"))).toBe("queued");
    await queue.onIdle();
  });

  test("rejects a concurrency below one", () => {
    expect(() => setup({ concurrency: 0, handler: async () => undefined })).toThrow(RangeError);
  });

  test("default backoff grows exponentially", () => {
    expect([1, 2, 3].map(defaultBackoffMs)).toEqual([1000, 4000, 16000]);
  });
});
