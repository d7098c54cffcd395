import { describe, test, expect } from "@jest/globals";
import { scanAddedLines, scanText } from "../../../src/controls/secrets/engine.js";
import { compileRuleset } from "../../../src/controls/secrets/ruleset.js";
import { BUILTIN_RULES } from "../../../src/controls/secrets/rules/index.js";
import { checksummedToken, fake, ALNUM, B64, BASE32 } from "../../../src/controls/secrets/rules/fake.js";
import type { ScanResult } from "../../../src/controls/secrets/types.js";

// The fast path runs built-in single-line rules only on the lines holding one of their keywords. These tests pin
// down that it finds exactly what running every rule over the whole fragment finds.
const lineScoped = compileRuleset({ skipDefaultPaths: false });
const wholeFragment = compileRuleset({ skipDefaultPaths: false, lineScope: false });
const key = "line-scope-test-key";

function both(path: string, text: string): { fast: ScanResult; slow: ScanResult } {
  return {
    fast: scanText(path, text, { fingerprintKey: key, ruleset: lineScoped }),
    slow: scanText(path, text, { fingerprintKey: key, ruleset: wholeFragment }),
  };
}

const ghToken = checksummedToken("ghp", 8101);
const token = fake(ALNUM, 32, 8102);
const keyId = `AKIA${fake(BASE32, 16, 8103)}`;
const secretKey = fake(B64, 40, 8104);

