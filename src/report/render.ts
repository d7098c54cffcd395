/**
 * The verdict as a check run's output: a summary a maintainer can act on, details in `text`, and annotations.
 * Pure: no I/O, no clock. Everything user-controlled goes through `md()` before it reaches Markdown.
 */
import type { Verdict } from "../engine/evaluate.js";
import type { ControlId, ControlStatus, Finding } from "../engine/findings.js";
import type { PolicySource } from "../evidence/types.js";
import { type Annotation, annotationsFor } from "./annotations.js";
import { count, digest, link, md, row, sha } from "./markdown.js";
import { OUTPUT_LIMIT, truncate } from "./truncate.js";

export interface RenderContext {
  /** The repository the check run is on, as owner/name. */
  repository: string;
  /** Where the policy came from (repository, path, ref), in the order it was merged. */
  policySources: PolicySource[];
  /** The attestation recorded for this verdict, when there is one. */
  attestation?: { digest: string; url?: string };
  /** Most annotations to send; the rest are only in `text`. Defaults to MAX_ANNOTATIONS. */
  maxAnnotations?: number;
}

export interface CheckOutput {
  title: string;
  summary: string;
  text: string;
  annotations: Annotation[];
}

/** GitHub accepts many more, but past this a diff is unreadable; the full list is in `text`. */
export const MAX_ANNOTATIONS = 1_000;
/** Matched paths listed per namespace in `text`. */
const MAX_LISTED_PATHS = 50;

const CONTROL_ORDER: readonly ControlId[] = ["policy", "namespaces", "signatures", "review", "merge_queue", "secrets"];
const CONTROL_NAME: Record<ControlId, string> = {
  policy: "Policy",
  namespaces: "Protected refs",
  signatures: "Signed commits and tags",
  review: "Two-party review",
  merge_queue: "Merge queue",
  secrets: "Secret scanning",
};
const STATUS_LABEL: Record<ControlStatus, string> = { pass: "✅ pass", fail: "❌ fail", not_applicable: "➖ not applicable" };
const CONCLUSION_LABEL: Record<Verdict["conclusion"], string> = {
  success: "✅ Passed",
  failure: "❌ Failed",
  neutral: "⚪ Not evaluated",
};

/** A block of Markdown made of entries whose extent we track, so a cut can say how many findings it hid. */
class Builder {
  private text = "";
  private readonly ends: number[] = [];
  line(s = ""): void {
    this.text += `${s}\n`;
  }
  /** Adds one finding entry; its end (without the trailing newline) marks when it is completely shown. */
  entry(lines: readonly string[]): void {
    this.text += lines.join("\n");
    this.ends.push(this.text.length);
    this.text += "\n";
  }
  get value(): string {
    return this.text;
  }
  hiddenAt = (cut: number): number => this.ends.filter((end) => end > cut).length;
}

function where(f: Finding, ctx: RenderContext): string {
  const loc = f.location;
  const parts: string[] = [];
  if (loc?.path) {
    let at = md(loc.path);
    if (loc.line !== undefined) at += `:${loc.line}`;
    if (loc.line !== undefined && loc.column !== undefined) at += `:${loc.column}`;
    // A policy file that only another repository has (the organization baseline) is named with its repository.
    const same = (repo: string) => repo.toLowerCase() === ctx.repository.toLowerCase();
    const foreign = ctx.policySources.find((s) => s.path === loc.path && !same(s.repository));
    if (foreign && !ctx.policySources.some((s) => s.path === loc.path && same(s.repository))) {
      at += ` in ${md(foreign.repository)}`;
    }
    parts.push(at);
  }
  if (loc?.commit) parts.push(`commit ${sha(loc.commit)}`);
  if (loc?.ref) parts.push(`ref ${md(loc.ref)}`);
  if (f.namespace) parts.push(`namespace ${md(f.namespace)}`);
  return parts.join(" · ");
}

function findingEntry(f: Finding, n: number, ctx: RenderContext): string[] {
  const lines = [`${n}. **${md(f.code)}**: ${md(f.message)}`];
  const at = where(f, ctx);
  if (at) lines.push(`   - Where: ${at}`);
  lines.push(`   - Fix: ${md(f.remedy)}`);
  return lines;
}

/** Status of a control in this verdict: its result if it ran; failing if it has findings without a result. */
function controlRows(verdict: Verdict): string[] {
  const rows: string[] = [];
  for (const id of CONTROL_ORDER) {
    const result = verdict.controls.find((c) => c.control === id);
    const errors = verdict.findings.filter((f) => f.control === id && f.severity === "error").length;
    const warnings = verdict.findings.filter((f) => f.control === id && f.severity === "warning").length;
    // The merge queue only ever concerns merge groups: a row on every pull request would be noise.
    if (id === "merge_queue" && !result && errors === 0) continue;
    let status: ControlStatus;
    let line: string;
    if (result) {
      status = result.status;
      line = md(result.summary);
    } else if (errors > 0) {
      status = "fail";
      line = "Required by the policy but not judged.";
    } else {
      status = "not_applicable";
      line = verdict.policyDigest === null ? "No policy." : "Not required for this change.";
    }
    const tally = [errors > 0 ? count(errors, "error") : "", warnings > 0 ? count(warnings, "warning") : ""]
      .filter(Boolean)
      .join(", ");
    rows.push(row([CONTROL_NAME[id], STATUS_LABEL[status], tally ? `${line} (${tally})` : line]));
  }
  return rows;
}

