/**
 * A loggable description of a failed job's error. Errors from Probot carry the whole webhook
 * event (payload included) and Octokit errors carry requests; logging the error object would
 * leak them, so only names, messages and HTTP statuses are kept.
 */
export interface ErrorSummary {
  name: string;
  message: string;
  status?: number;
  causes?: ErrorSummary[];
}

const MAX_MESSAGE = 500;
const MAX_CAUSES = 5;

export function summariseError(error: unknown): ErrorSummary {
  if (!(error instanceof Error)) return { name: "NonError", message: clip(String(error)) };
  const summary: ErrorSummary = { name: error.name, message: clip(error.message) };
  const status = (error as { status?: unknown }).status;
  if (typeof status === "number") summary.status = status;
  if (error instanceof AggregateError && Array.isArray(error.errors)) {
    summary.causes = error.errors.slice(0, MAX_CAUSES).map((e) => summariseError(e));
  }
  return summary;
}

function clip(text: string): string {
  return text.length > MAX_MESSAGE ? `${text.slice(0, MAX_MESSAGE)}…` : text;
}
