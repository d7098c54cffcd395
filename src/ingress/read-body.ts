/**
 * Reads a request body into memory up to a byte limit. A body announced or found to be larger
 * is not buffered further: the caller answers 413 and drops the connection.
 */
import type { IncomingMessage } from "node:http";

export type BodyResult =
  | { kind: "ok"; body: Buffer }
  | { kind: "too_large" }
  | { kind: "aborted" };

export function readBody(req: IncomingMessage, limitBytes: number): Promise<BodyResult> {
  const declared = req.headers["content-length"];
  if (declared !== undefined && Number(declared) > limitBytes) {
    return Promise.resolve({ kind: "too_large" });
  }
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const finish = (result: BodyResult): void => {
      if (settled) return;
      settled = true;
      req.off("data", onData);
      req.off("end", onEnd);
      req.off("error", onError);
      req.off("close", onClose);
      resolve(result);
    };
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > limitBytes) {
        chunks.length = 0;
        req.pause();
        finish({ kind: "too_large" });
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = (): void => finish({ kind: "ok", body: Buffer.concat(chunks, size) });
    const onError = (): void => finish({ kind: "aborted" });
    const onClose = (): void => {
      if (!req.complete) finish({ kind: "aborted" });
    };
    req.on("data", onData);
    req.on("end", onEnd);
    req.on("error", onError);
    req.on("close", onClose);
  });
}
