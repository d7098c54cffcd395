/**
 * The attestation section of a check run: digests, the VSA result and levels, links to the app's
 * HTTP API, and the envelopes themselves when they fit the room left in the output text.
 */
import type { RecordResult } from "./record.js";

export interface CheckRunAttestationOptions {
  /** Base URL the app serves attestations under by digest, e.g. https://vouch.example/attestations. */
  attestationBaseUrl: string;
  /** Characters available for this section in the check run's text (GitHub allows 65,535 in all). */
  maxChars: number;
}

export function vsaSummary(r: RecordResult): { result: string; levels: string[] } {
  try {
    const st = JSON.parse(Buffer.from(r.vsa.envelope.payload, "base64").toString("utf8")) as {
      predicate?: { verificationResult?: string; verifiedLevels?: string[] };
    };
    return { result: st.predicate?.verificationResult ?? "UNKNOWN", levels: st.predicate?.verifiedLevels ?? [] };
  } catch {
    return { result: "UNKNOWN", levels: [] };
  }
}

/** Markdown for the check run; the envelopes are included only when the whole section fits in maxChars. */
export function checkRunAttestationSection(r: RecordResult, options: CheckRunAttestationOptions): string {
  const base = options.attestationBaseUrl.replace(/\/+$/, "");
  const { result, levels } = vsaSummary(r);
  const head = [
    "### Attestations",
    "",
    `SLSA Source VSA: **${result}**${levels.length ? ` — ${levels.map((l) => `\`${l}\``).join(", ")}` : ""}`,
    "",
    "| Attestation | sha256 of the statement | Ledger entry |",
    "|---|---|---|",
    `| [Source provenance](${base}/${r.provenance.sha256}) | \`${r.provenance.sha256}\` | #${r.provenance.seq} |`,
    `| [SLSA VSA](${base}/${r.vsa.sha256}) | \`${r.vsa.sha256}\` | #${r.vsa.seq} |`,
  ].join("\n");
  const full = `${head}\n\n<details><summary>DSSE envelopes</summary>\n\n\`\`\`json\n${JSON.stringify(r.provenance.envelope)}\n${JSON.stringify(r.vsa.envelope)}\n\`\`\`\n\n</details>\n`;
  if (full.length <= options.maxChars) return full;
  const linked = `${head}\n\nThe signed envelopes are too large for this check run; fetch them from the links above.\n`;
  return linked.length <= options.maxChars ? linked : linked.slice(0, Math.max(0, options.maxChars));
}