describe("line-scoped rules", () => {
  const scoped = lineScoped.contentRules.filter((r) => r.lineScoped);

  test("are the built-in single-line rules with keywords, and only those", () => {
    expect(scoped.length).toBeGreaterThan(50);
    for (const rule of lineScoped.contentRules) {
      const builtin = BUILTIN_RULES.some((b) => b.id === rule.id);
      expect({ id: rule.id, lineScoped: rule.lineScoped }).toEqual({
        id: rule.id,
        lineScoped: builtin && !rule.multiline && rule.keywords.length > 0,
      });
    }
    expect(wholeFragment.contentRules.filter((r) => r.lineScoped)).toEqual([]);
  });

  test("every match in their samples stays on one line and contains one of the rule's keywords", () => {
    for (const rule of scoped) {
      for (const text of [...rule.samples.match.map((s) => s.text), ...rule.samples.noMatch]) {
        const re = new RegExp(rule.regex.source, rule.regex.flags);
        for (const m of text.matchAll(re)) {
          const lower = m[0].toLowerCase();
          expect({ id: rule.id, match: m[0].replace(/[A-Za-z0-9]/g, "x"), newline: m[0].includes("\n") }).toEqual({
            id: rule.id,
            match: m[0].replace(/[A-Za-z0-9]/g, "x"),
            newline: false,
          });
          expect({ id: rule.id, keyword: rule.keywords.some((k) => lower.includes(k)) }).toEqual({ id: rule.id, keyword: true });
        }
      }
    }
  });

  test("rules tried only near their keywords start every sample match within their reach of a keyword", () => {
    const anchored = scoped.filter((r) => r.anchored);
    expect(anchored.map((r) => r.id).sort()).toEqual(["generic-password-assignment", "generic-secret-assignment", "url-credentials"]);
    for (const rule of anchored) {
      for (const text of [...rule.samples.match.map((s) => s.text), ...rule.samples.noMatch]) {
        for (const m of text.matchAll(new RegExp(rule.regex.source, rule.regex.flags))) {
          const lower = m[0].toLowerCase();
          const first = Math.min(...rule.keywords.map((k) => lower.indexOf(k)).filter((i) => i >= 0));
          expect({ id: rule.id, withinReach: first <= (rule.reach ?? 0) }).toEqual({ id: rule.id, withinReach: true });
        }
      }
    }
  });

  test("near-keyword matching finds names that start before their keyword, at line starts and back to back", () => {
    const other = fake(ALNUM, 32, 8105);
    const text = [
      `x = 1;`,
      `private_key = "${token}"`,
      `const access-key="${other}";api_key="${token}"`,
      `password="Xk9#pQ2m" pwd="Rt5$wL8n"`,
      `db = "postgres://svc:Xk9#pQ2m7Lz@db.internal/app"`,
    ].join("\n");
    const { fast, slow } = both("config/app.yml", text);
    expect(fast).toEqual(slow);
    expect(fast.findings.map((f) => [f.rule, f.line, f.column])).toEqual([
      ["generic-secret-assignment", 2, 16],
      ["generic-secret-assignment", 3, 19],
      ["generic-secret-assignment", 3, 62],
      ["generic-password-assignment", 4, 11],
      ["generic-password-assignment", 4, 26],
      ["url-credentials", 5, 22],
    ]);
  });

  test("find the same as whole-fragment scanning on every rule's samples, mixed, with LF and CRLF endings", () => {
    const samples = BUILTIN_RULES.filter((r) => !r.pathOnly).flatMap((r) => [...r.samples.match.map((s) => s.text), ...r.samples.noMatch]);
    // A fixed shuffle: neighbours change which keywords share a fragment, which is where the two scopes could differ.
    const shuffled = samples.map((s, i) => ({ s, k: (i * 7919) % samples.length })).sort((a, b) => a.k - b.k).map((x) => x.s);
    const filler = ["const x = 1;", "", "  // no secrets here", "function f(a) { return a + 1 }"];
    for (const [name, eol] of [["LF", "\n"], ["CRLF", "\r\n"]] as const) {
      for (let start = 0; start < shuffled.length; start += 25) {
        const chunk = shuffled.slice(start, start + 25).flatMap((s, i) => [s, filler[i % filler.length]!]);
        const text = chunk.join("\n").split("\n").join(eol);
        for (const path of ["config/app.yml", "src/app.ts", ".npmrc"]) {
          const { fast, slow } = both(path, text);
          expect({ name, start, path, ...fast }).toEqual({ name, start, path, ...slow });
        }
      }
    }
  });

  test("a secret on the first line and one on the last line without a newline are found where they are", () => {
    const text = `${ghToken}\nnothing\napi_key = "${token}"`;
    const { fast, slow } = both("src/a.ts", text);
    expect(fast).toEqual(slow);
    expect(fast.findings.map((f) => [f.rule, f.line, f.column, f.endColumn])).toEqual([
      ["github-token", 1, 1, 1 + ghToken.length],
      ["generic-secret-assignment", 3, 12, 12 + token.length],
    ]);
  });

  test("a keyword at the end of a line does not carry a rule onto the next line", () => {
    // The assignment regex does not cross lines under either scope: the name and its value must share a line.
    const text = `const api_key =\n  "${token}";\nconst other = 2; // key`;
    const { fast, slow } = both("src/a.ts", text);
    expect(fast).toEqual(slow);
    expect(fast.findings).toEqual([]);
  });

  test("several keyword hits on one line give each finding once", () => {
    const text = `token=${ghToken} key secret auth token=${token} ${ghToken.replace("ghp_", "gho_")}`;
    const { fast, slow } = both("config/app.env", text);
    expect(fast).toEqual(slow);
    const spans = fast.findings.map((f) => `${f.line}:${f.column}`);
    expect(new Set(spans).size).toBe(spans.length);
    expect(fast.findings.length).toBeGreaterThanOrEqual(2);
  });

  test("a secret inside a very long single line (a minified bundle) is found", () => {
    const padding = "a=1;".repeat(50_000);
    const text = `${padding}var k="${ghToken}";${padding}`;
    const { fast, slow } = both("dist/bundle.js", text);
    expect(fast).toEqual(slow);
    expect(fast.findings.map((f) => [f.rule, f.line, f.column])).toEqual([["github-token", 1, padding.length + 8]]);
  });

  test("a multi-line private key (whole-fragment rule) and a token on its first line are both found", () => {
    const body = Array.from({ length: 4 }, (_, i) => fake(B64, 64, 8110 + i));
    const text = [`x = "${ghToken}"; -----BEGIN RSA PRIVATE KEY-----`, ...body, "-----END RSA PRIVATE KEY-----"].join("\r\n");
    const { fast, slow } = both("keys/notes.txt", text);
    expect(fast).toEqual(slow);
    expect(fast.findings.map((f) => [f.rule, f.line, f.endLine])).toEqual([
      ["github-token", 1, undefined],
      ["private-key", 1, 6],
    ]);
  });

  test("the AWS key id still sees a secret key a few lines away, outside its own line", () => {
    const text = `aws_access_key_id = ${keyId}\n# region\n\naws_secret_access_key = ${secretKey}\n`;
    const { fast, slow } = both("config/aws.ini", text);
    expect(fast).toEqual(slow);
    expect(fast.findings.find((f) => f.rule === "aws-access-key-id")).toMatchObject({ line: 1, severity: "block" });
  });

  test("added lines of a hunk with CRLF endings map to their new-file line numbers under both scopes", () => {
    const lines = [
      { line: 10, text: "const a = 1;\r" },
      { line: 11, text: `const secret = "${token}";\r` },
      { line: 14, text: `url = "https://x.invalid"; // ${ghToken}\r` },
    ];
    const fast = scanAddedLines("src/a.ts", lines, { fingerprintKey: key, ruleset: lineScoped });
    const slow = scanAddedLines("src/a.ts", lines, { fingerprintKey: key, ruleset: wholeFragment });
    expect(fast).toEqual(slow);
    expect(fast.findings.map((f) => [f.rule, f.line, f.column])).toEqual([
      ["generic-secret-assignment", 11, 17],
      ["github-token", 14, 31],
    ]);
  });
});

