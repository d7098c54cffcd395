import { describe, test, expect, beforeAll, afterAll } from "@jest/globals";
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { scanAddedLines, scanText } from "../../../src/controls/secrets/engine.js";
import { compileRuleset, defaultRuleset } from "../../../src/controls/secrets/ruleset.js";
import { KeywordPrefilter } from "../../../src/controls/secrets/prefilter.js";
import { UnsafeRegexError } from "../../../src/controls/secrets/re2.js";
import { hasValidTokenChecksum } from "../../../src/controls/secrets/checksum.js";
import { previewOf } from "../../../src/controls/secrets/redact.js";
import { checksummedToken, fake, ALNUM, B64, BASE32 } from "../../../src/controls/secrets/rules/fake.js";
import type { AddedLine } from "../../../src/controls/secrets/types.js";
import { commitFiles, initRepo, removeDir, tempDir, gitEnv } from "../../helpers/git.js";
import { naiveHits } from "./naive-hits.js";

const opts = { fingerprintKey: "repo-key-1" };
const keyId = `AKIA${fake(BASE32, 16, 7001)}`;
const secretKey = fake(B64, 40, 7002);
const ghToken = checksummedToken("ghp", 7003);

describe("scanText", () => {
  test("reports 1-based line and columns spanning exactly the secret", () => {
    const text = `line one\n  token: "${ghToken}"\n`;
    const [f] = scanText("config.yml", text, opts).findings;
    expect(f).toMatchObject({ path: "config.yml", line: 2, column: 11, endColumn: 11 + ghToken.length, rule: "github-token", severity: "block" });
    expect(f?.endLine).toBeUndefined();
  });

  test("a GitHub-shaped token with a wrong checksum only warns", () => {
    const bad = checksummedToken("ghp", 7004, false);
    expect(hasValidTokenChecksum(bad)).toBe(false);
    expect(hasValidTokenChecksum(ghToken)).toBe(true);
    expect(scanText("a.txt", bad, opts).findings.map((f) => f.severity)).toEqual(["warn"]);
  });

  test("an AWS key id blocks only with a secret key in the same file", () => {
    const alone = scanText("a.env", `AWS_ACCESS_KEY_ID=${keyId}\n`, opts).findings;
    expect(alone.map((f) => [f.rule, f.severity])).toEqual([["aws-access-key-id", "warn"]]);
    const pair = scanText("a.env", `AWS_ACCESS_KEY_ID=${keyId}\nAWS_SECRET_ACCESS_KEY=${secretKey}\n`, opts).findings;
    expect(pair.map((f) => [f.rule, f.severity, f.line])).toEqual([
      ["aws-access-key-id", "block", 1],
      ["aws-secret-access-key", "block", 2],
    ]);
  });

  test("overlapping matches are reported once, by the most specific rule", () => {
    const findings = scanText("a.py", `api_key = "${ghToken}"`, opts).findings;
    expect(findings.map((f) => f.rule)).toEqual(["github-token"]);
  });

  test("CRLF line endings do not leak into the secret", () => {
    const a = scanText("a.env", `X=1\r\nGITHUB_TOKEN=${ghToken}\r\n`, opts).findings;
    const b = scanText("a.env", `X=1\nGITHUB_TOKEN=${ghToken}\n`, opts).findings;
    expect(a).toEqual(b);
  });

  test("binary content is not scanned but reported as such", () => {
    const bytes = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x00]), Buffer.from(ghToken)]);
    const result = scanText("logo.png", bytes, opts);
    expect(result.findings).toEqual([]);
    expect(result.notScanned).toEqual([{ path: "logo.png", reason: "binary", bytes: bytes.length }]);
  });

  test("a file over the size limit is reported as not scanned, never passed silently", () => {
    const text = `${"x".repeat(2000)}\n${ghToken}\n`;
    const result = scanText("big.txt", text, { ...opts, maxBytes: 1000 });
    expect(result.findings).toEqual([]);
    expect(result.notScanned).toEqual([{ path: "big.txt", reason: "too-large", bytes: Buffer.byteLength(text) }]);
  });

  test("the size limit counts UTF-8 bytes, also when the text has fewer characters than the limit", () => {
    // 400 characters, 1,200 bytes: the length alone does not show it is within 1,000 bytes, and it is not.
    const wide = `${"€".repeat(399)}\n`;
    expect(scanText("wide.txt", wide, { ...opts, maxBytes: 1000 }).notScanned).toEqual([
      { path: "wide.txt", reason: "too-large", bytes: Buffer.byteLength(wide) },
    ]);
    // 600 characters, 998 bytes: within the limit although three bytes per character would not be.
    const mixed = `${"é".repeat(398)}${"x".repeat(200)} ${ghToken}`.slice(0, 600);
    expect(Buffer.byteLength(mixed)).toBeLessThanOrEqual(1000);
    expect(mixed.length * 3).toBeGreaterThan(1000);
    expect(scanText("mixed.txt", mixed, { ...opts, maxBytes: 1000 }).notScanned).toEqual([]);
    // Exactly at the limit is scanned; one byte over is not.
    const exact = "x".repeat(1000);
    expect(scanText("exact.txt", exact, { ...opts, maxBytes: 1000 }).notScanned).toEqual([]);
    expect(scanText("over.txt", `${exact}x`, { ...opts, maxBytes: 1000 }).notScanned.map((n) => n.bytes)).toEqual([1001]);
  });

  test("UTF-8 bytes are decoded before scanning", () => {
    const result = scanText("a.txt", Buffer.from(`héllo ${ghToken}`, "utf8"), opts);
    expect(result.findings.map((f) => f.column)).toEqual([7]);
  });

  test("lockfiles and node_modules are skipped by default but not when asked", () => {
    expect(scanText("node_modules/x/index.js", ghToken, opts).findings).toEqual([]);
    const ruleset = compileRuleset({ skipDefaultPaths: false });
    expect(scanText("node_modules/x/index.js", ghToken, { ...opts, ruleset }).findings).toHaveLength(1);
  });

  test("private keys generated by ssh-keygen are found across lines; public keys are not", async () => {
    const dir = await tempDir();
    try {
      execFileSync("ssh-keygen", ["-q", "-t", "rsa", "-b", "1024", "-m", "PEM", "-N", "", "-f", join(dir, "k"), "-C", "test"]);
      const priv = readFileSync(join(dir, "k"), "utf8");
      const pub = readFileSync(join(dir, "k.pub"), "utf8");
      const text = `# deploy key\n${priv}`;
      const [f, ...rest] = scanText("deploy/key.pem", text, opts).findings;
      expect(rest).toEqual([]);
      const lines = priv.trimEnd().split("\n");
      expect(f).toMatchObject({ rule: "private-key", line: 2, column: 1, endLine: lines.length + 1, endColumn: (lines.at(-1)?.length ?? 0) + 1 });
      expect(scanText("deploy/key.pub", pub, opts).findings).toEqual([]);
    } finally {
      await removeDir(dir);
    }
  });

  test("rejects an empty fingerprint key", () => {
    expect(() => scanText("a.txt", ghToken, { fingerprintKey: "" })).toThrow(/fingerprint key/);
  });
});

