import { createHash } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "@jest/globals";
import { cli, removeDir, tempDir, writeFiles } from "./cli-helpers.js";

let dir: string;
beforeAll(() => {
  dir = tempDir();
  writeFiles(dir, {
    ".github/vouch.yml": "version: 1\nnamespaces:\n  - name: main\n    refs: [refs/heads/main]\n",
    "broken.yml": "version: 1\nnamespaces:\n  - name: main\n    refs: [main]\n    reveiw: { approvals: 1 }\n",
    "syntax.yml": "version: 1\nteams: [\n",
    "org.yml": "version: 1\nsignatures: { required: true }\n",
    "loosen.yml": "version: 1\nsignatures:\n  required: false\n",
    "extends.yml": "_extends: .github\nversion: 1\n",
  });
});
afterAll(() => removeDir(dir));

describe("vouch policy check", () => {
  test("defaults to .github/vouch.yml; prints a one-line summary and exits 0", async () => {
    const r = await cli(["policy", "check"], dir);
    expect(r).toMatchObject({ code: 0, stderr: "" });
    expect(r.stdout).toMatch(/^\.github\/vouch\.yml: valid, 1 namespace \(main\), sha256:[0-9a-f]{64}\n$/);
  });

  test("an invalid file: file:line:col: message for every error, exit 2", async () => {
    const r = await cli(["policy", "check", "broken.yml"], dir);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    const lines = r.stderr.trim().split("\n");
    expect(lines[0]).toMatch(/^broken\.yml:4:12: namespaces\.0\.refs\.0: a ref pattern starts with refs\/heads\//);
    expect(lines[1]).toMatch(/^broken\.yml:5:5: namespaces\.0\.reveiw: unknown key "reveiw"/);
    expect(lines[2]).toBe("2 errors");
  });

  test("a YAML syntax error is located too", async () => {
    const r = await cli(["policy", "check", "syntax.yml"], dir);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^syntax\.yml:3:1: /);
  });

  test("_extends is refused with the reason", async () => {
    const r = await cli(["policy", "check", "extends.yml"], dir);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^extends\.yml:1:1: _extends: _extends is not supported: Vouch never pulls policy/);
  });

  test("a missing file is an input error, exit 2", async () => {
    const r = await cli(["policy", "check", "nope.yml"], dir);
    expect(r).toMatchObject({ code: 2, stdout: "" });
    expect(r.stderr).toBe("vouch: cannot read nope.yml: no such file\n");
  });

  test("a file that is not UTF-8 is an input error; a BOM is kept in the digest", async () => {
    writeFileSync(join(dir, "latin1.yml"), Buffer.from([0x76, 0x65, 0x72, 0x3a, 0xe9, 0x0a]));
    const r = await cli(["policy", "check", "latin1.yml"], dir);
    expect(r).toMatchObject({ code: 2, stderr: "vouch: latin1.yml is not valid UTF-8\n" });
    const bom = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from("version: 1\n")]);
    writeFileSync(join(dir, "bom.yml"), bom);
    const ok = await cli(["policy", "check", "bom.yml"], dir);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain(`sha256:${createHash("sha256").update(bom).digest("hex")}`);
  });

  test("--baseline merges as the app does: tightening passes", async () => {
    const r = await cli(["policy", "check", ".github/vouch.yml", "--baseline", "org.yml"], dir);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/with baseline org\.yml: valid/);
  });

  test("--baseline: a loosening is reported at the repository file's line, exit 2", async () => {
    const r = await cli(["policy", "check", "loosen.yml", "--baseline", "org.yml"], dir);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^loosen\.yml:3:13: signatures\.required: the organization baseline requires signatures/);
  });

  test("--baseline: errors in the baseline carry the baseline's path", async () => {
    const r = await cli(["policy", "check", ".github/vouch.yml", "--baseline", "broken.yml"], dir);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^broken\.yml:4:12: /);
  });

  test("usage errors exit 2", async () => {
    expect((await cli(["policy", "check", "--nope"], dir)).code).toBe(2);
    expect((await cli(["policy", "check", "a.yml", "b.yml"], dir)).code).toBe(2);
    expect((await cli(["policy", "check", "--baseline"], dir)).code).toBe(2);
    expect((await cli(["policy", "frobnicate"], dir)).code).toBe(2);
  });
});

describe("vouch policy schema", () => {
  test("prints the committed JSON Schema", async () => {
    const r = await cli(["policy", "schema"], dir);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(readFileSync(new URL("../../policies/vouch.schema.json", import.meta.url), "utf8"));
    expect(JSON.parse(r.stdout).title).toMatch(/Vouch policy/);
  });
});

describe("help and usage everywhere", () => {
  test.each([[["--help"]], [["policy", "--help"]], [["policy", "check", "--help"]], [["policy", "schema", "--help"]], [["verify", "--help"]], [["help", "verify"]]])(
    "%j exits 0 and prints usage",
    async (argv) => {
      const r = await cli(argv, dir);
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/Usage: vouch/);
    },
  );
  test("the top-level help states the exit codes", async () => {
    expect((await cli(["--help"], dir)).stdout).toMatch(/0 pass, 1 violations, 2 usage or input error/);
  });
  test("unknown command and no command exit 2", async () => {
    const unknown = await cli(["frobnicate"], dir);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/unknown command 'frobnicate'/);
    expect((await cli([], dir)).code).toBe(2);
  });
});