describe("rules gated on a run of characters (no keyword)", () => {
  const gated = lineScoped.contentRules.filter((r) => r.runGate);
  const seed = `SU${fake(BASE32, 56, 8105)}`;

  test("are the NATS seed rule, and whole-fragment scanning has none", () => {
    expect(gated.map((r) => r.id)).toEqual(["nats-nkey-seed"]);
    expect(wholeFragment.contentRules.filter((r) => r.runGate)).toEqual([]);
  });

  test("every match in their samples holds the declared run", () => {
    for (const rule of gated) {
      const { chars, length } = rule.run!;
      const run = new RegExp(`[${chars.replace(/[\]\\^-]/g, "\\$&")}]{${length}}`);
      for (const text of [...rule.samples.match.map((s) => s.text), ...rule.samples.noMatch]) {
        for (const m of text.matchAll(new RegExp(rule.regex.source, rule.regex.flags))) {
          expect({ id: rule.id, holdsRun: run.test(m[0]) }).toEqual({ id: rule.id, holdsRun: true });
        }
      }
    }
  });

  test("a seed is found at every offset against the sampling step, at the start and at the end of the text", () => {
    for (let pad = 0; pad <= 60; pad++) {
      for (const text of [`${"x".repeat(pad)}${seed}`, `${"x".repeat(pad)} ${seed}\n`, `${seed} ${"é".repeat(pad)}`, `${"😀".repeat(pad)}\r\n${seed}\r\n`]) {
        const { fast, slow } = both("a.txt", text);
        expect(fast).toEqual(slow);
        expect(fast.findings.map((f) => f.rule)).toEqual(text.includes(`x${seed}`) ? [] : ["nats-nkey-seed"]);
      }
    }
  });

  test("runs that are too short, broken or next to longer upper-case text give the same as whole-fragment scanning", () => {
    const upper = fake(BASE32, 200, 8106);
    const texts = [
      seed.slice(0, 57),
      `${seed.slice(0, 30)}a${seed.slice(30)}`,
      `${seed.slice(0, 30)}\n${seed.slice(30)}`,
      `${upper.slice(0, 40)} ${seed} ${upper.slice(40, 90)}`,
      `${upper.slice(0, 57)}-${upper.slice(57, 114)}-${seed}`,
      `${upper.slice(0, 57)}é${seed}`,
      `${"AB".repeat(40)}a ${seed}`,
      `${upper}`,
      `x${seed}`,
    ];
    for (const text of texts) {
      const { fast, slow } = both("a.txt", text);
      expect(fast).toEqual(slow);
    }
    expect(both("a.txt", texts[3]!).fast.findings.map((f) => f.rule)).toEqual(["nats-nkey-seed"]);
    expect(both("a.txt", texts[6]!).fast.findings.map((f) => f.rule)).toEqual(["nats-nkey-seed"]);
  });
});

