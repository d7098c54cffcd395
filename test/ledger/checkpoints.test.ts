import { describe, test, expect, jest } from "@jest/globals";
import { scheduleCheckpoints } from "../../src/ledger/checkpoints.js";
import { SqliteLedger } from "../../src/ledger/sqlite.js";
import { entry, testKeys } from "./helpers.js";

describe("scheduleCheckpoints", () => {
  test("writes a checkpoint per interval only when the ledger changed, one on stop, and survives failures", async () => {
    jest.useFakeTimers();
    try {
      const { signer } = testKeys();
      const ledger = new SqliteLedger(":memory:", { signer });
      const spy = jest.spyOn(ledger, "checkpoint");
      const stop = scheduleCheckpoints(ledger, { intervalMs: 1000 });
      await ledger.append(entry(signer, { n: 1 }));
      await jest.advanceTimersByTimeAsync(1000);
      expect(spy).toHaveBeenCalledTimes(1);
      await jest.advanceTimersByTimeAsync(3000);
      expect(spy).toHaveBeenCalledTimes(1);
      await ledger.append(entry(signer, { n: 2 }));
      await stop();
      expect(spy).toHaveBeenCalledTimes(2);
      await ledger.close();

      const unsigned = new SqliteLedger(":memory:");
      await unsigned.append(entry(signer, { n: 1 }));
      const errors: Error[] = [];
      const stop2 = scheduleCheckpoints(unsigned, { intervalMs: 1000, onError: (e) => errors.push(e) });
      await jest.advanceTimersByTimeAsync(2000);
      await stop2();
      expect(errors.length).toBe(3);
      expect(errors[0]?.message).toMatch(/no signing key/);
      await unsigned.close();
    } finally {
      jest.useRealTimers();
    }
  });
});
