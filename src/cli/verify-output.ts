/** What `vouch verify` prints: one JSON object for the whole run, or a text block per range. */
import type { Verdict } from "../engine/evaluate.js";
import type { Finding } from "../engine/findings.js";
import type { Evidence, LoadedPolicy, SignatureEvidence, SignedObjectEvidence } from "../evidence/types.js";
import type { LocalRange } from "../evidence/local.js";

export interface RangeResult {
  range: LocalRange;
  signatures: SignatureEvidence;
  pass: boolean;
  /** The engine's verdict; null when there was no policy and only signatures were checked. */
  verdict: Verdict | null;
  /** What the verdict was judged on, for `--attest`. */
  judged?: { evidence: Evidence; policy: LoadedPolicy };
  /** Set by `--attest`: the recorded statements' sha256 digests and the VSA's levels. */
  attestation?: { provenance: string; vsa: string; levels: string[]; seq: number };
}

/** Why a local run cannot pass a namespace that needs approvals; said once so the failure is not a mystery. */
const NO_REVIEWS_NOTE =
  "A local clone has no pull-request reviews, so a namespace that requires approvals fails here (review.evidence_missing); the app judges approvals on the pull request.";

function hasReviewGap(results: readonly RangeResult[]): boolean {
  return results.some((r) => r.verdict?.findings.some((f) => f.code === "review.evidence_missing"));
}

function publicObject(o: SignedObjectEvidence) {
  return { id: o.id, type: o.type, signature: o.signature, signedBy: o.signedBy ?? null };
}

export function verifyJson(results: readonly RangeResult[]) {
  // An object named by two ranges is listed once, with its first verdict (same keys, same time).
  const seen = new Set<string>();
  const objects = results.flatMap((r) => r.signatures.objects).filter((o) => !seen.has(o.id) && seen.add(o.id));
  const notes = hasReviewGap(results) ? [NO_REVIEWS_NOTE] : [];
  return {
    verdict: results.every((r) => r.pass) ? "pass" : "fail",
    trustedAt: results[0]?.signatures.trustedAt ?? null,
    objects: objects.map(publicObject),
    findings: results.flatMap((r) => r.verdict?.findings ?? []),
    ranges: results.map(rangeJson),
    keys: results[0]?.signatures.keys ?? [],
    notes,
  };
}

function rangeJson(r: RangeResult) {
  const v = r.verdict;
  return {
    range: r.range.spec,
    verdict: r.pass ? "pass" : "fail",
    ...(r.attestation ? { attestation: r.attestation } : {}),
    mode: v ? "policy" : "signatures-only",
    base: r.range.base,
    head: r.range.head,
    objects: r.signatures.objects.map((o) => o.id),
    ref: v?.ref ?? null,
    title: v?.title ?? signaturesTitle(r.signatures),
    policyDigest: v?.policyDigest ?? null,
    observedAt: v?.observedAt ?? r.signatures.trustedAt,
    namespaces: v?.namespaces ?? [],
    controls: v ? v.controls.map((c) => ({ control: c.control, status: c.status, summary: c.summary })) : [],
    findings: v?.findings ?? [],
  };
}

function signaturesTitle(s: SignatureEvidence): string {
  const bad = s.objects.filter((o) => o.signature.status !== "valid").length;
  const n = s.objects.length;
  return bad === 0 ? `All ${n} commit${n === 1 ? "" : "s"}/tags validly signed` : `${bad} of ${n} commit${n === 1 ? "" : "s"}/tags without a valid signature`;
}

function objectLine(o: SignedObjectEvidence): string {
  const s = o.signature;
  const by = s.signer ? ` by ${s.signer}` : "";
  return `  ${s.status === "valid" ? "ok" : "BAD"} ${o.type} ${o.id.slice(0, 12)} ${s.status}${s.format ? ` (${s.format})` : ""}${by}: ${s.detail}`;
}

function findingLines(f: Finding): string[] {
  const where = f.location?.path ? ` ${f.location.path}${f.location.line ? `:${f.location.line}` : ""}` : f.location?.commit ? ` ${f.location.commit.slice(0, 12)}` : "";
  return [`  ${f.severity} ${f.code}${f.namespace ? ` [${f.namespace}]` : ""}${where}: ${f.message}`, `    fix: ${f.remedy}`];
}

function rangeText(r: RangeResult): string[] {
  const { range, verdict: v } = r;
  const span = `${range.base ? `${range.base.slice(0, 12)}..` : ""}${range.head.slice(0, 12)}`;
  const head = `${r.pass ? "PASS" : "FAIL"} ${range.spec} (${span})`;
  const lines: string[] = [];
  if (v) {
    lines.push(`${head} on ${v.ref}: ${v.title}`, `  policy ${v.policyDigest ?? "(none)"}`);
    if (v.namespaces.length === 0) lines.push("  no protected namespace touched");
    for (const ns of v.namespaces) lines.push(`  namespace ${ns.name}: ${ns.reasons.join("; ") || "always applies"}`);
  } else {
    lines.push(`${head}: ${signaturesTitle(r.signatures)}`, "  no policy: every commit and tag must be signed by a key from the given key files");
  }
  lines.push(`  signatures at ${r.signatures.trustedAt}:`);
  lines.push(...r.signatures.objects.map(objectLine));
  for (const f of v?.findings ?? []) lines.push(...findingLines(f));
  return lines;
}

export function verifyText(results: readonly RangeResult[]): string {
  const lines = results.flatMap(rangeText);
  if (hasReviewGap(results)) lines.push(`note: ${NO_REVIEWS_NOTE}`);
  return `${lines.join("\n")}\n`;
}
