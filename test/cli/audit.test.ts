import { afterAll, beforeAll, describe, expect, test } from "@jest/globals";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { recordAttestations } from "../../src/attest/record.js";
import { signatureDetails } from "../../src/attest/signature-details.js";
import { CatFileSource } from "../../src/git/cat-file.js";
import { loadKeyRing } from "../../src/keys/keyring.js";
import { SqliteLedger } from "../../src/ledger/sqlite.js";
import { evidence, policy, verdict } from "../attest/fixtures.js";
import { commitFiles, initRepo } from "../helpers/git.js";
import { entry } from "../ledger/helpers.js";
import { runCli } from "../../src/cli/run.js";

type Result = { code: number; stdout: string; stderr: string };

/** Runs `vouch …` with the audit and keys commands the way runCli does, with its own environment and cwd. */
async function vouch(argv: string[], env: Record<string, string>, cwd: string): Promise<Result> {
  let stdout = "";
  let stderr = "";
  const io = { stdout: { write: (s: string) => void (stdout += s) }, stderr: { write: (s: string) => void (stderr += s) }, cwd: cwd };
  const code = await runCli(argv, io, { env });
  return { code, stdout, stderr };
}

const dirs: string[] = [];
let work: string;
let data: string;
let clone: string;
let otherClone: string;
let env: Record<string, string>;
const heads: string[] = [];

const clock = (iso: string) => () => new Date(iso);

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), "vouch-audit-"));
  data = join(work, "data");
  dirs.push(work);
  env = { VOUCH_DATA_DIR: data };
  mkdirSync(join(work, "widget"));
  mkdirSync(join(work, "other"));
  clone = await initRepo(join(work, "widget"));
  otherClone = await initRepo(join(work, "other"));
  await commitFiles(otherClone, { "x.txt": "unrelated\n" }, "other");
  const ring = loadKeyRing({ env });
  // Three evaluated revisions of acme/widget, one a day, recorded as the app records them.
  for (let i = 0; i < 3; i++) {
    const head = await commitFiles(clone, { "a.txt": `version ${i}\n` }, `change ${i}`);
    heads.push(head);
    const source = new CatFileSource(clone);
    const raw = await source.read(head);
    source.close();
    const details = signatureDetails([{ raw, verdict: { id: head, type: "commit", signature: { status: "unsigned", format: null, signer: null, key: null, detail: "no signature" } } }]);
    const ledger = new SqliteLedger(join(data, "ledger.sqlite"), { signer: ring.signer, now: clock(`2026-03-0${i + 1}T12:00:00.000Z`) });
    await recordAttestations({
      ledger,
      trusted: ring.publicKeys,
      evaluationKey: `pull_request:${i}:${head}`,
      verdict: verdict({ headSha: head }),
      evidence: evidence({ change: { ...evidence().change, headSha: head } }),
      policy: policy(),
      signer: ring.signer,
      verifier: { id: "https://vouch.example/verifier", version: "1" },
      serverUrl: "https://github.com",
      attestationBaseUrl: "https://vouch.example/attestations",
      details: { signatures: details },
    });
    // A second repository's chain alongside.
    await ledger.append(entry(ring.signer, { repo: "globex/site", n: i + 1, at: `2026-03-0${i + 1}T13:00:00.000Z` }));
    await ledger.close();
  }
  const keys = await vouch(["keys", "public"], env, work);
  expect(keys.code).toBe(0);
  writeFileSync(join(work, "keys.pem"), keys.stdout);
});

afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

async function exportAll(name: string, extra: string[] = []): Promise<string> {
  const r = await vouch(["audit", "export", "--out", name, ...extra], env, work);
  expect(r).toMatchObject({ code: 0 });
  return join(work, name);
}

const verify = (file: string, extra: string[] = []) => vouch(["audit", "verify", file, "--public-key", "keys.pem", ...extra], env, work);

function rewrite(file: string, edit: (lines: string[]) => string[]): string {
  const lines = readFileSync(file, "utf8").split("\n").filter((l) => l !== "");
  const out = `${file}.tampered`;
  writeFileSync(out, `${edit(lines).join("\n")}\n`);
  return out;
}

