/**
 * The ledger: an append-only, hash-chained record of every signed attestation, one chain per
 * repository. Two backends (SQLite, PostgreSQL) implement the same interface and the same
 * entry hashing, so an export from either verifies the same way.
 */
import type { Envelope } from "../attest/dsse.js";

/** `attestation` for evaluated revisions; `violation` for forbidden operations seen on pushes. */
export type EntryKind = "attestation" | "violation";

export interface LedgerEntryInput {
  /** The repository, owner/name: entries of one repository form one chain. */
  repo: string;
  ref: string;
  revision: string;
  policyDigest: string | null;
  /**
   * What was evaluated, stable across redeliveries and retries (e.g. `pull_request:42:<head>` or
   * `push:<before>..<after>`). With repo, revision, policy digest and predicate type it makes the
   * idempotency key: the same evaluation is recorded once.
   */
  evaluationKey: string;
  kind: EntryKind;
  /** The in-toto predicate type inside the envelope. */
  predicateType: string;
  /** ISO time the entry was recorded; the ledger fills it in when absent. */
  recordedAt?: string;
  envelope: Envelope;
}

export interface LedgerEntry extends Required<LedgerEntryInput> {
  chain: string;
  /** 1-based position in its chain. */
  seq: number;
  /** Hash of the previous entry in the chain; GENESIS_HASH for the first. */
  prevHash: string;
  hash: string;
}

export interface AppendResult {
  seq: number;
  hash: string;
  /** True when this evaluation was already recorded: nothing new was written. */
  duplicate: boolean;
}

export interface ListQuery {
  repo?: string;
  /** Inclusive lower bound on recordedAt (ISO). */
  since?: string;
  /** Exclusive upper bound on recordedAt (ISO). */
  until?: string;
  /** Stop each chain at this head (what a checkpoint saw), so an export is a consistent snapshot. */
  upTo?: ReadonlyMap<string, number>;
}

export interface ChainHead {
  chain: string;
  /** Entry count = seq of the head. */
  count: number;
  head: string;
}

export const CHECKPOINT_PAYLOAD_TYPE = "application/vnd.vouch.ledger-checkpoint+json";
export const CHECKPOINT_TYPE = "https://vouch.dev/ledger-checkpoint/v1";

export interface CheckpointBody {
  type: typeof CHECKPOINT_TYPE;
  createdAt: string;
  chains: ChainHead[];
}

export interface Checkpoint {
  body: CheckpointBody;
  envelope: Envelope;
}

export interface Ledger {
  /** Append one entry atomically; a repeat of an already recorded evaluation returns the original. */
  append(entry: LedgerEntryInput): Promise<AppendResult>;
  /** Append several entries in one transaction (e.g. a provenance and its VSA): all or none. */
  appendAll(entries: readonly LedgerEntryInput[]): Promise<AppendResult[]>;
  get(chain: string, seq: number): Promise<LedgerEntry | null>;
  /** Entries in chain order (chain, then seq), streamed. A time window yields a contiguous run per chain. */
  list(query?: ListQuery): AsyncIterable<LedgerEntry>;
  head(chain: string): Promise<ChainHead | null>;
  heads(): Promise<ChainHead[]>;
  /** The entry whose statement bytes (decoded payload) have this sha256 hex: what the HTTP API serves by digest. */
  byDigest(sha256: string): Promise<LedgerEntry | null>;
  /** The most recent entry of a predicate type for a repository and ref (the previous attestation). */
  latest(repo: string, ref: string, predicateType: string): Promise<LedgerEntry | null>;
  /** Sign and store a checkpoint of every chain's count and head hash. */
  checkpoint(): Promise<Checkpoint>;
  close(): Promise<void>;
}

export class LedgerError extends Error {
  override name = "LedgerError";
}
