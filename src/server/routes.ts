/**
 * The HTTP surface of a registered app: the webhook ingress (not in worker processes), the health,
 * readiness and metrics routes of health-routes.ts, and (when given) the audit API of
 * audit-routes.ts. Nothing else.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Logger } from "pino";
import { summariseError } from "../queue/error-summary.js";
import type { WebhookIngress } from "../ingress/webhook.js";
import type { AuditHandler } from "./audit-routes.js";
import type { HealthHandler } from "./health-routes.js";
import { sendJson } from "../ingress/send-json.js";

export interface RouteOptions {
  webhookPath: string;
  /** Absent in worker processes: they take no deliveries. */
  ingress?: WebhookIngress;
  log: Pick<Logger, "error">;
  /** Public keys, attestations by digest and the token-protected export. */
  audit?: AuditHandler;
  /** /healthz, /readyz and /metrics; without it /healthz alone answers, always 200. */
  health?: HealthHandler;
}

export type RequestListener = (req: IncomingMessage, res: ServerResponse) => void;

export function createRequestListener(options: RouteOptions): RequestListener {
  return (req, res) => {
    const path = (req.url ?? "/").split("?")[0];
    let work: Promise<void> | undefined;
    // The registration flow points the app's webhook at the server root, so "/" is accepted too.
    if (options.ingress && (path === options.webhookPath || path === "/") && req.method === "POST") {
      work = options.ingress(req, res);
    } else if (options.health && (work = options.health(req, res) ?? undefined) !== undefined) {
      // Served by the health routes.
    } else if (path === "/healthz" && (req.method === "GET" || req.method === "HEAD")) {
      sendJson(res, 200, { ok: true });
    } else if (options.audit && (work = options.audit(req, res) ?? undefined) !== undefined) {
      // Served by the audit API.
    } else {
      sendJson(res, 404, { error: "not found" }, !req.complete);
    }
    // A fault in a handler answers 500 and is logged without the request; it never ends the process.
    void Promise.resolve(work).catch((error: unknown) => {
      options.log.error({ error: summariseError(error), path }, "request failed");
      if (!res.headersSent) sendJson(res, 500, { error: "internal error" }, true);
      else res.destroy();
    });
  };
}