describe("vouch audit export → verify", () => {
  test("an export of the data directory's ledger verifies with the printed public keys and with the clone", async () => {
    const file = await exportAll("all.intoto.jsonl");
    const lines = readFileSync(file, "utf8").trimEnd().split("\n");
    // 3 provenances + 3 VSAs for acme/widget, 3 entries for globex/site, then the checkpoint.
    expect(lines).toHaveLength(10);
    const ok = await verify("all.intoto.jsonl");
    expect(ok).toEqual({ code: 0, stdout: "all.intoto.jsonl: OK: 9 entries in 2 chains, signatures, links and checkpoint verify\n", stderr: "" });

    const widget = await exportAll("widget.intoto.jsonl", ["--repo", "acme/widget"]);
    expect(readFileSync(widget, "utf8")).not.toContain("globex/site");
    const withClone = await verify("widget.intoto.jsonl", ["--repo", "widget"]);
    expect(withClone.code).toBe(0);
    expect(withClone.stdout).toContain("3 attested revisions match the clone");
  });

  test("a clone without the attested revisions fails on the provenance lines", async () => {
    await exportAll("widget2.intoto.jsonl", ["--repo", "acme/widget"]);
    const r = await verify("widget2.intoto.jsonl", ["--repo", "other"]);
    expect(r.code).toBe(1);
    for (const [i, head] of heads.entries()) {
      expect(r.stdout).toContain(`widget2.intoto.jsonl:${2 * i + 1}: object ${head} cannot be read from the clone (missing)`);
    }
    expect(r.stdout).toMatch(/FAILED/);
  });

  test("flipping a byte anywhere in a line makes verify fail naming that line", async () => {
    const file = await exportAll("flip.intoto.jsonl", ["--repo", "acme/widget"]);
    const target = 3; // 1-based: the second provenance
    const length = readFileSync(file, "utf8").split("\n")[target - 1]!.length;
    for (const at of [1, Math.floor(length * 0.1), Math.floor(length * 0.5), Math.floor(length * 0.9), length - 2]) {
      const tampered = rewrite(file, (lines) =>
        lines.map((l, i) => (i === target - 1 ? l.slice(0, at) + (l[at] === "A" ? "B" : "A") + l.slice(at + 1) : l)),
      );
      const r = await vouch(["audit", "verify", tampered, "--public-key", "keys.pem"], env, work);
      expect(r.code).toBe(1);
      expect(r.stdout).toContain(`${tampered}:${target}: `);
    }
  });

  test("deleting a line or swapping two lines makes verify fail naming the line", async () => {
    const file = await exportAll("order.intoto.jsonl", ["--repo", "acme/widget"]);
    const deleted = rewrite(file, (lines) => lines.filter((_, i) => i !== 2));
    const d = await vouch(["audit", "verify", deleted, "--public-key", "keys.pem"], env, work);
    expect(d.code).toBe(1);
    expect(d.stdout).toMatch(new RegExp(`${deleted}:3: gap in chain acme/widget: #4 follows #2`));

    const swapped = rewrite(file, (lines) => [lines[0]!, lines[2]!, lines[1]!, ...lines.slice(3)]);
    const s = await vouch(["audit", "verify", swapped, "--public-key", "keys.pem"], env, work);
    expect(s.code).toBe(1);
    expect(s.stdout).toMatch(new RegExp(`${swapped}:2: gap in chain`));
    expect(s.stdout).toMatch(new RegExp(`${swapped}:3: entry acme/widget#2 is out of order`));

    const truncated = rewrite(file, (lines) => lines.slice(0, -1));
    const t = await vouch(["audit", "verify", truncated, "--public-key", "keys.pem"], env, work);
    expect(t.code).toBe(1);
    expect(t.stdout).toContain(`${truncated}:6: the export has no signed checkpoint`);
  });

  test("a key that did not sign the export fails every line", async () => {
    await exportAll("k.intoto.jsonl", ["--repo", "globex/site"]);
    const otherData = join(work, "other-data");
    const otherKey = await vouch(["keys", "public", "--create"], { VOUCH_DATA_DIR: otherData }, work);
    writeFileSync(join(work, "wrong.pem"), otherKey.stdout);
    const r = await vouch(["audit", "verify", "k.intoto.jsonl", "--public-key", "wrong.pem"], env, work);
    expect(r.code).toBe(1);
    expect(r.stdout.split("\n").filter((l) => /^k\.intoto\.jsonl:\d+: signature/.test(l))).toHaveLength(4);
  });

  test("--since/--until export a contiguous slice that verifies on its own", async () => {
    const file = await exportAll("slice.intoto.jsonl", ["--since", "2026-03-02", "--until", "2026-03-03T00:00:00Z"]);
    const lines = readFileSync(file, "utf8").trimEnd().split("\n");
    const links = lines.slice(0, -1).map((l) => (JSON.parse(l) as { vouch: { chain: string; seq: number } }).vouch);
    expect(links).toEqual([
      { chain: "acme/widget", seq: 3 },
      { chain: "acme/widget", seq: 4 },
      { chain: "globex/site", seq: 2 },
    ].map((o) => expect.objectContaining(o)));
    expect((await verify("slice.intoto.jsonl")).code).toBe(0);
  });

  test("--format csv writes one row per revision with its VSA result", async () => {
    const r = await vouch(["audit", "export", "--format", "csv", "--repo", "acme/widget", "--out", "s.csv"], env, work);
    expect(r).toEqual({ code: 0, stdout: "s.csv: 3 revisions\n", stderr: "" });
    const rows = readFileSync(join(work, "s.csv"), "utf8").trimEnd().split("\n");
    expect(rows[0]).toBe('"repository","ref","revision","recorded_at","result","verified_levels","policy_digest","vsa_sha256","ledger_seq"');
    expect(rows.slice(1).map((r) => r.split(",")[2])).toEqual(heads.map((h) => `"${h}"`));
    expect(rows.slice(1).every((r) => r.split(",")[4] === '"PASSED"')).toBe(true);
  });
});

