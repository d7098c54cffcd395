/**
 * The app's audit HTTP API:
 *   GET /.well-known/vouch/keys.pem   the public keys valid for verification (PEM), for anyone;
 *   GET /attestations/<sha256>        the DSSE envelope whose statement bytes have that digest;
 *   GET /audit/export?repo=&since=&until=&format=jsonl|csv
 *                                     the auditor's export, streamed, behind a bearer token scoped
 *                                     to organizations (VOUCH_AUDIT_TOKENS holds only token hashes).
 * Tokens are never logged; the log names the token's scope instead.
 */
import { createHash, timingSafeEqual } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Logger } from "pino";
import type { AuditTokenScope } from "../config.js";
import type { KeyRing } from "../keys/keyring.js";
import { exportCsv, exportJsonl } from "../ledger/export.js";
import type { Ledger, LedgerEntry, ListQuery } from "../ledger/types.js";

export interface AuditRoutesOptions {
  ledger: Ledger;
  keys: Pick<KeyRing, "signer" | "publicKeysPem">;
  tokens: readonly AuditTokenScope[];
  log: Pick<Logger, "info">;
}

/** Serves the request and resolves when done, or returns null when the path is not an audit route. */
export type AuditHandler = (req: IncomingMessage, res: ServerResponse) => Promise<void> | null;

export const KEYS_PATH = "/.well-known/vouch/keys.pem";
const ATTESTATION = /^\/attestations\/([^/]*)$/;
const DIGEST = /^(?:sha256:)?([0-9a-f]{64})$/;
const REPO = /^([A-Za-z0-9][A-Za-z0-9-]{0,38})\/[A-Za-z0-9._-]{1,100}$/;
const ISO = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/;

function send(res: ServerResponse, status: number, type: string, body: string, extra: Record<string, string> = {}): void {
  res.writeHead(status, { "content-type": type, "content-length": Buffer.byteLength(body), ...extra }).end(body);
}

function error(res: ServerResponse, status: number, message: string, extra: Record<string, string> = {}): void {
  send(res, status, "application/json; charset=utf-8", JSON.stringify({ error: message }), extra);
}

/** The scope of the presented token, or null. Every configured hash is compared, in constant time. */
export function authorize(header: string | undefined, tokens: readonly AuditTokenScope[]): AuditTokenScope | null {
  const m = /^Bearer[ ]+([\x21-\x7e]+)[ ]*$/i.exec(header ?? "");
  if (!m) return null;
  const presented = createHash("sha256").update(m[1]!, "utf8").digest();
  let found: AuditTokenScope | null = null;
  for (const t of tokens) {
    // No early exit: the time taken does not tell which entry matched.
    if (t.sha256.length === presented.length && timingSafeEqual(t.sha256, presented) && found === null) found = t;
  }
  return found;
}

const allOrgs = (scope: AuditTokenScope) => scope.orgs.includes("*");
const ownerOf = (chain: string) => (chain.split("/")[0] ?? "").toLowerCase();

/**
 * The ledger as a token sees it: listing without a repository yields only the chains of the
 * token's organizations, so an export's checkpoint covers exactly what was exported.
 */
function scopedLedger(ledger: Ledger, scope: AuditTokenScope): Ledger {
  const visible = (chain: string) => allOrgs(scope) || scope.orgs.includes(ownerOf(chain));
  return {
    append: (e) => ledger.append(e),
    appendAll: (e) => ledger.appendAll(e),
    get: (c, s) => ledger.get(c, s),
    head: (c) => ledger.head(c),
    heads: async () => (await ledger.heads()).filter((h) => visible(h.chain)),
    byDigest: (d) => ledger.byDigest(d),
    latest: (r, ref, t) => ledger.latest(r, ref, t),
    checkpoint: () => ledger.checkpoint(),
    close: () => ledger.close(),
    async *list(query: ListQuery = {}): AsyncIterable<LedgerEntry> {
      if (query.repo !== undefined) {
        if (visible(query.repo)) yield* ledger.list(query);
        return;
      }
      for (const h of await ledger.heads()) {
        if (visible(h.chain)) yield* ledger.list({ ...query, repo: h.chain });
      }
    },
  };
}

function instant(text: string | null): string | undefined | Error {
  if (text === null || text === "") return undefined;
  const at = new Date(/^\d{4}-\d{2}-\d{2}$/.test(text) ? `${text}T00:00:00Z` : text);
  return ISO.test(text) && !Number.isNaN(at.getTime()) ? at.toISOString() : new Error("not an ISO 8601 date or time");
}

