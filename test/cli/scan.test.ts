// `vouch scan` in-process: the JSON Lines contract, exit codes, policy settings, baselines, ranges, and canaries.
import { afterAll, beforeAll, describe, expect, test } from "@jest/globals";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Command, CommanderError } from "commander";
import { registerScan } from "../../src/cli/scan.js";
import { CliInputError } from "../../src/cli/io.js";
import { checksummedToken } from "../../src/controls/secrets/rules/fake.js";
import { secretsControl } from "../../src/controls/secrets/control.js";
import { addToBaseline, formatBaseline } from "../../src/controls/secrets/baseline.js";
import { evaluate } from "../../src/engine/evaluate.js";
import { scanCommits, secretFingerprintKey } from "../../src/evidence/secret-scan.js";
import { EvidenceSchema } from "../../src/evidence/schema.js";
import { EVIDENCE_SCHEMA, type Evidence } from "../../src/evidence/types.js";
import { CatFileSource } from "../../src/git/cat-file.js";
import { PolicySchema } from "../../src/policy/schema.js";
import { renderCheckOutput } from "../../src/report/render.js";
import { secretsSarif } from "../../src/report/sarif.js";
import { commit, git, removeDir, tempDir, writeFiles } from "./cli-helpers.js";

const TOKEN = checksummedToken("ghp", 777);
const TOKEN2 = checksummedToken("ghp", 778);

/** Runs `vouch scan ...` through a program built the way run.ts builds it, and maps errors to exit codes as it does. */
async function scan(argv: string[], cwd: string): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = "";
  let stderr = "";
  let code = 0;
  const io = { stdout: { write: (s: string) => void (stdout += s) }, stderr: { write: (s: string) => void (stderr += s) }, cwd };
  const program = new Command("vouch")
    .exitOverride()
    .configureOutput({ writeOut: (s) => void (stdout += s), writeErr: (s) => void (stderr += s) });
  registerScan(program, io, (c) => {
    code = c;
  });
  try {
    await program.parseAsync(["scan", ...argv], { from: "user" });
  } catch (error) {
    if (error instanceof CommanderError) code = error.exitCode === 0 ? 0 : 2;
    else if (error instanceof CliInputError) {
      stderr += `vouch: ${error.message}\n`;
      code = 2;
    } else throw error;
  }
  return { code, stdout, stderr };
}

const jsonLines = (out: string) => out.split("\n").filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);

let dir: string;
beforeAll(() => {
  dir = tempDir();
  writeFiles(dir, {
    "proj/src/app/config.ts": `// settings\nexport const token = "${TOKEN}";\n`,
    "proj/src/clean.ts": "export const x = 1;\n",
    "proj/README.md": "# hello\n",
    "clean/a.ts": "export const a = 1;\n",
    "warn/settings.py": 'password = "hunter2-Xq7"\n',
    "policy-allow.yml": "version: 1\nsecrets:\n  allow:\n    paths: ['src/app/**']\n",
    "policy-off.yml": "version: 1\nsecrets:\n  enabled: false\n",
    "policy-bad.yml": "version: 1\nsecrets:\n  nonsense: true\n",
  });
});
afterAll(() => removeDir(dir));