describe("fingerprints and previews", () => {
  test("moving the secret to another line keeps the fingerprint", () => {
    const a = scanText("a.env", `TOKEN=${ghToken}`, opts).findings[0];
    const b = scanText("a.env", `\n\n# moved\nTOKEN=${ghToken}`, opts).findings[0];
    expect(a?.line).not.toBe(b?.line);
    expect(a?.fingerprint).toBe(b?.fingerprint);
  });

  test("the fingerprint depends on the repository key, the path and the secret, and is not a plain hash", () => {
    const fp = (key: string, path: string, token: string) => scanText(path, token, { fingerprintKey: key }).findings[0]?.fingerprint;
    const base = fp("k1", "a.txt", ghToken);
    expect(base).toMatch(/^[0-9a-f]{32}$/);
    expect(fp("k2", "a.txt", ghToken)).not.toBe(base);
    expect(fp("k1", "b.txt", ghToken)).not.toBe(base);
    expect(fp("k1", "a.txt", checksummedToken("ghp", 7005))).not.toBe(base);
    for (const algo of ["sha1", "sha256", "md5"]) expect(createHash(algo).update(ghToken).digest("hex")).not.toContain(base);
  });

  test("previews show at most 4 characters of long secrets and none of short ones", () => {
    expect(previewOf(ghToken)).toBe(`ghp_…(40)`);
    expect(previewOf("hunter2!x")).toBe("…(9)");
    const found = scanText("a.env", `DB_PASSWORD=Xk9#pQ2m`, opts).findings;
    expect(found.map((f) => f.preview)).toEqual(["…(8)"]);
  });

  test("previews count characters, not UTF-16 units, and never split a character", () => {
    expect(previewOf("🔑🔑ab" + "x".repeat(12))).toBe("🔑🔑ab…(16)");
    expect(previewOf("🔑".repeat(15))).toBe("…(15)");
    expect(previewOf("ab\tc" + "x".repeat(12))).toBe("ab c…(16)");
  });
});

