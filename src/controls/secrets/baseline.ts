/**
 * The baseline file: fingerprints of findings a repository has accepted, each with a reason. It never holds a
 * secret or a plain hash of one (fingerprints are keyed HMACs) and no line number, so moving code keeps it valid.
 */
import { z } from "zod";
import type { SecretFinding } from "./types.js";

export const BASELINE_REASONS = ["false-positive", "test", "revoked"] as const;
export type BaselineReason = (typeof BASELINE_REASONS)[number];

const Entry = z
  .object({
    fingerprint: z.string().regex(/^[0-9a-f]{32}$/, { message: "a fingerprint is 32 lower-case hex digits" }),
    rule: z.string().min(1),
    path: z.string().min(1),
    reason: z.enum(BASELINE_REASONS),
    /** ISO date after which the entry no longer suppresses anything. */
    expires: z.iso.date().optional(),
    note: z.string().optional(),
  })
  .strict();

const BaselineFile = z.object({ version: z.literal(1), entries: z.array(Entry) }).strict();

export type BaselineEntry = z.output<typeof Entry>;

export interface Baseline {
  entries: BaselineEntry[];
  /** Fingerprints of the entries in force on the given date, for ScanOptions.baseline. */
  active(today?: Date): Set<string>;
}

/** Parse a baseline file (JSON). Errors name the file and the field, never a value from it. */
export function parseBaseline(text: string, source = "baseline"): Baseline {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    // JSON.parse quotes the input around the error; the file may hold anything, so say only where it failed.
    throw new Error(`${source}: not valid JSON`);
  }
  const parsed = BaselineFile.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`${source}: ${issue ? `${issue.path.join(".") || "(root)"}: ${describeIssue(issue)}` : "invalid baseline"}`);
  }
  const entries = parsed.data.entries;
  return {
    entries,
    active(today = new Date()) {
      const day = today.toISOString().slice(0, 10);
      return new Set(entries.filter((e) => e.expires === undefined || e.expires >= day).map((e) => e.fingerprint));
    },
  };
}

/** Zod names unknown keys in its message; a key could be a pasted secret, so those are described generically. */
function describeIssue(issue: z.core.$ZodIssue): string {
  if (issue.code === "unrecognized_keys") return "unknown field(s); allowed: version, entries (fingerprint, rule, path, reason, expires, note)";
  return issue.message;
}

/** Add findings to a baseline (kept sorted and free of duplicates, so diffs of the file stay small). */
export function addToBaseline(
  entries: readonly BaselineEntry[],
  findings: readonly SecretFinding[],
  reason: BaselineReason,
  expires?: string,
): BaselineEntry[] {
  const byFingerprint = new Map(entries.map((e) => [e.fingerprint, e]));
  for (const f of findings) {
    if (byFingerprint.has(f.fingerprint)) continue;
    byFingerprint.set(f.fingerprint, { fingerprint: f.fingerprint, rule: f.rule, path: f.path, reason, ...(expires ? { expires } : {}) });
  }
  return [...byFingerprint.values()].sort((a, b) => a.path.localeCompare(b.path) || a.rule.localeCompare(b.rule) || a.fingerprint.localeCompare(b.fingerprint));
}

export function formatBaseline(entries: readonly BaselineEntry[]): string {
  return `${JSON.stringify({ version: 1, entries }, null, 2)}\n`;
}
