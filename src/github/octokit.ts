/**
 * The Octokit class every Probot client is built from.
 *
 * Probot 14's event clients (`context.octokit`) throttle with the plugin's default id, and the
 * throttling plugin keeps its limiters in module-global state keyed by that id: every write of
 * every installation would then queue in one lane at ≥1 s spacing. Keying the lane by
 * installation keeps GitHub's pacing advice per installation without serialising unrelated ones.
 * The FUNCTION form of `defaults` is required: the object form does not reach the throttle options.
 */
import { ProbotOctokit } from "probot";

export interface OctokitClassOptions {
  /** False only for test beds: no throttling and no retries, so tests neither wait nor repeat calls. */
  throttle: boolean;
}

interface ClientOptions {
  auth?: { installationId?: number | string } | undefined;
  throttle?: Record<string, unknown> | undefined;
  [key: string]: unknown;
}

/** The throttle lane for a client: one per installation; app-level (JWT) clients share one. */
export function throttleIdFor(options: { auth?: { installationId?: number | string } | undefined }): string {
  const installationId = options.auth?.installationId;
  return installationId !== undefined && installationId !== null && String(installationId) !== ""
    ? `installation-${String(installationId)}`
    : "app";
}

export function createOctokitClass(options: OctokitClassOptions): typeof ProbotOctokit {
  if (!options.throttle) {
    return ProbotOctokit.defaults((o: ClientOptions) => ({
      ...o,
      retry: { enabled: false },
      throttle: { enabled: false },
    }));
  }
  return ProbotOctokit.defaults((o: ClientOptions) => ({
    ...o,
    throttle: { ...o.throttle, id: throttleIdFor(o) },
  }));
}
