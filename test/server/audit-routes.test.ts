import { afterAll, beforeAll, describe, expect, test } from "@jest/globals";
import { createHash, generateKeyPairSync } from "node:crypto";
import { get as httpGet, createServer, type Server } from "node:http";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { IN_TOTO_PAYLOAD_TYPE, keyIdOf, sha256Hex } from "../../src/attest/dsse.js";
import { ConfigError, parseAuditTokens, parseConfig, type AuditTokenScope } from "../../src/config.js";
import { parsePublicKeysPem, publicPem } from "../../src/keys/pem.js";
import { SqliteLedger } from "../../src/ledger/sqlite.js";
import { verifyExport } from "../../src/ledger/verify.js";
import { authorize, createAuditRoutes, KEYS_PATH } from "../../src/server/audit-routes.js";
import { startFromEnv } from "../../src/server/main.js";
import { loadKeyRing } from "../../src/keys/keyring.js";
import { closeServer, listen } from "../../src/server/listen.js";
import { createRequestListener } from "../../src/server/routes.js";
import { entry, testKeys } from "../ledger/helpers.js";

const ACME_TOKEN = "vouch-audit-acme-7f3c9e1d2b";
const ALL_TOKEN = "vouch-audit-everyone-41aa";
const OTHER_TOKEN = "vouch-audit-not-configured";
const hash = (t: string) => createHash("sha256").update(t).digest("hex");

const { signer, trusted } = testKeys();
const logs: unknown[] = [];
const log = { info: (...a: unknown[]) => void logs.push(a), error: (...a: unknown[]) => void logs.push(a) };
let dir: string;
let ledger: SqliteLedger;
let server: Server;
let base: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "vouch-audit-http-"));
  ledger = new SqliteLedger(join(dir, "ledger.sqlite"), { signer });
  await ledger.appendAll([1, 2, 3].map((n) => entry(signer, { repo: "acme/widget", n })));
  await ledger.appendAll([4, 5].map((n) => entry(signer, { repo: "Acme/tools", n })));
  await ledger.appendAll([6, 7].map((n) => entry(signer, { repo: "globex/site", n })));
  // A long chain, so the export is streamed in many writes.
  await ledger.appendAll(Array.from({ length: 3000 }, (_, i) => entry(signer, { repo: "big/mono", n: 100 + i })));
  const tokens = parseAuditTokens(`acme:${hash(ACME_TOKEN)}; *:sha256:${hash(ALL_TOKEN).toUpperCase()}`) as AuditTokenScope[];
  const keys = { signer, publicKeysPem: () => [...trusted.values()].map(publicPem).join("") };
  const audit = createAuditRoutes({ ledger, keys, tokens, log });
  const ingress = () => Promise.resolve();
  server = createServer(createRequestListener({ webhookPath: "/api/github/webhooks", ingress, log, audit }));
  base = `http://127.0.0.1:${await listen(server, 0, "127.0.0.1")}`;
});

afterAll(async () => {
  await closeServer(server);
  await ledger.close();
  rmSync(dir, { recursive: true, force: true });
});

const exportAs = (token: string | null, query: string) =>
  fetch(`${base}/audit/export${query}`, token === null ? {} : { headers: { authorization: `Bearer ${token}` } });

async function linesOf(res: Response): Promise<string[]> {
  return (await res.text()).trimEnd().split("\n");
}

const chainsOf = (lines: string[]) => [...new Set(lines.slice(0, -1).map((l) => (JSON.parse(l) as { vouch: { chain: string } }).vouch.chain))];

