/**
 * A verification thread that goes wrong on purpose, as its URL's `?fault=` says: "throw" throws
 * on its second object, "exit" exits on its second object, "silent-wrong" answers for another id.
 * It answers the first object with a (fake) valid verdict so a test can see only the affected
 * objects fail.
 */
import { parentPort } from "node:worker_threads";
import type { PoolRequest } from "../../../src/controls/signatures/pool.js";

const port = parentPort!;
const fault = new URL(import.meta.url).searchParams.get("fault");
let seen = 0;
port.on("message", (m: PoolRequest) => {
  seen++;
  if (seen >= 2 && fault === "throw") throw new Error("boom in the verification thread");
  if (seen >= 2 && fault === "exit") process.exit(3);
  const id = fault === "silent-wrong" ? "f".repeat(40) : m.id;
  port.postMessage({ seq: m.seq, verdict: { id, type: "commit", signature: { status: "valid", format: null, signer: null, key: null, detail: "fake" } } });
});
