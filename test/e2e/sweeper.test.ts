/**
 * End to end: a delivery GitHub failed to hand over (Vouch answered 503) is found by `vouch sweep`
 * and redelivered with its GUID; the real server then evaluates it. The stand-in plays GitHub's
 * part: it records the failed delivery and, when asked to redeliver, really posts the event.
 */
import { afterAll, beforeAll, describe, expect, test } from "@jest/globals";
import { randomUUID } from "node:crypto";
import { EXIT } from "../../src/cli/io.js";
import { startHarness, WEBHOOK_SECRET, type Harness } from "./harness.js";
import { LogCapture } from "../server/log-capture.js";
import { runCli } from "../../src/cli/run.js";

const POLICY = `version: 1
namespaces:
  - name: main
    refs: [refs/heads/main]
secrets:
  enabled: false
`;

let h: Harness;
let dir: string;

beforeAll(async () => {
  h = await startHarness();
  dir = await h.repoWithPolicy("swept", POLICY);
});

afterAll(async () => {
  await h?.close();
});

async function sweep(argv: string[] = [], env: Record<string, string | undefined> = {}) {
  let stdout = "";
  let stderr = "";
  const io = { stdout: { write: (s: string) => void (stdout += s) }, stderr: { write: (s: string) => void (stderr += s) }, cwd: process.cwd() };
  const logs = new LogCapture();
  const fullEnv = { ...h.standIn.env(), PRIVATE_KEY: h.privateKey, WEBHOOK_SECRET, VOUCH_GITHUB_THROTTLE: "false", ...env };
  const code = await runCli(["sweep", ...argv], io, { env: fullEnv, logDestination: logs });
  return { code, stdout, stderr, logs };
}

describe("vouch sweep", () => {
  test("a failed delivery is redelivered with its GUID and evaluated; the next sweep has nothing to do", async () => {
    const pr = await h.openPullRequest("swept", dir, "feature", { "src/x.ts": "export {};\n" });
    const payload = h.pullRequestPayload("swept", pr);
    const guid = randomUUID();
    // GitHub's view: the delivery failed (Vouch was unavailable), moments ago.
    h.standIn.state.addDelivery({ guid, event: "pull_request", action: "opened", statusCode: 503, status: "Invalid HTTP Response: 503", deliveredAt: new Date(Date.now() - 60_000).toISOString() });
    h.standIn.state.onRedeliver = async (original) => {
      const res = await h.deliver(original.event, payload, { id: original.guid });
      return { statusCode: res.status, status: res.ok ? "OK" : `Invalid HTTP Response: ${res.status}`, deliveredAt: new Date().toISOString() };
    };

    const first = await sweep(["--format", "json"]);
    expect(first.code).toBe(EXIT.pass);
    const report = JSON.parse(first.stdout) as { redelivered: string[]; failedEvents: number };
    expect(report).toMatchObject({ failedEvents: 1, redelivered: [guid] });
    const run = await h.completedRun("swept", pr.head.sha);
    expect(run.conclusion).toBe("success");
    expect(h.logLines.some((l) => l.includes(guid) && l.includes("webhook accepted"))).toBe(true);
    expect(first.logs.text).toContain("sweeper: redelivery requested");
    expect(first.logs.text).not.toMatch(/eyJhbGciOi/); // the JWT is never logged

    const second = await sweep();
    expect(second.code).toBe(EXIT.pass);
    expect(second.stdout).toContain("0 event(s) without a successful delivery");
    expect(h.standIn.checkRuns("acme", "swept").filter((r) => r.headSha === pr.head.sha)).toHaveLength(1);
  });

  test("a refused redelivery makes the run exit 1 and names the event", async () => {
    h.standIn.state.onRedeliver = undefined;
    const guid = randomUUID();
    h.standIn.state.addDelivery({ guid, event: "push", statusCode: 500, status: "Invalid HTTP Response: 500", deliveredAt: new Date(Date.now() - 30_000).toISOString() });
    h.standIn.failNext({ method: "POST", pathPrefix: "/api/v3/app/hook/deliveries/", status: 422, body: { message: "Validation Failed" } });
    const { code, stdout } = await sweep();
    expect(code).toBe(EXIT.violations);
    expect(stdout).toContain(`refused by GitHub: ${guid} (422)`);
  });

  test("configuration problems are usage errors that name the variable", async () => {
    expect(await sweep([], { VOUCH_SWEEP_MAX_PAGES: "lots" })).toMatchObject({ code: EXIT.usage, stderr: expect.stringContaining("VOUCH_SWEEP_MAX_PAGES") });
    expect(await sweep([], { APP_ID: undefined, PRIVATE_KEY: undefined })).toMatchObject({ code: EXIT.usage, stderr: expect.stringContaining("APP_ID") });
  });
});
