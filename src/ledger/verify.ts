/**
 * Offline verification of an `.intoto.jsonl` export, trusting only the given public keys:
 * every envelope's signature, every entry's hash, each chain's continuity (no gap, no reorder,
 * no edit, no foreign line), the statement's subject against the entry, each provenance's link to
 * the previous provenance of its ref, and the final signed checkpoint against what the file holds. Every failure names its 1-based line.
 */
import type { KeyObject } from "node:crypto";
import { sha256Hex, verifyEnvelope } from "../attest/dsse.js";
import { PROVENANCE_PREDICATE_TYPE } from "../attest/provenance.js";
import { parseStatement } from "../attest/statement.js";
import { entryHash } from "./hash.js";
import { EXPORT_CHECKPOINT_TYPE, type ExportCheckpointBody } from "./export.js";
import { CHECKPOINT_PAYLOAD_TYPE, type LedgerEntry } from "./types.js";

export interface VerifyFailure {
  line: number;
  message: string;
}

export interface VerifiedEntry {
  line: number;
  chain: string;
  seq: number;
  repo: string;
  ref: string;
  revision: string;
  predicateType: string;
  keyId: string;
  /** The verified statement. */
  statement: { predicateType: string; predicate: Record<string, unknown> };
}

export interface VerifyReport {
  ok: boolean;
  entries: number;
  failures: VerifyFailure[];
  /** Chains seen, with their last verified seq. */
  chains: Map<string, { firstLine: number; fromSeq: number; fromPrevHash: string; toSeq: number; toHash: string }>;
}

export interface VerifyOptions {
  /** Called for every entry that verified, e.g. to re-check commits against a clone. */
  onEntry?: (e: VerifiedEntry) => void | Promise<void>;
  /** Stop collecting after this many failures (the count keeps going). */
  maxFailures?: number;
}

const HEX64 = /^[0-9a-f]{64}$/;

function entryFields(v: unknown): Omit<LedgerEntry, "envelope"> | string {
  if (typeof v !== "object" || v === null) return "the line has no `vouch` ledger links";
  const o = v as Record<string, unknown>;
  const str = (k: string) => typeof o[k] === "string";
  for (const k of ["chain", "prevHash", "hash", "repo", "ref", "revision", "evaluationKey", "kind", "predicateType", "recordedAt"]) {
    if (!str(k)) return `ledger link \`${k}\` is missing or not a string`;
  }
  if (!Number.isSafeInteger(o.seq) || (o.seq as number) < 1) return "ledger link `seq` is not a positive integer";
  if (o.policyDigest !== null && typeof o.policyDigest !== "string") return "ledger link `policyDigest` is not a string or null";
  if (!HEX64.test(o.hash as string) || !HEX64.test(o.prevHash as string)) return "ledger hashes are not 64 hex digits";
  return o as unknown as Omit<LedgerEntry, "envelope">;
}

