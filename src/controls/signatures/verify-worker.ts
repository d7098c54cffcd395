/**
 * A verification thread: rebuilds the trust store from the main thread's description, then
 * verifies each raw object it is sent (hash, payload, signature, key validity) and answers
 * with the verdict and the sequence number it came with.
 */
import { parentPort, workerData } from "node:worker_threads";
import type { RawObject } from "../../git/objects.js";
import { trustStoreFromDescription, type TrustDescription } from "./trust.js";
import { verifyObject } from "./verify.js";
import type { PoolRequest, PoolResponse } from "./pool.js";

const port = parentPort;
if (!port) throw new Error("verify-worker must run in a worker thread");
const trust = await trustStoreFromDescription((workerData as { trust: TrustDescription }).trust);
port.on("message", (m: PoolRequest) => {
  const raw: RawObject = { id: m.id, type: m.type, body: Buffer.from(m.body) };
  void verifyObject(raw, trust, new Date(m.at)).then((verdict) => port.postMessage({ seq: m.seq, verdict } satisfies PoolResponse));
});
