// scanCommits over a real repository through `git cat-file`: per-commit added lines, key files, sizes, suppression.
import { afterAll, beforeAll, describe, expect, test } from "@jest/globals";
import { rangeSecretEvidence, scanCommits, secretFingerprintKey, SecretScanInputError, secretsRequired } from "../../src/evidence/secret-scan.js";
import { EvidenceSchema } from "../../src/evidence/schema.js";
import { CatFileSource } from "../../src/git/cat-file.js";
import { checksummedToken } from "../../src/controls/secrets/rules/fake.js";
import { addToBaseline, formatBaseline } from "../../src/controls/secrets/baseline.js";
import { PolicySchema } from "../../src/policy/schema.js";
import { commitFiles, git, initRepo, removeDir, revParse } from "../helpers/git.js";

const TOKEN = checksummedToken("ghp", 9101);
const KEY = secretFingerprintKey("Acme/Widgets");
const secrets = (extra: Record<string, unknown> = {}) => PolicySchema.parse({ version: 1, secrets: extra }).secrets;

let repo: string;
let source: CatFileSource;
let root: string;
let c1: string; // adds a secret
let c2: string; // removes it again
let c3: string; // binary file, key file, big file
let c4: string; // secret with an inline allow comment, secret in an allowlisted path

beforeAll(async () => {
  repo = await initRepo();
  root = await commitFiles(repo, { "README.md": "hello\n" }, "root");
  c1 = await commitFiles(repo, { "src/config.ts": `export const a = 1;\nexport const token = "${TOKEN}";\n` }, "add token");
  c2 = await commitFiles(repo, { "src/config.ts": "export const a = 1;\n" }, "remove token");
  c3 = await commitFiles(
    repo,
    {
      "img/logo.png": Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 1, 2]),
      "certs/server.p12": Buffer.from([0x30, 0x82, 0, 1, 0, 0]),
      "data/big.txt": "x".repeat(5000) + "\n",
    },
    "binaries",
  );
  c4 = await commitFiles(
    repo,
    {
      "src/allowed.ts": `const t = "${TOKEN}"; // vouch:allow\n`,
      "fixtures/tok.txt": `${TOKEN}\n`,
    },
    "suppressions",
  );
  source = new CatFileSource(repo);
});

afterAll(async () => {
  source.close();
  await removeDir(repo);
});