function namespaceRows(verdict: Verdict): string[] {
  return verdict.namespaces.map((ns) => {
    const errors = verdict.findings.filter((f) => f.namespace === ns.name && f.severity === "error").length;
    const result = errors > 0 ? `❌ ${count(errors, "error")}` : "✅ no errors";
    const why = ns.reasons.length > 0 ? ns.reasons.map(md).join("; ") : "every change to this ref";
    return row([md(ns.name), result, why]);
  });
}

function footer(verdict: Verdict, ctx: RenderContext): string {
  const parts = [
    `policy ${verdict.policyDigest ? digest(verdict.policyDigest) : "none"}`,
    `observed ${md(verdict.observedAt)}`,
    `head ${sha(verdict.headSha, 40)} on ${md(verdict.ref)}`,
  ];
  if (ctx.attestation) {
    const shown = digest(ctx.attestation.digest);
    parts.push(`attestation ${ctx.attestation.url ? link(shown, ctx.attestation.url) : shown}`);
  }
  return `\n---\n<sub>${parts.join(" · ")}</sub>\n`;
}

function renderSummary(verdict: Verdict, ctx: RenderContext, annotationNote: string): string {
  const head: string[] = [`## ${CONCLUSION_LABEL[verdict.conclusion]}: ${md(verdict.title)}`, ""];
  if (verdict.conclusion === "neutral" && verdict.policyDigest === null && verdict.controls.length === 0) {
    head.push(
      "Vouch found no policy for this repository, so it judged nothing. Add `.github/vouch.yml` to the default " +
        "branch (or an organization baseline in the organization's `.github` repository) to protect it.",
      "",
    );
  }
  head.push("### Protected namespaces", "");
  if (verdict.namespaces.length === 0) head.push("This change touches no protected namespace.", "");
  else head.push(row(["Namespace", "Result", "Why it is touched"]), "|---|---|---|", ...namespaceRows(verdict), "");
  head.push("### Controls", "", row(["Control", "Result", "Summary"]), "|---|---|---|", ...controlRows(verdict), "");
  if (annotationNote) head.push(annotationNote, "");

  const body = new Builder();
  const errors = verdict.findings.filter((f) => f.severity === "error");
  const warnings = verdict.findings.filter((f) => f.severity === "warning");
  const notices = verdict.findings.length - errors.length - warnings.length;
  for (const [label, list] of [
    ["Errors", errors],
    ["Warnings", warnings],
  ] as const) {
    if (list.length === 0) continue;
    body.line(`### ${label} (${list.length.toLocaleString("en-US")})`);
    body.line();
    list.forEach((f, i) => body.entry(findingEntry(f, i + 1, ctx)));
    body.line();
  }
  if (notices > 0) body.line(`${count(notices, "notice")} in the details below.`);

  const top = head.join("\n") + "\n";
  const end = footer(verdict, ctx);
  const room = OUTPUT_LIMIT - top.length - end.length;
  // Keep the verdict, the tables and the footer whole; only the finding list gives way.
  if (room < 200) return truncate(top + body.value + end);
  return top + truncate(body.value, room, { hiddenFindings: body.hiddenAt }) + end;
}

function renderText(verdict: Verdict, ctx: RenderContext): string {
  const b = new Builder();
  b.line(`## Findings (${verdict.findings.length.toLocaleString("en-US")})`);
  b.line();
  if (verdict.findings.length === 0) b.line("None.");
  verdict.findings.forEach((f, i) => {
    const lines = findingEntry(f, i + 1, ctx);
    lines[0] = `${i + 1}. ${f.severity === "error" ? "❌" : f.severity === "warning" ? "⚠️" : "ℹ️"} ${f.severity}, ${md(f.control)}: **${md(f.code)}**: ${md(f.message)}`;
    b.entry(lines);
  });
  b.line();
  b.line("## Namespaces touched");
  b.line();
  if (verdict.namespaces.length === 0) b.line("None.");
  for (const ns of verdict.namespaces) {
    b.line(`### ${md(ns.name)}`);
    b.line();
    for (const reason of ns.reasons) b.line(`- Touched by ${md(reason)}`);
    if (ns.matchedPaths.length > 0) {
      const shown = ns.matchedPaths.slice(0, MAX_LISTED_PATHS).map(md).join(", ");
      const more = ns.matchedPaths.length - MAX_LISTED_PATHS;
      b.line(`- Files in it (${ns.matchedPaths.length.toLocaleString("en-US")}): ${shown}${more > 0 ? `, and ${more.toLocaleString("en-US")} more` : ""}`);
    }
    b.line();
  }
  b.line("## Policy sources");
  b.line();
  if (ctx.policySources.length === 0) b.line("None found.");
  for (const s of ctx.policySources) {
    b.line(`- ${md(s.repository)}: ${md(s.path)} at ${md(s.ref)}${s.sha ? ` (${sha(s.sha)})` : ""}`);
  }
  return truncate(b.value, OUTPUT_LIMIT, { hiddenFindings: b.hiddenAt });
}

/** Renders a verdict for the Checks API. Every string fits GitHub's limits; nothing here throws on large input. */
export function renderCheckOutput(verdict: Verdict, ctx: RenderContext): CheckOutput {
  const max = ctx.maxAnnotations ?? MAX_ANNOTATIONS;
  const all = annotationsFor(verdict.findings, ctx.repository, ctx.policySources);
  const annotations = all.slice(0, max);
  const annotationNote =
    all.length > annotations.length
      ? `> **Note:** ${all.length.toLocaleString("en-US")} findings point at lines; the first ` +
        `${annotations.length.toLocaleString("en-US")} are annotated, the rest are listed in the details.`
      : "";
  return {
    title: verdict.title.trim() || "Vouch",
    summary: renderSummary(verdict, ctx, annotationNote),
    text: renderText(verdict, ctx),
    annotations,
  };
}