describe("vouch scan PATH...", () => {
  test("prints one JSON object per finding, paths relative to the directory argument, columns spanning the secret; exit 1", async () => {
    const r = await scan(["--format", "json", "--repository", "acme/app", "proj"], dir);
    expect(r.code).toBe(1);
    const lines = jsonLines(r.stdout);
    expect(lines).toHaveLength(1);
    const f = lines[0]!;
    expect(Object.keys(f).sort()).toEqual(["column", "endColumn", "fingerprint", "line", "path", "preview", "rule", "severity"]);
    expect(f).toMatchObject({ path: "src/app/config.ts", line: 2, rule: "github-token", severity: "block" });
    const line = readFileSync(join(dir, "proj/src/app/config.ts"), "utf8").split("\n")[1]!;
    expect(line.slice((f.column as number) - 1, (f.endColumn as number) - 1)).toBe(TOKEN);
    expect(r.stdout).not.toContain(TOKEN.slice(4, 16));
  });

  test("a file argument keeps the path as given", async () => {
    const r = await scan(["--format", "json", "proj/src/app/config.ts", "proj/src/clean.ts"], dir);
    expect(jsonLines(r.stdout).map((f) => f.path)).toEqual(["proj/src/app/config.ts"]);
  });

  test("nothing found exits 0; a warning alone does not block", async () => {
    expect(await scan(["--format", "json", "clean"], dir)).toMatchObject({ code: 0, stdout: "" });
    const w = await scan(["--format", "json", "warn"], dir);
    expect(w.code).toBe(0);
    expect(jsonLines(w.stdout).map((f) => f.severity)).toEqual(["warn"]);
  });

  test("text output names file, line, column, rule and preview", async () => {
    const r = await scan(["proj"], dir);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^src\/app\/config\.ts:2:\d+: block github-token: .*ghp_…\(40\)/m);
    expect(r.stdout).toContain("1 blocking, 0 warning(s), 0 file(s) not scanned");
  });

  test("SARIF output is one log with the finding and no secret", async () => {
    const r = await scan(["--format", "sarif", "proj"], dir);
    expect(r.code).toBe(1);
    const log = JSON.parse(r.stdout) as { version: string; runs: { results: { ruleId: string }[] }[] };
    expect(log.version).toBe("2.1.0");
    expect(log.runs[0]!.results.map((x) => x.ruleId)).toEqual(["github-token"]);
    expect(r.stdout).not.toContain(TOKEN.slice(4, 16));
  });

  test("the policy's path allowlist and switch apply", async () => {
    expect((await scan(["--policy", "policy-allow.yml", "proj"], dir)).code).toBe(0);
    const off = await scan(["--policy", "policy-off.yml", "proj"], dir);
    expect(off.code).toBe(0);
    expect(off.stderr).toContain("disabled by the policy");
  });

  test("a baseline entry written from the JSON output suppresses the finding; fingerprints follow --repository", async () => {
    const first = jsonLines((await scan(["--format", "json", "--repository", "acme/app", "proj"], dir)).stdout);
    const other = jsonLines((await scan(["--format", "json", "--repository", "acme/other", "proj"], dir)).stdout);
    expect(other[0]!.fingerprint).not.toBe(first[0]!.fingerprint);
    const entries = addToBaseline([], [{ fingerprint: String(first[0]!.fingerprint), rule: "github-token", path: "src/app/config.ts" }] as never, "revoked");
    writeFiles(dir, { "base/baseline.json": formatBaseline(entries), "policy-base.yml": "version: 1\nsecrets:\n  baseline: base/baseline.json\n" });
    expect((await scan(["--policy", "policy-base.yml", "--repository", "acme/app", "proj"], dir)).code).toBe(0);
    expect((await scan(["--policy", "policy-base.yml", "--repository", "acme/other", "proj"], dir)).code).toBe(1);
  });

  test("key files are flagged by name; oversized files are reported as not scanned, on stderr", async () => {
    writeFiles(dir, { "keys/deploy/id_rsa": "not really a key\n", "big/data.txt": "a".repeat(3 * 1024 * 1024) });
    const k = await scan(["--format", "json", "keys"], dir);
    expect(k.code).toBe(1);
    expect(jsonLines(k.stdout).map((f) => [f.path, f.rule])).toEqual([["deploy/id_rsa", "private-key-file"]]);
    const b = await scan(["--format", "json", "big"], dir);
    expect(b).toMatchObject({ code: 0, stdout: "" });
    expect(b.stderr).toMatch(/data\.txt: not scanned \(too-large, 3145728 bytes\)/);
  });

  test("usage and input errors exit 2", async () => {
    expect((await scan(["missing-dir"], dir)).code).toBe(2);
    expect((await scan(["/dev/null"], dir)).code).toBe(2);
    expect((await scan([], dir)).code).toBe(2);
    expect((await scan(["--format", "xml", "proj"], dir)).code).toBe(2);
    const bad = await scan(["--policy", "policy-bad.yml", "proj"], dir);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/policy-bad\.yml/);
    expect((await scan(["--policy", "nope.yml", "proj"], dir)).code).toBe(2);
    expect((await scan(["--repository", "not a name", "proj"], dir)).code).toBe(2);
  });
});

