/**
 * Auditor export. `.intoto.jsonl`: one DSSE envelope per line, in chain order. Each entry line is
 * the attestation's envelope plus a `vouch` member carrying its ledger links (chain, seq, prevHash,
 * hash and the indexed fields); tools that read in-toto bundles ignore the extra member. The last
 * line is a signed export checkpoint, itself a DSSE envelope, stating for every chain the first
 * and last entry exported and the ledger's count and head at export time.
 * `csv`: one row per (repository, ref, revision): the latest VSA result and levels.
 */
import { sha256Hex, signEnvelope, type Envelope, type Signer } from "../attest/dsse.js";
import { VSA_PREDICATE_TYPE } from "../attest/vsa.js";
import { CHECKPOINT_PAYLOAD_TYPE, type Ledger, type LedgerEntry, type ListQuery } from "./types.js";

export const EXPORT_CHECKPOINT_TYPE = "https://vouch.dev/ledger-export-checkpoint/v1";

export interface ExportedChain {
  chain: string;
  fromSeq: number;
  fromPrevHash: string;
  toSeq: number;
  toHash: string;
  /** The ledger's entry count and head hash for this chain when the export began. */
  count: number;
  head: string;
}

export interface ExportCheckpointBody {
  type: typeof EXPORT_CHECKPOINT_TYPE;
  createdAt: string;
  query: { repo: string | null; since: string | null; until: string | null };
  entries: number;
  chains: ExportedChain[];
}

export interface EntryLine extends Envelope {
  vouch: Omit<LedgerEntry, "envelope">;
}

export function entryLine(e: LedgerEntry): string {
  const { envelope, ...links } = e;
  const line: EntryLine = { payloadType: envelope.payloadType, payload: envelope.payload, signatures: envelope.signatures, vouch: links };
  return JSON.stringify(line);
}

export interface ExportOptions extends Pick<ListQuery, "repo" | "since" | "until"> {
  signer: Signer;
  now?: () => Date;
}

/**
 * Stream the export line by line to `write` (each line without its newline). Records a signed
 * ledger checkpoint first, then exports exactly up to the heads it saw, so concurrent appends
 * never leave the export inconsistent.
 */
export async function exportJsonl(ledger: Ledger, options: ExportOptions, write: (line: string) => void | Promise<void>): Promise<ExportCheckpointBody> {
  const snapshot = await ledger.checkpoint();
  const heads = new Map(snapshot.body.chains.map((h) => [h.chain, h]));
  const upTo = new Map(snapshot.body.chains.map((h) => [h.chain, h.count]));
  const chains = new Map<string, ExportedChain>();
  let entries = 0;
  const query: ListQuery = { upTo };
  if (options.repo !== undefined) query.repo = options.repo;
  if (options.since !== undefined) query.since = options.since;
  if (options.until !== undefined) query.until = options.until;
  for await (const e of ledger.list(query)) {
    const c = chains.get(e.chain);
    const head = heads.get(e.chain);
    if (!c) {
      chains.set(e.chain, {
        chain: e.chain,
        fromSeq: e.seq,
        fromPrevHash: e.prevHash,
        toSeq: e.seq,
        toHash: e.hash,
        count: head?.count ?? e.seq,
        head: head?.head ?? e.hash,
      });
    } else {
      c.toSeq = e.seq;
      c.toHash = e.hash;
    }
    entries++;
    await write(entryLine(e));
  }
  const body: ExportCheckpointBody = {
    type: EXPORT_CHECKPOINT_TYPE,
    createdAt: (options.now ?? (() => new Date()))().toISOString(),
    query: { repo: options.repo ?? null, since: options.since ?? null, until: options.until ?? null },
    entries,
    chains: [...chains.values()],
  };
  await write(JSON.stringify(signEnvelope(Buffer.from(JSON.stringify(body), "utf8"), CHECKPOINT_PAYLOAD_TYPE, options.signer)));
  return body;
}

function csvCell(v: string): string {
  // Quote everything and neutralize leading formula characters so a spreadsheet never executes a cell.
  const safe = /^[=+\-@\t\r]/.test(v) ? `'${v}` : v;
  return `"${safe.replace(/"/g, '""')}"`;
}

export const CSV_HEADER = ["repository", "ref", "revision", "recorded_at", "result", "verified_levels", "policy_digest", "vsa_sha256", "ledger_seq"];

/** One row per (repository, ref, revision) from the VSA entries, the latest evaluation winning. */
export async function exportCsv(ledger: Ledger, query: Pick<ListQuery, "repo" | "since" | "until">, write: (line: string) => void | Promise<void>): Promise<number> {
  const rows = new Map<string, string[]>();
  for await (const e of ledger.list(query)) {
    if (e.predicateType !== VSA_PREDICATE_TYPE) continue;
    let result = "UNKNOWN";
    let levels = "";
    const payload = Buffer.from(e.envelope.payload, "base64");
    try {
      const s = JSON.parse(payload.toString("utf8")) as { predicate?: { verificationResult?: string; verifiedLevels?: string[] } };
      result = s.predicate?.verificationResult ?? "UNKNOWN";
      levels = (s.predicate?.verifiedLevels ?? []).join(" ");
    } catch {
      // Kept as UNKNOWN: the verifier, not the summary, judges malformed entries.
    }
    rows.set(`${e.repo}\n${e.ref}\n${e.revision}`, [
      e.repo,
      e.ref,
      e.revision,
      e.recordedAt,
      result,
      levels,
      e.policyDigest ?? "",
      sha256Hex(payload),
      String(e.seq),
    ]);
  }
  await write(CSV_HEADER.map(csvCell).join(","));
  for (const r of rows.values()) await write(r.map(csvCell).join(","));
  return rows.size;
}