describe("scanAddedLines on real git diff hunks", () => {
  let dir = "";
  beforeAll(async () => {
    dir = await initRepo(await tempDir());
  });
  afterAll(async () => {
    await removeDir(dir);
  });

  /** The added lines of each hunk of `git show -U0`, per file. */
  function addedHunks(rev: string): { path: string; lines: AddedLine[] }[] {
    const out = execFileSync("git", ["show", "-U0", "--format=", rev], { cwd: dir, env: gitEnv(), encoding: "utf8" });
    const hunks: { path: string; lines: AddedLine[] }[] = [];
    let path = "";
    let next = 0;
    let current: AddedLine[] | undefined;
    for (const line of out.split("\n")) {
      if (line.startsWith("+++ ")) path = line.slice(6);
      else if (line.startsWith("@@")) {
        next = Number(/\+(\d+)/.exec(line)?.[1]);
        current = [];
        hunks.push({ path, lines: current });
      } else if (line.startsWith("+") && current) current.push({ line: next++, text: line.slice(1) });
    }
    return hunks;
  }

  test("only added lines are scanned, with their new-file line numbers", async () => {
    await commitFiles(dir, { "app/settings.py": "DEBUG = True\n\n\nNAME = 'x'\n" }, "base");
    const rev = await commitFiles(dir, { "app/settings.py": `DEBUG = True\n\n\nNAME = 'x'\nGITHUB_TOKEN = "${ghToken}"\n` }, "add token");
    const hunks = addedHunks(rev);
    expect(hunks).toHaveLength(1);
    const [h] = hunks;
    const result = scanAddedLines(h?.path ?? "", h?.lines ?? [], opts);
    expect(result.findings.map((f) => [f.path, f.line, f.column])).toEqual([["app/settings.py", 5, 17]]);
  });

  test("a private key added in one hunk is found across its lines", async () => {
    const body = Array.from({ length: 4 }, (_, i) => fake(B64, 64, 7100 + i));
    const pem = ["-----BEGIN EC PRIVATE KEY-----", ...body, "-----END EC PRIVATE KEY-----"].join("\n");
    const rev = await commitFiles(dir, { "certs/key.txt": `header\n${pem}\n` }, "add key");
    const [h] = addedHunks(rev);
    const [f] = scanAddedLines(h?.path ?? "", h?.lines ?? [], opts).findings;
    expect(f).toMatchObject({ rule: "private-key", line: 2, endLine: 7, column: 1 });
  });

  test("oversized hunks are reported as not scanned", () => {
    const lines = [{ line: 10, text: `x${ghToken}` }];
    const result = scanAddedLines("a.txt", lines, { ...opts, maxBytes: 10 });
    expect(result.findings).toEqual([]);
    expect(result.notScanned.map((n) => n.reason)).toEqual(["too-large"]);
  });
});