describe("scanCommits", () => {
  test("a secret added in one commit and removed in the next is found, on its line, in the commit that added it", async () => {
    const ev = await scanCommits(source, [c1, c2], { fingerprintKey: KEY });
    expect(ev.commits).toBe(2);
    expect(ev.findings).toHaveLength(1);
    const f = ev.findings[0]!;
    expect(f).toMatchObject({ commit: c1, path: "src/config.ts", line: 2, rule: "github-token", severity: "block" });
    // The columns span exactly the value inside the quotes.
    const lineText = `export const token = "${TOKEN}";`;
    expect(lineText.slice(f.column - 1, f.endColumn - 1)).toBe(TOKEN);
    expect(JSON.stringify(ev)).not.toContain(TOKEN.slice(4, 20));
    expect(EvidenceSchema.shape.secrets.parse(ev)).toEqual(ev);
  });

  test("fingerprints depend on the repository, not on case or on which commit found the secret", async () => {
    const a = await scanCommits(source, [c1], { fingerprintKey: secretFingerprintKey("acme/widgets") });
    const b = await scanCommits(source, [c1], { fingerprintKey: KEY });
    const other = await scanCommits(source, [c1], { fingerprintKey: secretFingerprintKey("acme/other") });
    expect(a.findings[0]!.fingerprint).toBe(b.findings[0]!.fingerprint);
    expect(other.findings[0]!.fingerprint).not.toBe(b.findings[0]!.fingerprint);
    expect(() => secretFingerprintKey("  ")).toThrow(/empty/);
  });

  test("binary files are not scanned but reported; key files are flagged by name; oversized blobs are reported", async () => {
    const ev = await scanCommits(source, [c3], { fingerprintKey: KEY, maxBlobBytes: 1000 });
    expect(ev.findings.map((f) => [f.path, f.rule, f.severity])).toEqual([["certs/server.p12", "private-key-file", "block"]]);
    const notScanned = ev.notScanned.map((n) => [n.path, n.reason]).sort();
    expect(notScanned).toEqual([
      ["certs/server.p12", "binary"],
      ["data/big.txt", "too-large"],
      ["img/logo.png", "binary"],
    ]);
  });

  test("added text over the engine's limit is reported as not scanned with its size", async () => {
    const ev = await scanCommits(source, [c1], { fingerprintKey: KEY, maxBytes: 10 });
    expect(ev.findings).toEqual([]);
    expect(ev.notScanned).toEqual([{ commit: c1, path: "src/config.ts", reason: "too-large", bytes: expect.any(Number) }]);
  });

  test("inline comments and policy path allowlists apply; suppressions are kept with their reason", async () => {
    const ev = await scanCommits(source, [c4], { fingerprintKey: KEY, secrets: secrets({ allow: { paths: ["fixtures/**"] } }) });
    expect(ev.findings).toEqual([]);
    expect(ev.suppressed).toEqual([
      expect.objectContaining({ commit: c4, path: "src/allowed.ts", line: 1, rule: "github-token", reason: "inline-comment" }),
    ]);
    const without = await scanCommits(source, [c4], { fingerprintKey: KEY });
    expect(without.findings.map((f) => f.path)).toEqual(["fixtures/tok.txt"]);
  });

  test("policy regex allowlists and disabled rules apply", async () => {
    const allowed = await scanCommits(source, [c1], { fingerprintKey: KEY, secrets: secrets({ allow: { regexes: ["^ghp_"] } }) });
    expect(allowed.findings).toEqual([]);
    expect(allowed.suppressed.map((s) => s.reason)).toEqual(["allowlisted-regex"]);
    const disabled = await scanCommits(source, [c1], { fingerprintKey: KEY, secrets: secrets({ disable: ["github-token"] }) });
    expect(disabled.findings.filter((f) => f.rule === "github-token")).toEqual([]);
  });

  test("a baseline entry suppresses the finding; an expired one does not", async () => {
    const first = await scanCommits(source, [c1], { fingerprintKey: KEY });
    const entries = addToBaseline([], [{ ...first.findings[0]!, path: "src/config.ts" }], "revoked", "2026-01-31");
    const text = formatBaseline(entries);
    const inForce = await scanCommits(source, [c1], { fingerprintKey: KEY, baselineText: text, today: new Date("2026-01-01T00:00:00Z") });
    expect(inForce.findings).toEqual([]);
    expect(inForce.suppressed.map((s) => s.reason)).toEqual(["baseline"]);
    const expired = await scanCommits(source, [c1], { fingerprintKey: KEY, baselineText: text, today: new Date("2026-02-01T00:00:00Z") });
    expect(expired.findings).toHaveLength(1);
  });

  test("a malformed baseline or an unsafe policy regex is an input error that does not quote the input", async () => {
    const bad = scanCommits(source, [c1], { fingerprintKey: KEY, baselineText: `{"version":1,"entries":[${TOKEN}]}`, baselineSource: ".vouch/baseline.json" });
    await expect(bad).rejects.toThrow(SecretScanInputError);
    await expect(bad).rejects.toThrow(/\.vouch\/baseline\.json/);
    await bad.catch((e: Error) => expect(e.message).not.toContain(TOKEN.slice(4, 20)));
    const re = scanCommits(source, [c1], { fingerprintKey: KEY, secrets: secrets({ allow: { regexes: [`(?<=x)${TOKEN}`] } }) });
    await expect(re).rejects.toThrow(SecretScanInputError);
    await re.catch((e: Error) => expect(e.message).not.toContain(TOKEN.slice(4, 20)));
  });

  test("a merge that brings in a branch's secret reports it once, for the commit that added it", async () => {
    const dir = await initRepo();
    const src = new CatFileSource(dir);
    try {
      const base = await commitFiles(dir, { "a.txt": "a\n" }, "base");
      await git(dir, ["checkout", "-q", "-b", "topic"]);
      const leak = await commitFiles(dir, { "src/t.ts": `const t = "${TOKEN}";\n` }, "leak");
      await git(dir, ["checkout", "-q", "main"]);
      await commitFiles(dir, { "b.txt": "b\n" }, "main moves");
      await git(dir, ["merge", "-q", "--no-ff", "-m", "merge", "topic"], { GIT_AUTHOR_DATE: "2024-01-02T00:00:00Z", GIT_COMMITTER_DATE: "2024-01-02T00:00:00Z" });
      const head = await revParse(dir, "HEAD");
      const ev = await rangeSecretEvidence(src, { head, exclude: [base], secrets: secrets(), repositoryFullName: "acme/widgets", baselineText: null });
      expect(ev.commits).toBe(3);
      expect(ev.findings.map((f) => f.commit)).toEqual([leak]);
    } finally {
      src.close();
      await removeDir(dir);
    }
  });

  test("an unknown commit is an error, never an empty scan", async () => {
    await expect(scanCommits(source, ["0".repeat(40)], { fingerprintKey: KEY })).rejects.toThrow();
  });
});

describe("rangeSecretEvidence", () => {
  test("scans every new commit between the base and the head, with the baseline text the caller read at the base", async () => {
    const target = { head: c2, exclude: [root], secrets: secrets(), repositoryFullName: "acme/widgets", baselineText: null };
    const ev = await rangeSecretEvidence(source, target);
    expect(ev.commits).toBe(2);
    expect(ev.findings.map((f) => [f.commit, f.path])).toEqual([[c1, "src/config.ts"]]);
    const baselineText = formatBaseline(addToBaseline([], ev.findings.map((f) => ({ ...f })), "revoked"));
    const withBaseline = await rangeSecretEvidence(source, { ...target, secrets: secrets({ baseline: ".vouch/baseline.json" }), baselineText });
    expect(withBaseline.findings).toEqual([]);
    // Nothing new: the head is the base.
    expect((await rangeSecretEvidence(source, { ...target, head: root })).commits).toBe(0);
  });
});

describe("secretsRequired", () => {
  const change = (paths: string[]) => ({
    kind: "push" as const,
    ref: "refs/heads/main",
    baseSha: null,
    headSha: "b".repeat(40),
    files: paths.map((path) => ({ path, status: "added" as const })),
    filesComplete: true,
  });
  const policy = (secretsOn: boolean) => PolicySchema.parse({ version: 1, namespaces: [{ name: "src", paths: ["src/**"] }], secrets: { enabled: secretsOn } });

  test("only when scanning is enabled and a protected namespace is touched, as the control applies", () => {
    expect(secretsRequired(policy(true), change(["src/a.ts"]))).toBe(true);
    expect(secretsRequired(policy(true), change(["docs/a.md"]))).toBe(false);
    expect(secretsRequired(policy(false), change(["src/a.ts"]))).toBe(false);
  });
});