describe("public routes", () => {
  test("the well-known path serves the verification keys as PEM", async () => {
    const res = await fetch(`${base}${KEYS_PATH}`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/x-pem-file");
    expect(parsePublicKeysPem(await res.text(), "response").map(keyIdOf)).toEqual([signer.keyId]);
  });

  test("an attestation is served by its statement digest; unknown digests are 404, malformed ones 400", async () => {
    const first = await ledger.get("globex/site", 1);
    const digest = sha256Hex(Buffer.from(first!.envelope.payload, "base64"));
    const res = await fetch(`${base}/attestations/${digest}`);
    expect(res.status).toBe(200);
    const envelope = (await res.json()) as { payloadType: string; payload: string };
    expect(envelope).toEqual(first!.envelope);
    expect(envelope.payloadType).toBe(IN_TOTO_PAYLOAD_TYPE);
    expect((await fetch(`${base}/attestations/${"0".repeat(64)}`)).status).toBe(404);
    expect((await fetch(`${base}/attestations/not-a-digest`)).status).toBe(400);
    expect((await fetch(`${base}/attestations/${digest}`, { method: "POST" })).status).toBe(405);
  });

  test("other paths keep their behaviour", async () => {
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    expect((await fetch(`${base}/nothing-here`)).status).toBe(404);
  });
});

describe("GET /audit/export", () => {
  test("without a token, or with one that is not configured, it answers 401 with a bearer challenge", async () => {
    const none = await exportAs(null, "?repo=acme/widget");
    expect(none.status).toBe(401);
    expect(none.headers.get("www-authenticate")).toMatch(/^Bearer /);
    const bad = await exportAs(OTHER_TOKEN, "?repo=acme/widget");
    expect(bad.status).toBe(401);
    expect(bad.headers.get("www-authenticate")).toContain('error="invalid_token"');
    const basic = await fetch(`${base}/audit/export`, { headers: { authorization: `Basic ${Buffer.from(`x:${ACME_TOKEN}`).toString("base64")}` } });
    expect(basic.status).toBe(401);
  });

  test("a token for acme cannot export another organization's repository", async () => {
    const res = await exportAs(ACME_TOKEN, "?repo=globex/site");
    expect(res.status).toBe(403);
    expect(await res.text()).not.toContain("globex/site#");
  });

  test("a repository of the token's organization exports as a verifying .intoto.jsonl (scope ignores the owner's case, the ledger name is exact)", async () => {
    const res = await exportAs(ACME_TOKEN, "?repo=acme/tools");
    expect(res.status).toBe(200);
    // The ledger names the repository Acme/tools; GitHub logins are case-insensitive.
    expect(chainsOf(await linesOf(res))).toEqual([]);
    const exact = await exportAs(ACME_TOKEN, "?repo=Acme/tools");
    expect(exact.status).toBe(200);
    expect(exact.headers.get("content-type")).toBe("application/jsonl; charset=utf-8");
    const lines = await linesOf(exact);
    expect(chainsOf(lines)).toEqual(["Acme/tools"]);
    const report = await verifyExport(lines, trusted);
    expect(report).toMatchObject({ ok: true, entries: 2, failures: [] });
  });

  test("without repo, the export holds only the token's organizations' chains and still verifies", async () => {
    const lines = await linesOf(await exportAs(ACME_TOKEN, ""));
    expect(chainsOf(lines).sort()).toEqual(["Acme/tools", "acme/widget"]);
    expect(await verifyExport(lines, trusted)).toMatchObject({ ok: true, entries: 5 });

    const everything = await linesOf(await exportAs(ALL_TOKEN, ""));
    expect(chainsOf(everything).sort()).toEqual(["Acme/tools", "acme/widget", "big/mono", "globex/site"]);
    const report = await verifyExport(everything, trusted);
    expect(report).toMatchObject({ ok: true, entries: 3007, failures: [] });
  });

  test("a byte flipped in transit is caught by the verifier on that line", async () => {
    const lines = await linesOf(await exportAs(ACME_TOKEN, "?repo=acme/widget"));
    const tampered = lines.map((l, i) => (i === 1 ? l.replace(/"seq":2/, '"seq":3') : l));
    const report = await verifyExport(tampered, trusted);
    expect(report.ok).toBe(false);
    expect(report.failures[0]?.line).toBe(2);
  });

  test("csv gives one row per VSA revision; bad parameters are 400", async () => {
    const csv = await exportAs(ALL_TOKEN, "?format=csv&repo=globex/site");
    expect(csv.status).toBe(200);
    expect(csv.headers.get("content-type")).toBe("text/csv; charset=utf-8");
    // The test entries are not VSAs, so only the header row.
    expect(await linesOf(csv)).toEqual([expect.stringMatching(/^"repository","ref","revision"/)]);
    for (const q of ["?format=xml", "?since=yesterday", "?until=2026-13-45", "?repo=acme", "?since=2026-02-01&until=2026-01-01"]) {
      expect((await exportAs(ALL_TOKEN, q)).status).toBe(400);
    }
  });

  test("a client that hangs up mid-export leaves the server serving", async () => {
    await new Promise<void>((resolve, reject) => {
      const req = httpGet(`${base}/audit/export?repo=big/mono`, { headers: { authorization: `Bearer ${ALL_TOKEN}` } }, (res) => {
        expect(res.statusCode).toBe(200);
        res.once("data", () => {
          req.destroy();
          resolve();
        });
      });
      req.on("error", (e) => (req.destroyed ? undefined : reject(e)));
    });
    const after = await exportAs(ALL_TOKEN, "?repo=globex/site");
    expect(after.status).toBe(200);
    expect(await verifyExport(await linesOf(after), trusted)).toMatchObject({ ok: true, entries: 2 });
  });

  test("tokens never reach the log", () => {
    const text = JSON.stringify(logs);
    expect(text).toContain("audit export served");
    for (const t of [ACME_TOKEN, ALL_TOKEN, OTHER_TOKEN]) expect(text).not.toContain(t);
  });
});

describe("VOUCH_AUDIT_TOKENS", () => {
  test("parses organizations and hashes; the scope matches only the hashed token", () => {
    const tokens = parseAuditTokens(`acme, Globex :${hash("a")};*:${hash("b")}`) as AuditTokenScope[];
    expect(tokens.map((t) => t.orgs)).toEqual([["acme", "globex"], ["*"]]);
    expect(authorize("Bearer a", tokens)?.orgs).toEqual(["acme", "globex"]);
    expect(authorize("bearer b", tokens)?.orgs).toEqual(["*"]);
    expect(authorize("Bearer c", tokens)).toBeNull();
    expect(authorize(undefined, tokens)).toBeNull();
    expect(parseConfig({}).auditTokens).toEqual([]);
    expect(parseConfig({ VOUCH_AUDIT_TOKENS: `acme:${hash("a")}` }).auditTokens).toHaveLength(1);
  });

  test("a raw token, a bad organization or a repeated token is rejected without echoing the value", () => {
    const raw = "ghp_thisIsARawTokenNotAHash123";
    for (const value of [`acme:${raw}`, raw, `acme/x:${hash("a")}`, `acme:${hash("a")};globex:${hash("a")}`, ";"]) {
      let error: unknown;
      try {
        parseConfig({ VOUCH_AUDIT_TOKENS: value });
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).message).toContain("VOUCH_AUDIT_TOKENS");
      expect((error as ConfigError).message).not.toContain(raw);
      expect((error as ConfigError).message).not.toContain(hash("a"));
    }
  });
});

