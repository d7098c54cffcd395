/** Check-run annotations from findings: the line-level marks GitHub shows in a pull request's diff. */
import type { Finding, Severity } from "../engine/findings.js";
import type { PolicySource } from "../evidence/types.js";

/** One annotation as the Checks API takes it (snake_case on purpose: it is sent as is). */
export interface Annotation {
  path: string;
  start_line: number;
  end_line: number;
  /** Only when start_line === end_line: GitHub rejects columns on multi-line annotations. */
  start_column?: number;
  end_column?: number;
  annotation_level: "notice" | "warning" | "failure";
  message: string;
  title?: string;
}

/** GitHub's documented maximum for an annotation title. */
export const MAX_ANNOTATION_TITLE = 255;
/** GitHub allows 64 KB per message; a finding needs far less, and a bounded message keeps requests small. */
export const MAX_ANNOTATION_MESSAGE = 4_000;

const LEVEL: Record<Severity, Annotation["annotation_level"]> = { error: "failure", warning: "warning", notice: "notice" };

/** Cuts to `max` UTF-16 code units with an ellipsis, never leaving half a surrogate pair. */
export function clip(value: string, max: number): string {
  if (value.length <= max) return value;
  let end = max - 1;
  const last = value.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end -= 1;
  return `${value.slice(0, end)}…`;
}

function positiveInt(n: number | undefined): number | undefined {
  return n !== undefined && Number.isInteger(n) && n >= 1 ? n : undefined;
}

/**
 * A path in this repository, or null when the finding points into a file that only exists elsewhere: a policy
 * error in the organization baseline (`<org>/.github`) must not be drawn on a same-named file of this repository.
 */
function localPath(path: string, repository: string, policySources: readonly PolicySource[]): string | null {
  const clean = path.replace(/^(\.\/)+/, "").replace(/^\/+/, "");
  if (clean === "") return null;
  const sources = policySources.filter((s) => s.path.replace(/^\/+/, "") === clean);
  if (sources.length > 0 && !sources.some((s) => s.repository.toLowerCase() === repository.toLowerCase())) return null;
  return clean;
}

/** The annotation for one finding, or null when it has no place in this repository's files. */
export function annotationFor(
  finding: Finding,
  repository: string,
  policySources: readonly PolicySource[] = [],
): Annotation | null {
  const loc = finding.location;
  if (!loc?.path || loc.line === undefined) return null;
  const path = localPath(loc.path, repository, policySources);
  if (path === null) return null;
  // A nonsensical line still belongs to the file: mark its first line rather than drop the finding.
  const startLine = positiveInt(loc.line) ?? 1;
  const endLine = Math.max(startLine, positiveInt(loc.endLine) ?? startLine);
  const annotation: Annotation = {
    path,
    start_line: startLine,
    end_line: endLine,
    annotation_level: LEVEL[finding.severity],
    title: clip(`${finding.code}${finding.namespace ? ` (namespace ${finding.namespace})` : ""}`, MAX_ANNOTATION_TITLE),
    message: clip(
      [finding.message, loc.commit ? `Commit: ${loc.commit}` : "", `Fix: ${finding.remedy}`].filter(Boolean).join("\n\n"),
      MAX_ANNOTATION_MESSAGE,
    ),
  };
  const startColumn = positiveInt(loc.column);
  if (startLine === endLine && startColumn !== undefined) {
    annotation.start_column = startColumn;
    annotation.end_column = Math.max(startColumn, positiveInt(loc.endColumn) ?? startColumn);
  }
  return annotation;
}

/** Annotations for every locatable finding, in finding order (errors first). */
export function annotationsFor(
  findings: readonly Finding[],
  repository: string,
  policySources: readonly PolicySource[] = [],
): Annotation[] {
  const out: Annotation[] = [];
  for (const f of findings) {
    const a = annotationFor(f, repository, policySources);
    if (a) out.push(a);
  }
  return out;
}
