// REST dispatcher: route by GitHub's path templates, authenticate like GitHub, refuse request
// bodies that violate GitHub's schema (so end-to-end tests catch contract bugs), then answer.
import { matchOperation, validateRequestBody } from "../helpers/openapi.js";
import type { AuthResult } from "./auth.js";
import { appHandlers } from "./rest-app.js";
import { checkHandlers } from "./rest-checks.js";
import { peopleHandlers } from "./rest-people.js";
import { repoHandlers } from "./rest-repos.js";
import type { RestContext, RestHandler } from "./rest-context.js";
import { notFound, unauthorized, unprocessable, type HttpResult } from "./http.js";

const handlers: Record<string, RestHandler> = { ...appHandlers, ...repoHandlers, ...checkHandlers, ...peopleHandlers };

/** Operations GitHub authenticates with the app's JWT rather than an installation token. */
function needsJwt(pathTemplate: string): boolean {
  return pathTemplate === "/app" || pathTemplate.startsWith("/app/") || pathTemplate === "/repos/{owner}/{repo}/installation";
}

export type RestRequest = Omit<RestContext, "pathTemplate" | "params" | "auth"> & { authorization: string | undefined };

export async function handleRest(req: RestRequest): Promise<HttpResult> {
  const match = matchOperation(req.method, req.path);
  const handler = match ? handlers[`${req.method} ${match.pathTemplate}`] : undefined;
  if (!match || !handler) return notFound();
  const auth: AuthResult = needsJwt(match.pathTemplate)
    ? req.authenticator.verifyJwt(req.authorization)
    : req.authenticator.verifyToken(req.authorization);
  if (!auth.ok) return unauthorized(auth.message);
  const errors = validateRequestBody(req.method, match.pathTemplate, req.body);
  if (errors.length > 0) {
    return unprocessable(
      `Invalid request.\n\n${errors.join("\n")}`,
      errors.map((message) => ({ resource: match.pathTemplate, code: "invalid", message })),
    );
  }
  return handler({ ...req, pathTemplate: match.pathTemplate, params: match.params, auth });
}
