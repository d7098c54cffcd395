/**
 * The node:http server every role listens with, with bounds on slow clients: a request whose
 * headers or body do not arrive in time is answered 408 and its connection closed, so slowly
 * dripped (slow-loris) requests cannot hold the server's sockets and memory indefinitely.
 */
import { createServer, type RequestListener, type Server } from "node:http";

export interface HttpTimeouts {
  /** Whole request, body included (GitHub sends a delivery in one go, well under this). */
  requestMs: number;
  /** Request line and headers. */
  headersMs: number;
}

export const DEFAULT_HTTP_TIMEOUTS: HttpTimeouts = { requestMs: 60_000, headersMs: 20_000 };

export function createHttpServer(listener: RequestListener, timeouts: HttpTimeouts = DEFAULT_HTTP_TIMEOUTS): Server {
  return createServer(
    {
      requestTimeout: timeouts.requestMs,
      headersTimeout: timeouts.headersMs,
      // Node checks the two timeouts only this often (30 s by default), which would let a stalled
      // request live up to 30 s past its limit.
      connectionsCheckingInterval: Math.max(10, Math.min(1000, Math.floor(timeouts.headersMs / 4))),
    },
    listener,
  );
}