describe("vouch audit input errors exit 2", () => {
  const cases: [string, string[], Record<string, string> | null, RegExp][] = [
    ["a URL that is not a ledger", ["audit", "export", "--ledger", "mysql://u:hunter2@db/x", "--out", "o.jsonl"], null, /--ledger must be sqlite:PATH.*mysql:\/\/u:\*\*\*@db/],
    ["a missing SQLite ledger", ["audit", "export", "--ledger", "sqlite:nowhere.sqlite", "--out", "o.jsonl"], null, /no ledger at .*nowhere\.sqlite/],
    ["no ledger in the data directory", ["audit", "export", "--out", "o.jsonl"], { VOUCH_DATA_DIR: "/nonexistent-vouch" }, /no ledger at \/nonexistent-vouch\/ledger\.sqlite/],
    ["a bad date", ["audit", "export", "--since", "yesterday", "--out", "o.jsonl"], null, /--since must be an ISO 8601 date/],
    ["an empty window", ["audit", "export", "--since", "2026-03-02", "--until", "2026-03-01", "--out", "o.jsonl"], null, /--since must be before --until/],
    ["a bad repository name", ["audit", "export", "--repo", "acme", "--out", "o.jsonl"], null, /--repo must be OWNER\/NAME/],
    ["an output directory that does not exist", ["audit", "export", "--out", "no/such/dir/o.jsonl"], null, /directory .* does not exist/],
    ["a bad format", ["audit", "export", "--format", "xml", "--out", "o.jsonl"], null, /xml/],
    ["a missing export file", ["audit", "verify", "absent.jsonl", "--public-key", "keys.pem"], null, /cannot read absent\.jsonl/],
    ["a public key file without keys", ["audit", "verify", "keys.pem", "--public-key", "widget/a.txt"], null, /no "-----BEGIN PUBLIC KEY-----" block/],
    ["a --repo that is not a clone", ["audit", "verify", "keys.pem", "--public-key", "keys.pem", "--repo", "data"], null, /not a git repository/],
  ];
  test.each(cases)("%s", async (_name, argv, envOverride, message) => {
    const r = await vouch(argv, envOverride ?? env, work);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
  });

  test("no signing key: export refuses rather than minting one", async () => {
    const bare = join(work, "bare-data");
    const ledger = new SqliteLedger(join(bare, "ledger.sqlite"));
    await ledger.close();
    const r = await vouch(["audit", "export", "--out", "o.jsonl"], { VOUCH_DATA_DIR: bare }, work);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("no signing key");
  });

  test("a PostgreSQL password is never printed when the ledger cannot be reached", async () => {
    const r = await vouch(["audit", "export", "--ledger", "postgres://auditor:s3cr3t-pw@127.0.0.1:1/vouch", "--out", "o.jsonl"], env, work);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("cannot open the ledger postgres://auditor:***@127.0.0.1:1/vouch");
    expect(r.stderr).not.toContain("s3cr3t-pw");
  });
});
