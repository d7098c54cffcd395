/**
 * The webhook ingress: authenticate a delivery, hand it to the queue, answer 202 at once.
 *
 * Probot's own middleware is not used because it logs the whole (attacker-supplied) payload when
 * a signature fails and does not support a second secret during rotation. Nothing from the body
 * is logged here, on any path.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Logger } from "pino";
import { QueueClosedError, QueueFullError } from "../queue/in-process.js";
import { summariseError } from "../queue/error-summary.js";
import type { JobQueue } from "../queue/types.js";
import type { RejectReason, VouchMetrics } from "../observability/metrics.js";
import { nestsDeeperThan } from "./json-depth.js";
import { readBody } from "./read-body.js";
import { decodeBody, verifySignature } from "./signature.js";
import { sendJson } from "./send-json.js";

/** GitHub caps webhook payloads at 25 MB and does not deliver larger ones. */
export const MAX_WEBHOOK_BODY_BYTES = 25 * 1024 * 1024;
/** GitHub's payloads nest about 7 levels deep; far deeper ones would overflow the stack downstream (json-depth.ts). */
export const MAX_PAYLOAD_DEPTH = 64;

export interface WebhookIngressOptions {
  /** Current secret first, then the previous one while it is being retired. */
  secrets: readonly string[];
  queue: JobQueue;
  log: Pick<Logger, "info" | "warn" | "error">;
  maxBodyBytes?: number;
  /** Counts deliveries received, accepted and rejected (by reason). */
  metrics?: Pick<VouchMetrics, "deliveryReceived" | "deliveryAccepted" | "deliveryRejected">;
}

export type WebhookIngress = (req: IncomingMessage, res: ServerResponse) => Promise<void>;

const EVENT_NAME = /^[a-z_]{1,64}$/;
const DELIVERY_ID = /^[A-Za-z0-9-]{1,100}$/;

export function createWebhookIngress(options: WebhookIngressOptions): WebhookIngress {
  const secrets = options.secrets.filter((s) => s.length > 0);
  if (secrets.length === 0) throw new Error("the webhook ingress needs at least one secret");
  const limit = options.maxBodyBytes ?? MAX_WEBHOOK_BODY_BYTES;
  const log = options.log;
  const metrics = options.metrics;

  return async (req, res) => {
    const event = header(req, "x-github-event");
    const deliveryHeader = header(req, "x-github-delivery");
    const signature = header(req, "x-hub-signature-256");
    // Only well-formed ids reach the log, so a crafted header cannot forge log lines.
    const deliveryId = deliveryHeader !== undefined && DELIVERY_ID.test(deliveryHeader) ? deliveryHeader : undefined;
    metrics?.deliveryReceived(event);
    const reject = (reason: RejectReason, status: number, message: string, forceClose = false): void => {
      metrics?.deliveryRejected(reason, event);
      sendJson(res, status, { error: message }, forceClose || !req.complete);
    };

    if (event === undefined || deliveryHeader === undefined || signature === undefined) {
      const missing = [
        event === undefined ? "X-GitHub-Event" : undefined,
        deliveryHeader === undefined ? "X-GitHub-Delivery" : undefined,
        signature === undefined ? "X-Hub-Signature-256" : undefined,
      ].filter((h): h is string => h !== undefined);
      log.warn({ deliveryId, missing }, "webhook rejected: required headers missing");
      return reject("missing_headers", 400, `missing required header(s): ${missing.join(", ")}`);
    }
    if (!EVENT_NAME.test(event) || deliveryId === undefined) {
      log.warn({ deliveryId }, "webhook rejected: malformed X-GitHub-Event or X-GitHub-Delivery");
      return reject("malformed_headers", 400, "malformed X-GitHub-Event or X-GitHub-Delivery header");
    }
    const contentType = (header(req, "content-type") ?? "").split(";")[0]?.trim().toLowerCase();
    if (contentType !== "application/json") {
      log.warn({ deliveryId, event }, "webhook rejected: content type is not application/json");
      return reject("unsupported_media_type", 415, "content type must be application/json");
    }

    const read = await readBody(req, limit);
    if (read.kind === "too_large") {
      log.warn({ deliveryId, event, limitBytes: limit }, "webhook rejected: body too large");
      return reject("too_large", 413, `body exceeds ${limit} bytes`, true);
    }
    if (read.kind === "aborted") {
      log.warn({ deliveryId, event }, "webhook aborted by the client");
      metrics?.deliveryRejected("aborted", event);
      res.destroy();
      return;
    }

    const text = decodeBody(read.body);
    if (text === undefined || !(await verifySignature(secrets, text, signature))) {
      log.warn({ deliveryId, event }, "webhook rejected: signature does not match");
      return reject("bad_signature", 401, "signature does not match");
    }

    let payload: unknown;
    try {
      payload = JSON.parse(text);
    } catch {
      log.warn({ deliveryId, event }, "webhook rejected: body is not valid JSON");
      return reject("invalid_json", 400, "body is not valid JSON");
    }
    if (payload === null || typeof payload !== "object" || Array.isArray(payload)) {
      log.warn({ deliveryId, event }, "webhook rejected: body is not a JSON object");
      return reject("not_an_object", 400, "body is not a JSON object");
    }
    if (nestsDeeperThan(payload, MAX_PAYLOAD_DEPTH)) {
      log.warn({ deliveryId, event, limit: MAX_PAYLOAD_DEPTH }, "webhook rejected: body nests too deeply");
      return reject("too_deep", 400, `body nests deeper than ${MAX_PAYLOAD_DEPTH} levels`);
    }

    let outcome: "queued" | "duplicate";
    try {
      outcome = await options.queue.enqueue({ id: deliveryId, name: event, payload, acceptedAt: Date.now() });
    } catch (error) {
      // 503 shows as a failed delivery on GitHub, which can then be redelivered.
      const busy = error instanceof QueueFullError || error instanceof QueueClosedError;
      log.error({ deliveryId, event, error: summariseError(error) }, "webhook not queued");
      return reject("queue_unavailable", 503, busy ? "not accepting deliveries right now" : "could not queue the delivery");
    }
    const p = payload as { action?: unknown; installation?: { id?: unknown } };
    log.info(
      {
        deliveryId,
        event,
        action: typeof p.action === "string" ? p.action.slice(0, 64) : undefined,
        installationId: typeof p.installation?.id === "number" ? p.installation.id : undefined,
        outcome,
      },
      outcome === "queued" ? "webhook accepted" : "webhook accepted: duplicate delivery ignored",
    );
    metrics?.deliveryAccepted(event, outcome);
    sendJson(res, 202, { status: outcome });
  };
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  const first = Array.isArray(value) ? value[0] : value;
  return first === undefined || first === "" ? undefined : first;
}