/** Writes honouring back-pressure; a client that goes away ends the export instead of buffering it. */
function lineWriter(res: ServerResponse, head: () => void): (line: string) => Promise<void> {
  return async (line) => {
    if (res.destroyed) throw new ClientGone();
    if (!res.headersSent) head();
    if (!res.write(`${line}\n`)) {
      await new Promise<void>((resolve) => {
        const done = () => {
          res.off("drain", done);
          res.off("close", done);
          resolve();
        };
        res.on("drain", done);
        res.on("close", done);
      });
    }
  };
}

class ClientGone extends Error {}

async function serveExport(req: IncomingMessage, res: ServerResponse, url: URL, options: AuditRoutesOptions): Promise<void> {
  const challenge = { "www-authenticate": 'Bearer realm="vouch-audit"' };
  if (!req.headers.authorization) return error(res, 401, "a bearer token is required", challenge);
  const scope = authorize(req.headers.authorization, options.tokens);
  if (!scope) return error(res, 401, "the token is not valid", { "www-authenticate": 'Bearer realm="vouch-audit", error="invalid_token"' });

  const q = url.searchParams;
  const repo = q.get("repo") || undefined;
  const format = q.get("format") || "jsonl";
  const since = instant(q.get("since"));
  const until = instant(q.get("until"));
  if (repo !== undefined && !REPO.test(repo)) return error(res, 400, "repo must be OWNER/NAME");
  if (format !== "jsonl" && format !== "csv") return error(res, 400, "format must be jsonl or csv");
  if (since instanceof Error) return error(res, 400, `since: ${since.message}`);
  if (until instanceof Error) return error(res, 400, `until: ${until.message}`);
  if (since !== undefined && until !== undefined && since >= until) return error(res, 400, "since must be before until");
  if (repo !== undefined && !allOrgs(scope) && !scope.orgs.includes(ownerOf(repo))) {
    return error(res, 403, "the token is not valid for this repository's organization");
  }

  const query: Pick<ListQuery, "repo" | "since" | "until"> = {};
  if (repo !== undefined) query.repo = repo;
  if (since !== undefined) query.since = since;
  if (until !== undefined) query.until = until;
  const ledger = scopedLedger(options.ledger, scope);
  const write = lineWriter(res, () =>
    res.writeHead(200, {
      "content-type": format === "csv" ? "text/csv; charset=utf-8" : "application/jsonl; charset=utf-8",
      "content-disposition": `attachment; filename="vouch-export.${format === "csv" ? "csv" : "intoto.jsonl"}"`,
      "cache-control": "no-store",
    }),
  );
  let lines = 0;
  const counted = async (line: string) => {
    lines++;
    await write(line);
  };
  try {
    if (format === "csv") await exportCsv(ledger, query, counted);
    else await exportJsonl(ledger, { ...query, signer: options.keys.signer }, counted);
  } catch (e) {
    if (e instanceof ClientGone) return;
    throw e;
  }
  res.end();
  options.log.info({ orgs: scope.orgs, repo: repo ?? null, since: since ?? null, until: until ?? null, format, lines }, "audit export served");
}

export function createAuditRoutes(options: AuditRoutesOptions): AuditHandler {
  return (req, res) => {
    const url = new URL(req.url ?? "/", "http://vouch.invalid");
    const path = url.pathname;
    const isGet = req.method === "GET" || req.method === "HEAD";
    const ours = path === KEYS_PATH || path === "/audit/export" || ATTESTATION.test(path);
    if (!ours) return null;
    if (!isGet) {
      // An unread request body would otherwise be parsed as the next request on this connection.
      error(res, 405, "method not allowed", { allow: "GET, HEAD", ...(req.complete ? {} : { connection: "close" }) });
      return Promise.resolve();
    }
    if (path === KEYS_PATH) {
      const pem = options.keys.publicKeysPem();
      res.writeHead(200, { "content-type": "application/x-pem-file", "content-length": Buffer.byteLength(pem), "cache-control": "public, max-age=300" });
      res.end(req.method === "HEAD" ? undefined : pem);
      return Promise.resolve();
    }
    if (path === "/audit/export") return serveExport(req, res, url, options);
    const digest = DIGEST.exec(ATTESTATION.exec(path)![1]!);
    if (!digest) {
      error(res, 400, "the attestation digest must be 64 lowercase hex digits (sha256)");
      return Promise.resolve();
    }
    return options.ledger.byDigest(digest[1]!).then((entry) => {
      if (!entry) return error(res, 404, "no attestation with this digest");
      const { payloadType, payload, signatures } = entry.envelope;
      send(res, 200, "application/json; charset=utf-8", JSON.stringify({ payloadType, payload, signatures }), { "cache-control": "public, max-age=86400, immutable" });
    });
  };
}
