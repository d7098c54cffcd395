/**
 * Crash-test child: appends to a ledger (SQLite path or postgres:// URL) in a loop and prints `ack <seq> <hash>` after
 * each append resolves (stdout to a pipe is synchronous on Linux, so an ack is only printed for
 * a committed entry). The parent SIGKILLs it at arbitrary points.
 */
import { createPrivateKey, createPublicKey } from "node:crypto";
import { keyIdOf } from "../../src/attest/dsse.js";
import { openLedger } from "../../src/ledger/open.js";
import { VSA, entry } from "./helpers.js";

const [path, round] = process.argv.slice(2);
const privateKey = createPrivateKey(process.env.CRASH_TEST_KEY ?? "");
const signer = { keyId: keyIdOf(createPublicKey(privateKey)), privateKey };
const ledger = await openLedger(path!, { signer, ...(process.env.CRASH_TEST_SCHEMA ? { schema: process.env.CRASH_TEST_SCHEMA } : {}) });
for (let i = 0; ; i++) {
  const n = Number(round) * 100000 + i;
  const results = await ledger.appendAll([
    entry(signer, { n, key: `crash:${round}:${i}` }),
    entry(signer, { n, key: `crash:${round}:${i}`, type: VSA }),
  ]);
  for (const r of results) process.stdout.write(`ack ${r.seq} ${r.hash}\n`);
}