describe("vouch scan --repo DIR A..B", () => {
  let repo: string;
  let base: string;
  let added: string;
  let removed: string;
  beforeAll(() => {
    repo = tempDir();
    git(repo, "init", "-q", "-b", "main");
    git(repo, "remote", "add", "origin", "https://github.com/Acme/App.git");
    base = commit(repo, { "README.md": "hi\n" }, "root");
    added = commit(repo, { "src/a.ts": `const t = "${TOKEN}";\n` }, "add");
    removed = commit(repo, { "src/a.ts": "const t = process.env.T;\n" }, "remove");
  });
  afterAll(() => removeDir(repo));

  test("finds a secret added in one commit and removed in the next, with the commit; fingerprints match the app's", async () => {
    const r = await scan(["--repo", repo, "--format", "json", `${base}..${removed}`], dir);
    expect(r.code).toBe(1);
    const lines = jsonLines(r.stdout);
    expect(lines).toEqual([expect.objectContaining({ path: "src/a.ts", line: 1, rule: "github-token", commit: added })]);
    // The app keys by the event's full name; the CLI by the origin remote: same repository, same fingerprint.
    const source = new CatFileSource(repo);
    try {
      const ev = await scanCommits(source, [added], { fingerprintKey: secretFingerprintKey("acme/app") });
      expect(ev.findings[0]!.fingerprint).toBe(lines[0]!.fingerprint);
    } finally {
      source.close();
    }
  });

  test("the policy and baseline at the base revision apply", async () => {
    const fp = String(jsonLines((await scan(["--repo", repo, "--format", "json", `${base}..${removed}`], dir)).stdout)[0]!.fingerprint);
    const withBaseline = commit(repo, {
      ".github/vouch.yml": "version: 1\nsecrets:\n  baseline: .vouch/baseline.json\n",
      ".vouch/baseline.json": formatBaseline(addToBaseline([], [{ fingerprint: fp, rule: "github-token", path: "src/a.ts" }] as never, "revoked")),
    }, "baseline");
    const again = commit(repo, { "src/a.ts": `const t = "${TOKEN}";\n`, "src/b.ts": `const u = "${TOKEN2}";\n` }, "again");
    const r = await scan(["--repo", repo, "--format", "json", `${withBaseline}..${again}`], dir);
    expect(jsonLines(r.stdout).map((f) => f.path)).toEqual(["src/b.ts"]);
    // A single revision is that commit against its parent.
    expect(jsonLines((await scan(["--repo", repo, "--format", "json", again], dir)).stdout).map((f) => f.path)).toEqual(["src/b.ts"]);
  });

  test("an unknown revision or a directory that is not a clone exits 2", async () => {
    expect((await scan(["--repo", repo, "nope..HEAD"], dir)).code).toBe(2);
    expect((await scan(["--repo", join(dir, "clean"), "HEAD~1..HEAD"], dir)).code).toBe(2);
  });
});

describe("canary: a secret through every output", () => {
  test("scan evidence, saved evidence JSON, control findings, check-run output, SARIF and CLI output never hold it", async () => {
    const repo = tempDir();
    try {
      git(repo, "init", "-q", "-b", "main");
      const root = commit(repo, { "README.md": "hi\n" }, "root");
      const leak = commit(repo, { "src/leak.ts": `export const k = "${TOKEN}"; // deploy\n`, "certs/app.p12": "\0binary" }, "leak");
      const pieces = Array.from({ length: TOKEN.length - 7 }, (_, i) => TOKEN.slice(i, i + 8)).filter((w) => !w.startsWith("ghp_"));
      const expectClean = (what: string, text: string) => expect({ what, leaked: pieces.find((p) => text.includes(p)) }).toEqual({ what, leaked: undefined });

      const source = new CatFileSource(repo);
      let secrets;
      try {
        secrets = await scanCommits(source, [leak], { fingerprintKey: secretFingerprintKey("acme/app") });
      } finally {
        source.close();
      }
      expect(secrets.findings.length).toBeGreaterThan(0);
      const evidence: Evidence = {
        schema: EVIDENCE_SCHEMA,
        repository: { id: 1, fullName: "acme/app" },
        observedAt: "2026-11-25T12:00:00.000Z",
        change: { kind: "push", ref: "refs/heads/main", baseSha: root, headSha: leak, files: [{ path: "src/leak.ts", status: "added" }], filesComplete: true },
        gaps: [],
        secrets,
      };
      const saved = JSON.stringify(evidence);
      expectClean("evidence JSON", saved);
      const replayed = EvidenceSchema.parse(JSON.parse(saved)) as Evidence;
      const policy = PolicySchema.parse({ version: 1, namespaces: [{ name: "src", paths: ["src/**"] }] });
      const verdict = evaluate({ status: "valid", policy, digest: `sha256:${"ab".repeat(32)}`, sources: [] }, replayed, [secretsControl]);
      expect(verdict.conclusion).toBe("failure");
      expectClean("verdict", JSON.stringify(verdict));
      const output = renderCheckOutput(verdict, { repository: "acme/app", policySources: [] });
      expect(output.annotations.some((a) => a.path === "src/leak.ts" && a.annotation_level === "failure")).toBe(true);
      expectClean("check output", JSON.stringify(output));
      expectClean("SARIF", JSON.stringify(secretsSarif(secrets.findings)));
      for (const format of ["text", "json", "sarif"]) {
        const byPath = await scan(["--format", format, repo], dir);
        const byRange = await scan(["--repo", repo, "--format", format, `${root}..${leak}`], dir);
        expect([byPath.code, byRange.code]).toEqual([1, 1]);
        expectClean(`cli ${format}`, byPath.stdout + byPath.stderr + byRange.stdout + byRange.stderr);
      }
    } finally {
      removeDir(repo);
    }
  });
});