describe("keyword prefilter", () => {
  test("finds keywords contained in longer keywords and overlapping ones", () => {
    const pf = new KeywordPrefilter(["key", "ey", "eyj", "akia", "kia"]);
    expect([...pf.present("the key is eyjxx")].sort()).toEqual(["ey", "eyj", "key"]);
    expect([...pf.present("xakia")].sort()).toEqual(["akia", "kia"]);
    expect([...pf.present("nothing here")]).toEqual([]);
  });


  test("reports every offset, at the string's ends, in any ASCII case, around non-ASCII text and surrogate pairs", () => {
    const pf = new KeywordPrefilter(["key", "sk", "secret_access_key", "q~", "basic\t", "://"]);
    const texts = [
      "sk",
      "KEY",
      "a = Key",
      "monkey",
      "SeCrEt_AcCeSs_KeY=x",
      "ключ key ключ",
      "ключkeyключ",
      "😀key😀SK😀",
      "\u{1F600}sk",
      "\u017Fk \u017Fecret K\u212Aey",
      "key\r\nsk\r\n",
      "ke\r\ny s\nk",
      "secret_access_\r\nkey",
      "Basic\tQ~x https://a",
      "",
    ];
    for (const text of texts) {
      expect({ text, at: pf.scan(text).at }).toEqual({ text, at: naiveHits(pf.keywords, text) });
    }
    // Non-ASCII look-alikes are not keyword letters: the long s, the Kelvin sign, a code unit whose low byte is
    // `k` (U+016B) or `s` (U+0173), and a keyword split by CRLF match nothing.
    expect(pf.scan("\u017Fk \u212Aey \u016Bey \u0173k ke\r\ny").at.every((a) => a === undefined)).toBe(true);
  });

  test("a keyword set too large for 16-bit transitions still finds every occurrence", () => {
    let seed = 7;
    const next = () => (seed = (seed * 48271) % 2147483647);
    const letters = "abcdefghijklmnopqrstuvwxyz0123456789_-.";
    const word = (n: number) => Array.from({ length: n }, () => letters[next() % letters.length]).join("");
    const keywords = Array.from({ length: 3000 }, () => word(4 + (next() % 12)));
    const pf = new KeywordPrefilter(keywords);
    // This size takes the 32-bit transition table (the built-in keywords take the 16-bit one).
    expect((pf as unknown as { delta: unknown }).delta).toBeInstanceOf(Uint32Array);
    expect((defaultRuleset().prefilter as unknown as { delta: unknown }).delta).toBeInstanceOf(Uint16Array);
    const text = Array.from({ length: 400 }, (_, i) => (i % 3 === 0 ? keywords[next() % keywords.length]!.toUpperCase() : word(6)) + (i % 7 === 0 ? "é\r\n" : " ")).join("");
    expect(pf.scan(text).at).toEqual(naiveHits(pf.keywords, text));
    expect(pf.scan(text).at.filter((a) => a !== undefined).length).toBeGreaterThan(100);
  });

  test("a rule runs only when one of its keywords occurs in the fragment", () => {
    const gated = {
      id: "gated",
      description: "test rule",
      keywords: ["zqx"],
      regex: /marker-(\d{6})/g,
      severity: "block" as const,
      samples: { match: [], noMatch: [] },
    };
    const ruleset = compileRuleset({ extraRules: [gated] });
    expect(scanText("a.txt", "marker-123456", { ...opts, ruleset }).findings).toEqual([]);
    expect(scanText("a.txt", "marker-123456\nZQX", { ...opts, ruleset }).findings.map((f) => f.rule)).toEqual(["gated"]);
  });
});

describe("policy regexes run under RE2", () => {
  test("a regex RE2 cannot compile is rejected with a clear error", () => {
    expect(() => compileRuleset({ allowRegexes: ["(?<=foo)bar"] })).toThrow(UnsafeRegexError);
    expect(() => compileRuleset({ allowRegexes: ["(a)\\1"] })).toThrow(/secrets\.allow\.regexes\[0\].*cannot be compiled by RE2/);
  });

  test("a catastrophic-backtracking pattern runs in linear time under RE2", () => {
    const ruleset = compileRuleset({ allowRegexes: ["(a+)+$"] });
    const text = `TOKEN=${ghToken} ${"a".repeat(50_000)}b`;
    expect(scanText("a.txt", text, { ...opts, ruleset }).findings).toHaveLength(1);
  });

  test("unknown rule ids in `disable` are an error", () => {
    expect(() => compileRuleset({ disable: ["github-tokn"] })).toThrow(/unknown rule.*github-tokn/);
    const ruleset = compileRuleset({ disable: ["github-token"] });
    expect(scanText("a.txt", ghToken, { ...opts, ruleset }).findings).toEqual([]);
  });

  test("a token-looking value of another alphabet is not a GitHub token", () => {
    expect(scanText("a.txt", `ghp_${fake(ALNUM, 35, 1)}!`, opts).findings).toEqual([]);
  });
});