describe("the app's server", () => {
  test("serves the data directory's keys and a token-protected export of its ledger", async () => {
    const data = mkdtempSync(join(tmpdir(), "vouch-audit-app-"));
    const appKey = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({ type: "pkcs8", format: "pem" }).toString();
    const running = await startFromEnv(
      {
        APP_ID: "4242",
        PRIVATE_KEY: appKey,
        WEBHOOK_SECRET: "s",
        PORT: "0",
        HOST: "127.0.0.1",
        LOG_LEVEL: "silent",
        GHE_HOST: "127.0.0.1:9",
        GHE_PROTOCOL: "http",
        VOUCH_DATA_DIR: data,
        VOUCH_AUDIT_TOKENS: `acme:${hash(ACME_TOKEN)}`,
      },
      {},
    );
    try {
      // The app generated its signing key in the data directory on start; the well-known path serves its public half.
      const ring = loadKeyRing({ env: { VOUCH_DATA_DIR: data } });
      const pem = await (await fetch(`${running.url}${KEYS_PATH}`)).text();
      expect(pem).toBe(ring.publicKeysPem());
      expect((await fetch(`${running.url}/audit/export?repo=acme/widget`)).status).toBe(401);
      expect((await fetch(`${running.url}/audit/export?repo=globex/site`, { headers: { authorization: `Bearer ${ACME_TOKEN}` } })).status).toBe(403);
      const ok = await fetch(`${running.url}/audit/export?repo=acme/widget`, { headers: { authorization: `Bearer ${ACME_TOKEN}` } });
      expect(ok.status).toBe(200);
      expect(await verifyExport(await linesOf(ok), ring.publicKeys)).toMatchObject({ ok: true, entries: 0 });
    } finally {
      await running.close();
      rmSync(data, { recursive: true, force: true });
    }
  });
});
