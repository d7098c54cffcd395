/**
 * What the scale-out end-to-end tests check after every run: each accepted delivery ended in exactly
 * one completed `vouch` check run on its head and exactly one evaluation in the ledger.
 */
import { expect } from "@jest/globals";
import pg from "pg";
import { randomBytes } from "node:crypto";
import { openLedger } from "../../src/ledger/open.js";
import type { LedgerEntry } from "../../src/ledger/types.js";
import { PROVENANCE_PREDICATE_TYPE } from "../../src/attest/provenance.js";
import type { StandIn } from "../standin/index.js";

export { postgresProblem, SHARED_PG_URL } from "../helpers/services.js";
import { SHARED_PG_URL } from "../helpers/services.js";

export function uniqueSchema(label: string): string {
  return `vouch_${label}_${process.pid}_${randomBytes(4).toString("hex")}`;
}

export async function dropSchema(schema: string, url: string = SHARED_PG_URL): Promise<void> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    await c.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  } finally {
    await c.end();
  }
}

/** Provenance entries (one per evaluation) in the ledger at `url`. */
export async function provenanceEntries(url: string, schema?: string): Promise<LedgerEntry[]> {
  const ledger = await openLedger(url, schema ? { schema } : {});
  try {
    const out: LedgerEntry[] = [];
    for await (const e of ledger.list()) if (e.predicateType === PROVENANCE_PREDICATE_TYPE) out.push(e);
    return out;
  } finally {
    await ledger.close();
  }
}

/** Every head has exactly one `vouch` check run, completed; and exactly one ledger evaluation per delivery id. */
export function expectExactlyOnce(
  standIn: StandIn,
  owner: string,
  expected: ReadonlyArray<{ repo: string; headSha: string; deliveryId: string }>,
  entries: readonly LedgerEntry[],
): void {
  for (const { repo, headSha, deliveryId } of expected) {
    const runs = standIn.checkRuns(owner, repo).filter((r) => r.headSha === headSha && r.name === "vouch");
    expect({ repo, headSha, runs: runs.length, status: runs[0]?.status }).toEqual({ repo, headSha, runs: 1, status: "completed" });
    const mine = entries.filter((e) => e.revision === headSha && e.evaluationKey.endsWith(`:${deliveryId}`));
    expect({ repo, deliveryId, ledgerEvaluations: mine.length }).toEqual({ repo, deliveryId, ledgerEvaluations: 1 });
  }
}
