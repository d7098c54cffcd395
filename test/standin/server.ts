// The stand-in's HTTP server: routes GitHub Enterprise Server style URLs (`/api/v3`, `/api/graphql`,
// smart-HTTP git) to handlers, logs every request, and injects faults on demand.
import { createServer, STATUS_CODES, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Authenticator } from "./auth.js";
import { Builders, type AppInfo } from "./builders.js";
import { handleGit, isGitPath } from "./git-http.js";
import { handleGraphql } from "./graphql.js";
import { badRequest, DOCS, notFound, type HttpResult } from "./http.js";
import { handleRest } from "./rest.js";
import type { RequestLogEntry, StandInState } from "./state.js";

export interface FailureRule {
  method?: string;
  /** Matched against the request path, e.g. `/api/v3/repos/` or `/api/graphql`. */
  pathPrefix?: string;
  /** The answer's status (default 500); ignored with `hangMs` or `delayMs`. */
  status?: number;
  /**
   * Instead of answering, hold the request this long and then drop the connection, without
   * processing it: a GitHub that does not answer, as a client with a shorter timeout sees it.
   */
  hangMs?: number;
  /** Hold the request this long, then answer it normally: a slow GitHub. */
  delayMs?: number;
  headers?: Record<string, string>;
  body?: unknown;
  /** How many matching requests fail; default 1. */
  count?: number;
}

/** Request bodies above this are refused rather than buffered (git pushes stream and are exempt). */
const MAX_BODY = 64 * 1024 * 1024;
const HIDDEN_HEADERS = new Set(["authorization", "proxy-authorization", "cookie"]);

export interface ServerDeps {
  state: StandInState;
  authenticator: Authenticator;
  app: AppInfo;
  installationId: number;
  log: (line: string) => void;
}

export class StandInServer {
  private readonly server: Server;
  private readonly failures: Array<Required<Pick<FailureRule, "count">> & FailureRule> = [];
  private builders: Builders | undefined;
  private origin = "";

  constructor(private readonly deps: ServerDeps) {
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((error: unknown) => {
        deps.log(`stand-in: unhandled error for ${req.method} ${req.url}: ${(error as Error).stack ?? String(error)}`);
        if (!res.headersSent) send(res, { status: 500, body: { message: "Server Error", documentation_url: DOCS } });
        else res.destroy();
      });
    });
  }

  async listen(): Promise<string> {
    await new Promise<void>((resolve, reject) => {
      this.server.once("error", reject);
      this.server.listen(0, "127.0.0.1", () => resolve());
    });
    const { port } = this.server.address() as AddressInfo;
    this.origin = `http://127.0.0.1:${port}`;
    this.builders = new Builders(this.deps.state, this.origin, this.deps.app);
    return this.origin;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  failNext(rule: FailureRule): void {
    this.failures.push({ ...rule, count: rule.count ?? 1 });
  }

  clearFailures(): void {
    this.failures.length = 0;
  }

  private takeFailure(method: string, path: string): FailureRule | undefined {
    const index = this.failures.findIndex(
      (f) => f.count > 0 && (!f.method || f.method.toUpperCase() === method) && (!f.pathPrefix || path.startsWith(f.pathPrefix)),
    );
    if (index === -1) return undefined;
    const rule = this.failures[index] as Required<Pick<FailureRule, "count">> & FailureRule;
    rule.count -= 1;
    if (rule.count <= 0) this.failures.splice(index, 1);
    return rule;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = (req.method ?? "GET").toUpperCase();
    const url = new URL(req.url ?? "/", this.origin);
    const pathname = url.pathname;
    const entry: RequestLogEntry = {
      method,
      path: pathname,
      query: Object.fromEntries(url.searchParams),
      headers: Object.fromEntries(
        Object.entries(req.headers)
          .filter(([k]) => !HIDDEN_HEADERS.has(k))
          .map(([k, v]) => [k, Array.isArray(v) ? v.join(", ") : String(v ?? "")]),
      ),
      body: undefined,
    };
    this.deps.state.log.push(entry);

    const failure = this.takeFailure(method, pathname);
    if (failure?.hangMs !== undefined) {
      req.resume();
      entry.status = 0;
      // Until the time is up or the client gives up, whichever comes first.
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, failure.hangMs);
        res.once("close", () => {
          clearTimeout(timer);
          resolve();
        });
      });
      res.destroy();
      return;
    }
    if (failure?.delayMs !== undefined) {
      await new Promise((r) => setTimeout(r, failure.delayMs));
    } else if (failure) {
      const status = failure.status ?? 500;
      req.resume();
      entry.status = status;
      send(res, {
        status,
        body: failure.body ?? { message: STATUS_CODES[status] ?? "Error", documentation_url: DOCS },
        headers: failure.headers ?? {},
      });
      return;
    }

    if (isGitPath(pathname)) {
      entry.status = await handleGit(req, res, pathname, url.search, this.deps);
      return;
    }

    const raw = await readBody(req);
    if (raw === undefined) {
      entry.status = 413;
      send(res, { status: 413, body: { message: "Payload too large", documentation_url: DOCS } });
      return;
    }
    let body: unknown;
    if (raw.length > 0) {
      try {
        body = JSON.parse(raw.toString("utf8"));
      } catch {
        entry.body = raw.toString("utf8").slice(0, 1000);
        const result = badRequest("Problems parsing JSON");
        entry.status = result.status;
        send(res, result);
        return;
      }
    }
    entry.body = body;
    const result = await this.route(method, pathname, url, body, req.headers.authorization);
    entry.status = result.status;
    if (result.status >= 400) this.deps.log(`stand-in: ${method} ${pathname} -> ${result.status} ${JSON.stringify(result.body).slice(0, 500)}`);
    send(res, result);
  }

  private async route(method: string, pathname: string, url: URL, body: unknown, authorization: string | undefined): Promise<HttpResult> {
    const builders = this.builders;
    if (!builders) throw new Error("stand-in is not listening");
    if (pathname === "/api/graphql") {
      return method === "POST" ? handleGraphql(body, authorization, this.deps) : notFound();
    }
    if (pathname.startsWith("/api/v3/") || pathname === "/api/v3") {
      let path: string;
      try {
        path = pathname.slice("/api/v3".length) || "/";
        decodeURIComponent(path);
      } catch {
        return badRequest("Malformed path");
      }
      return handleRest({
        method,
        path,
        url: url.toString(),
        query: url.searchParams,
        body,
        authorization,
        state: this.deps.state,
        build: builders,
        authenticator: this.deps.authenticator,
        installationId: this.deps.installationId,
      });
    }
    return notFound();
  }
}

function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY) tooLarge = true;
      else chunks.push(chunk);
    });
    req.on("end", () => resolve(tooLarge ? undefined : Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

function send(res: ServerResponse, result: HttpResult): void {
  const headers: Record<string, string> = {
    "x-github-request-id": `STANDIN:${Math.random().toString(16).slice(2, 10)}`,
    "x-github-media-type": "github.v3; format=json",
    ...(result.headers ?? {}),
  };
  if (result.body === undefined) {
    res.writeHead(result.status, headers);
    res.end();
    return;
  }
  const payload = JSON.stringify(result.body);
  res.writeHead(result.status, { "content-type": "application/json; charset=utf-8", "content-length": String(Buffer.byteLength(payload)), ...headers });
  res.end(payload);
}
