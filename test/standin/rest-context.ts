// What every REST handler receives.
import type { Authenticator, AuthResult } from "./auth.js";
import type { Builders } from "./builders.js";
import type { HttpResult } from "./http.js";
import type { StandInState } from "./state.js";

export interface RestContext {
  method: string;
  /** Path below `/api/v3`, without the query. */
  path: string;
  /** The full URL the client asked for, for `Link` headers. */
  url: string;
  pathTemplate: string;
  params: Record<string, string>;
  query: URLSearchParams;
  body: unknown;
  auth: AuthResult;
  state: StandInState;
  build: Builders;
  authenticator: Authenticator;
  installationId: number;
}

export type RestHandler = (ctx: RestContext) => Promise<HttpResult> | HttpResult;

export function bodyObject(ctx: RestContext): Record<string, unknown> {
  return typeof ctx.body === "object" && ctx.body !== null && !Array.isArray(ctx.body) ? (ctx.body as Record<string, unknown>) : {};
}