describe("assignment rules skip keyword hits that no assignment can follow", () => {
  const leading = lineScoped.contentRules.filter((r) => r.anchored?.lead);

  test("every match in their samples is a run of name characters that ends at an operator", () => {
    expect(leading.map((r) => r.id).sort()).toEqual(["generic-password-assignment", "generic-secret-assignment"]);
    for (const rule of leading) {
      const lead = BUILTIN_RULES.find((r) => r.id === rule.id)!.lead!;
      for (const text of [...rule.samples.match.map((s) => s.text), ...rule.samples.noMatch]) {
        for (const m of text.matchAll(new RegExp(rule.regex.source, rule.regex.flags))) {
          let i = 0;
          while (i < m[0].length && lead.chars.includes(m[0][i]!)) i++;
          const fits = lead.fits ? lead.fits(text, m.index + i) : true;
          expect({ id: rule.id, endsAtOperator: i > 0 && lead.then.includes(m[0][i] ?? "") && fits }).toEqual({ id: rule.id, endsAtOperator: true });
        }
      }
    }
  });

  test("find the same as whole-fragment scanning where keywords sit in values, after operators and before other text", () => {
    const other = fake(ALNUM, 32, 8107);
    const texts = [
      `auth=key${token}`,
      `private_key = "${token}"`,
      `my_private_key\t \t= '${token}'`,
      `"api_key", "${token}"`,
      `"api_key" ,"${token}"`,
      `setToken( "${token}" )`,
      `token(x, "${token}")`,
      `if (secret !== "${token}") {`,
      `token += "${token}"`,
      `key := "${token}"`,
      `creds => "${token}"`,
      `x=1;key="${token}";token="${other}"`,
      `the key to the secret token is here: "${token}"`,
      `the key to the secret token is here.`,
      `token é = "${token}"`,
      `password="Xk9#pQ2m" pwd="Rt5$wL8n" pass:"Qz7%vN3k"`,
      `key`,
      `secret${"-x".repeat(40)}="${token}"`,
      `[auth]\nkey = ${token}\n`,
      `"api_key"] , "${token}"`,
      `api_key, "${token}"`,
      `api_key ( "${token}")`,
      `setApiKey(\t'${token}')`,
      `getToken(client, "${token}")`,
      `if token != "${token}" {`,
      `if token ! = "${token}" {`,
      `token + "${token}"`,
      `token + = "${token}"`,
      `secret,`,
      `secret(`,
      `secret!`,
    ];
    for (const text of texts) {
      const { fast, slow } = both("config/app.yml", text);
      expect({ text, ...fast }).toEqual({ text, ...slow });
    }
    expect(both("config/app.yml", texts[3]!).fast.findings.map((f) => f.rule)).toEqual(["generic-secret-assignment"]);
    expect(both("config/app.yml", texts[5]!).fast.findings.map((f) => f.rule)).toEqual(["generic-secret-assignment"]);
    for (const i of [19, 22, 24]) {
      expect({ text: texts[i], rules: both("config/app.yml", texts[i]!).fast.findings.map((f) => f.rule) }).toEqual({
        text: texts[i],
        rules: ["generic-secret-assignment"],
      });
    }
  });
});

describe("Twilio keys", () => {
  test("are found after `SK` and every hex digit, which the rule's keywords list one by one", () => {
    for (const digit of "0123456789abcdef") {
      const sid = `SK${digit}${fake("0123456789abcdef", 31, 8108 + digit.charCodeAt(0))}`;
      const text = `task: desk\nTWILIO_KEY_SID=${sid}\n`;
      const { fast, slow } = both("src/a.ts", text);
      expect(fast).toEqual(slow);
      expect({ digit, rules: fast.findings.map((f) => [f.rule, f.line, f.column]) }).toEqual({ digit, rules: [["twilio-api-key", 2, 16]] });
    }
  });
});

describe("line numbers found only as far as the findings need", () => {
  test("are right for findings out of line order, on the last line, and with or without a final newline", () => {
    const other = fake(ALNUM, 32, 8109);
    for (const end of ["", "\n", "\n\n"]) {
      // The GitHub rule runs before the generic one, so a finding on line 5 comes before one on line 2.
      const text = `x\napi_key = "${token}"\n\n\n${ghToken}\nsecret = "${other}"${end}`;
      const { fast, slow } = both("src/a.ts", text);
      expect(fast).toEqual(slow);
      expect(fast.findings.map((f) => [f.rule, f.line, f.column, f.endColumn])).toEqual([
        ["generic-secret-assignment", 2, 12, 12 + token.length],
        ["github-token", 5, 1, 1 + ghToken.length],
        ["generic-secret-assignment", 6, 11, 11 + other.length],
      ]);
    }
  });
});
