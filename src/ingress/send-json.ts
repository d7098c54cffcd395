/** A small JSON response; `close` ends the connection after it (used when a request body was not read to the end). */
import type { ServerResponse } from "node:http";

export function sendJson(res: ServerResponse, status: number, body: object, close = false): void {
  const text = JSON.stringify(body);
  const headers: Record<string, string | number> = {
    "content-type": "application/json; charset=utf-8",
    "content-length": Buffer.byteLength(text),
  };
  if (close) headers.connection = "close";
  res.writeHead(status, headers).end(text);
}
