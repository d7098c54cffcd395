import { describe, expect, test } from "@jest/globals";
import { createLogger } from "../../src/server/logger.js";
import { LogCapture } from "./log-capture.js";

function logged(write: (log: ReturnType<typeof createLogger>) => void): LogCapture {
  const capture = new LogCapture();
  write(createLogger({ level: "trace", destination: capture }));
  return capture;
}

describe("createLogger redaction", () => {
  test("authorization headers, tokens and private keys are censored", () => {
    const capture = logged((log) => {
      log.info({ req: { headers: { authorization: "token ghs_SECRET1" } } }, "request");
      log.info({ headers: { authorization: "Bearer eyJSECRET2" } }, "headers");
      log.info({ token: "ghs_SECRET3", auth: { token: "ghs_SECRET4" } }, "token");
      log.info({ privateKey: "-----BEGIN SECRET5" }, "key");
    });
    for (const n of [1, 2, 3, 4, 5]) expect(capture.text).not.toContain(`SECRET${n}`);
    expect(capture.text).toContain("[redacted]");
  });

  test("webhook payloads attached to events or errors are not written", () => {
    const capture = logged((log) => {
      log.debug({ event: { id: "d1", name: "push", payload: { leak: "PAYLOAD1" } } }, "Webhook received");
      const inner = Object.assign(new Error("handler failed"), { event: { payload: { leak: "PAYLOAD2" } } });
      const outer = Object.assign(new AggregateError([inner], "handler failed"), { event: { payload: { leak: "PAYLOAD3" } } });
      log.error(inner);
      log.error(outer);
      log.error({ err: Object.assign(new Error("req"), { request: { headers: { authorization: "token SECRET6" } } }) }, "octokit");
    });
    expect(capture.text).not.toMatch(/PAYLOAD\d|SECRET6/);
    // The useful part survives.
    expect(capture.text).toContain("handler failed");
    expect(capture.text).toContain('"id":"d1"');
  });

  test("the level is honoured", () => {
    const capture = new LogCapture();
    const log = createLogger({ level: "warn", destination: capture });
    log.info("quiet");
    log.warn("loud");
    expect(capture.records().map((r) => r.msg)).toEqual(["loud"]);
  });
});