/** Verify the export's lines (without newlines). Accepts any iterable so large files stream. */
export async function verifyExport(
  lines: AsyncIterable<string> | Iterable<string>,
  trusted: ReadonlyMap<string, KeyObject>,
  options: VerifyOptions = {},
): Promise<VerifyReport> {
  const failures: VerifyFailure[] = [];
  let failureCount = 0;
  const fail = (line: number, message: string) => {
    failureCount++;
    if (failures.length < (options.maxFailures ?? 1000)) failures.push({ line, message });
  };
  const chains: VerifyReport["chains"] = new Map();
  let checkpoint: { line: number; body: ExportCheckpointBody } | null = null;
  let lineNo = 0;
  let entries = 0;
  let lastNonEmpty = 0;
  // Per repository and ref: the last provenance seen, so each one's continuity.previous can be checked.
  const lastProvenance = new Map<string, { sha256: string; revision: string }>();

  for await (const raw of lines) {
    lineNo++;
    if (raw.trim() === "") continue;
    lastNonEmpty = lineNo;
    if (checkpoint) fail(lineNo, `line follows the export checkpoint on line ${checkpoint.line}; the checkpoint must be last`);
    let json: unknown;
    try {
      json = JSON.parse(raw);
    } catch {
      fail(lineNo, "not valid JSON");
      continue;
    }
    const verified = verifyEnvelope(json, trusted, { requireKeyId: true });
    if (!verified.ok) {
      fail(lineNo, `signature: ${verified.reason}`);
      continue;
    }
    if (verified.payloadType === CHECKPOINT_PAYLOAD_TYPE) {
      let body: ExportCheckpointBody;
      try {
        body = JSON.parse(verified.payload.toString("utf8")) as ExportCheckpointBody;
      } catch {
        fail(lineNo, "checkpoint payload is not JSON");
        continue;
      }
      if (body.type !== EXPORT_CHECKPOINT_TYPE || !Array.isArray(body.chains)) {
        fail(lineNo, "not an export checkpoint");
        continue;
      }
      checkpoint = { line: lineNo, body };
      continue;
    }
    const fields = entryFields((json as { vouch?: unknown }).vouch);
    if (typeof fields === "string") {
      fail(lineNo, fields);
      continue;
    }
    const e = json as { payloadType: string; payload: string; signatures: LedgerEntry["envelope"]["signatures"] };
    const recomputed = entryHash({ ...fields, envelope: { payloadType: e.payloadType, payload: e.payload, signatures: e.signatures } });
    if (recomputed !== fields.hash) {
      fail(lineNo, `entry ${fields.chain}#${fields.seq}: hash does not match its contents (the line was edited)`);
      continue;
    }
    const state = chains.get(fields.chain);
    if (!state) {
      chains.set(fields.chain, { firstLine: lineNo, fromSeq: fields.seq, fromPrevHash: fields.prevHash, toSeq: fields.seq, toHash: fields.hash });
    } else {
      if (fields.seq <= state.toSeq) {
        fail(lineNo, `entry ${fields.chain}#${fields.seq} is out of order: it comes after #${state.toSeq}`);
        continue;
      }
      if (fields.seq !== state.toSeq + 1) {
        fail(lineNo, `gap in chain ${fields.chain}: #${fields.seq} follows #${state.toSeq}; ${fields.seq - state.toSeq - 1} entr${fields.seq - state.toSeq - 1 === 1 ? "y is" : "ies are"} missing`);
      } else if (fields.prevHash !== state.toHash) {
        fail(lineNo, `entry ${fields.chain}#${fields.seq} does not link to #${state.toSeq}: prevHash differs`);
      }
      state.toSeq = fields.seq;
      state.toHash = fields.hash;
    }
    const parsed = parseStatement(verified.payload);
    if (!parsed.ok) {
      fail(lineNo, parsed.reason);
      continue;
    }
    const st = parsed.statement;
    if (st.predicateType !== fields.predicateType) fail(lineNo, `statement predicateType ${st.predicateType} differs from the entry's ${fields.predicateType}`);
    if (!st.subject.some((s) => s.digest.gitCommit === fields.revision)) fail(lineNo, `statement subject is not revision ${fields.revision}`);
    if (st.predicateType === PROVENANCE_PREDICATE_TYPE) {
      const key = `${fields.repo}\n${fields.ref}`;
      const prior = lastProvenance.get(key);
      const previous = (st.predicate as { continuity?: { previous?: { digest?: string; revision?: string } | null } }).continuity?.previous;
      // Only checkable when the export holds the prior provenance; a slice's first one links outside it.
      if (prior && previous?.digest !== `sha256:${prior.sha256}`) {
        fail(lineNo, `provenance for ${fields.ref} does not name the previous provenance of that ref (${prior.revision.slice(0, 12)}) as its predecessor`);
      }
      lastProvenance.set(key, { sha256: sha256Hex(verified.payload), revision: fields.revision });
    }
    entries++;
    await options.onEntry?.({
      line: lineNo,
      chain: fields.chain,
      seq: fields.seq,
      repo: fields.repo,
      ref: fields.ref,
      revision: fields.revision,
      predicateType: fields.predicateType,
      keyId: verified.keyId,
      statement: { predicateType: st.predicateType, predicate: st.predicate },
    });
  }

  if (!checkpoint) {
    fail(lastNonEmpty || 1, "the export has no signed checkpoint as its last line (truncated?)");
  } else {
    const cp = checkpoint;
    if (cp.body.entries !== entries && failureCount === 0) {
      fail(cp.line, `checkpoint counts ${cp.body.entries} entries, the file holds ${entries}`);
    }
    const listed = new Set<string>();
    for (const c of cp.body.chains) {
      listed.add(c.chain);
      const s = chains.get(c.chain);
      if (!s) {
        fail(cp.line, `checkpoint lists chain ${c.chain} (#${c.fromSeq}..#${c.toSeq}) but the file has none of its entries`);
        continue;
      }
      if (s.fromSeq !== c.fromSeq || s.fromPrevHash !== c.fromPrevHash) {
        fail(s.firstLine, `chain ${c.chain} starts at #${s.fromSeq} here but the checkpoint says #${c.fromSeq}: entries before line ${s.firstLine} are missing or replaced`);
      }
      if (s.toSeq !== c.toSeq || s.toHash !== c.toHash) {
        fail(cp.line, `chain ${c.chain} ends at #${s.toSeq} in the file but the checkpoint says #${c.toSeq}: entries were removed or added`);
      }
      if (c.toSeq === c.count && c.toHash !== c.head) fail(cp.line, `chain ${c.chain}: the exported head differs from the ledger head`);
    }
    for (const [chain, s] of chains) {
      if (!listed.has(chain)) fail(s.firstLine, `chain ${chain} is not in the checkpoint`);
    }
  }
  // Report in file order: findings made at the checkpoint about earlier lines slot in where they belong.
  failures.sort((a, b) => a.line - b.line);
  return { ok: failureCount === 0, entries, failures, chains };
}
