import { describe, test, expect } from "@jest/globals";
import { KeywordPrefilter } from "../../../src/controls/secrets/prefilter.js";
import { compileRuleset, defaultRuleset } from "../../../src/controls/secrets/ruleset.js";
import { BUILTIN_RULES } from "../../../src/controls/secrets/rules/index.js";
import { scanText } from "../../../src/controls/secrets/engine.js";
import { naiveHits } from "./naive-hits.js";

// The prefilter walks texts in WebAssembly, cut into chunks and each chunk into segments walked in lock step
// (decision 0060). These tests pin down that it reports exactly every keyword occurrence: what a brute-force search
// finds and what the JavaScript walk finds, at every segment and chunk boundary.

const builtinKeywords = defaultRuleset().prefilter.keywords;


function prng(seed: number): (n: number) => number {
  let s = seed;
  return (n) => {
    s = (s * 48271) % 2147483647;
    return s % n;
  };
}

/** Upper-cases about half of the ASCII letters, so that case folding is exercised everywhere. */
function mixCase(text: string, next: (n: number) => number): string {
  return text.replace(/[a-z]/g, (c) => (next(2) === 0 ? c.toUpperCase() : c));
}

const FILLER = ["x", " ", "\n", "\r\n", "é", "ключ", "😀", "\u{1F511}", "\uD800", "\uDC00", "\0", "=", '"', "k", "s", "e", "y", "_", "-"];

/** A text of `length` characters or more, of filler and keywords, some cut short, some glued together. */
function mixedText(keywords: readonly string[], length: number, seed: number): string {
  const next = prng(seed);
  let text = "";
  while (text.length < length) {
    const r = next(10);
    if (r < 4) text += FILLER[next(FILLER.length)]!;
    else if (r < 8) text += keywords[next(keywords.length)]!;
    else {
      const k = keywords[next(keywords.length)]!;
      text += k.slice(0, 1 + next(k.length));
    }
  }
  return mixCase(text, next);
}

const wasm = new KeywordPrefilter(builtinKeywords);
const js = new KeywordPrefilter(builtinKeywords, { wasm: false });
/** The smallest chunk allowed, so that short texts cross chunk boundaries as 2 MB ones do. */
const chunked = new KeywordPrefilter(builtinKeywords, { chunk: 64 });
const midChunk = new KeywordPrefilter(builtinKeywords, { chunk: 300 });

function expectExact(text: string, label: string): void {
  const expected = naiveHits(builtinKeywords, text);
  for (const [name, pf] of [["wasm", wasm], ["js", js], ["chunk 64", chunked], ["chunk 300", midChunk]] as const) {
    expect({ label, name, length: text.length, at: pf.scan(text).at }).toEqual({ label, name, length: text.length, at: expected });
  }
}

describe("keyword prefilter walk", () => {
  test("runs in WebAssembly here, and in JavaScript when told to", () => {
    // Without this the comparisons below could compare the JavaScript walk with itself.
    expect(wasm.walksInWasm).toBe(true);
    expect(defaultRuleset().prefilter.walksInWasm).toBe(true);
    expect(js.walksInWasm).toBe(false);
  });

  test("reports every occurrence in texts of keywords and filler, of every length around the split threshold", () => {
    for (let length = 0; length < 1100; length += length < 300 ? 1 : 37) {
      expectExact(mixedText(builtinKeywords, length, 1000 + length).slice(0, length), `length ${length}`);
    }
  });

  test("finds a keyword across every segment and chunk boundary, at every offset", () => {
    // A text of filler with one keyword moved across each position: wherever the boundaries fall (four segments
    // per text or chunk of 256 characters or more; chunks of 64 or 300), it must be found once, where it is.
    for (const keyword of ["putty-user-key-file-", "secret_access_key", "q~", "eyj"]) {
      for (const total of [256, 1024]) {
        for (let at = 0; at + keyword.length <= total; at += at < 40 || total - at < 60 ? 1 : 7) {
          const text = "x".repeat(at) + keyword.toUpperCase() + "x".repeat(total - at - keyword.length);
          expectExact(text, `${keyword} at ${at} of ${total}`);
        }
      }
    }
  });

  test("keywords back to back and overlapping at the boundaries", () => {
    for (let seed = 1; seed <= 40; seed++) {
      const dense = Array.from({ length: 400 }, (_, i) => builtinKeywords[(i * 31 + seed * 7) % builtinKeywords.length]!).join("");
      expectExact(mixCase(dense, prng(seed)), `dense ${seed}`);
    }
    // `key` inside `monkey`, `ey` and `eyj` overlapping: the automaton's outputs, not only its longest match.
    const pf = new KeywordPrefilter(["key", "ey", "eyj", "akia", "kia"]);
    const js2 = new KeywordPrefilter(["key", "ey", "eyj", "akia", "kia"], { wasm: false });
    const text = "monkeyjAKIAkeyj ".repeat(50);
    expect(pf.scan(text).at).toEqual(naiveHits(pf.keywords, text));
    expect(pf.scan(text).at).toEqual(js2.scan(text).at);
  });

  test("every rule's samples, shuffled together, with LF and CRLF, in short and long texts", () => {
    const samples = BUILTIN_RULES.flatMap((r) => [...r.samples.match.map((s) => s.text), ...r.samples.noMatch]);
    const next = prng(99);
    for (let round = 0; round < 6; round++) {
      const picked = Array.from({ length: 20 + round * 40 }, () => samples[next(samples.length)]!);
      const eol = round % 2 === 0 ? "\n" : "\r\n";
      expectExact(picked.join(eol), `samples round ${round}`);
    }
  });

  test("non-ASCII look-alikes and code units whose low byte is a keyword letter match nothing", () => {
    // The long s, the Kelvin sign, U+016B (low byte `k`), U+0173 (low byte `s`), fullwidth letters.
    const text = "\u017Fk \u212Aey \u016Bey \u0173k \uFF4B\uFF45\uFF59 ".repeat(100);
    expect(wasm.scan(text).at.every((a) => a === undefined)).toBe(true);
    expectExact(text + "key", "look-alikes then a keyword");
  });

  test("a keyword set too large for 16-bit transitions walks the 32-bit table in WebAssembly", () => {
    const next = prng(7);
    const letters = "abcdefghijklmnopqrstuvwxyz0123456789_-.";
    const word = (n: number) => Array.from({ length: n }, () => letters[next(letters.length)]).join("");
    const keywords = Array.from({ length: 3000 }, () => word(4 + next(12)));
    const wide = new KeywordPrefilter(keywords);
    const wideJs = new KeywordPrefilter(keywords, { wasm: false });
    const wideChunked = new KeywordPrefilter(keywords, { chunk: 64 });
    expect(wide.walksInWasm).toBe(true);
    const text = Array.from({ length: 600 }, (_, i) => (i % 3 === 0 ? keywords[next(keywords.length)]!.toUpperCase() : word(6)) + (i % 7 === 0 ? "é\r\n" : " ")).join("");
    const expected = naiveHits(wide.keywords, text);
    expect(wide.scan(text).at).toEqual(expected);
    expect(wideJs.scan(text).at).toEqual(expected);
    expect(wideChunked.scan(text).at).toEqual(expected);
    expect(expected.filter((a) => a !== undefined).length).toBeGreaterThan(100);
  });

  test("automata sharing the module take turns without seeing each other's tables", () => {
    // One memory holds one automaton's tables at a time; switching must copy the other's in.
    const small = new KeywordPrefilter(["zq", "qz"]);
    const text = mixedText(builtinKeywords, 2000, 5) + "zqz";
    for (let i = 0; i < 3; i++) {
      expect(wasm.scan(text).at).toEqual(naiveHits(builtinKeywords, text));
      expect(small.scan(text).at).toEqual(naiveHits(small.keywords, text));
      expect(chunked.scan(text).at).toEqual(naiveHits(builtinKeywords, text));
    }
  });

  test("where the module's memory cannot grow for a text, that text is walked in JavaScript, and the next one is not", () => {
    // A chunk of 2^30 characters needs more than the 4 GiB a WebAssembly memory can have: the walk must fall back,
    // not skip the text or throw.
    const huge = new KeywordPrefilter(builtinKeywords, { chunk: 2 ** 30 });
    const text = mixedText(builtinKeywords, 3000, 11);
    expect(huge.scan(text).at).toEqual(naiveHits(builtinKeywords, text));
    expect(wasm.scan(text).at).toEqual(naiveHits(builtinKeywords, text));
  });

  test("a chunk smaller than the lead-in it needs is refused", () => {
    expect(() => new KeywordPrefilter(builtinKeywords, { chunk: 10 })).toThrow(RangeError);
  });

  test("runs of characters are found exactly, in WebAssembly as in JavaScript, for every length and offset", () => {
    // A run gate like the NATS seed rule's, shorter so that texts stay small: 10 characters from [A-Z2-7].
    const member = new Uint8Array(128);
    for (const c of "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567") member[c.charCodeAt(0)] = 1;
    const gates = [{ member, length: 10 }, { member, length: 3 }];
    const viaWasm = new KeywordPrefilter(["key"], { runs: gates });
    const viaJs = new KeywordPrefilter(["key"], { runs: gates, wasm: false });
    const viaChunks = new KeywordPrefilter(["key"], { runs: gates, chunk: 64 });
    expect(viaWasm.walksInWasm).toBe(true);
    const next = prng(17);
    const alphabet = ["A", "Z", "2", "7", "a", "8", "1", " ", "\n", "é", "\u0141", "😀", "\uD800", "\0", "key"];
    for (let round = 0; round < 3000; round++) {
      const length = next(round < 1000 ? 40 : 400);
      let text = "";
      while (text.length < length) text += next(3) === 0 ? alphabet[next(alphabet.length)]! : "QRSTUVW23456"[next(12)]!;
      const expected = gates.map((g) => new RegExp(`[A-Z2-7]{${g.length}}`).test(text));
      for (const pf of [viaWasm, viaJs, viaChunks]) expect({ text, runs: pf.scan(text).runs }).toEqual({ text, runs: expected });
    }
    // A run at every offset against the sampling step (5 for a length of 10), and one cut short by one.
    for (let pad = 0; pad < 30; pad++) {
      for (const [run, found] of [["ABCDEFGHIJ", true], ["ABCDEFGHI", false]] as const) {
        for (const text of ["x".repeat(pad) + run, "x".repeat(pad) + run + "x".repeat(pad), run + "é".repeat(pad)]) {
          expect({ text, run: viaWasm.scan(text).runs[0] }).toEqual({ text, run: found });
        }
      }
    }
  });

  test("compiled rules, their allowlists and their anchored forms each share one shape", () => {
    // The engine reads these at every keyword hit and match; objects of several shapes there made V8 recompile its
    // hot functions during the bench's timed pass (decision 0063).
    const ruleset = compileRuleset({ extraRules: [{ id: "extra", description: "x", keywords: ["zq"], regex: /zq(\d{4})/g, severity: "warn", samples: { match: [], noMatch: [] } }] });
    const keys = (o: object | undefined) => (o === undefined ? "" : Object.keys(o).join(","));
    expect(new Set(ruleset.rules.map(keys)).size).toBe(1);
    expect(new Set(ruleset.rules.filter((r) => r.allowlist).map((r) => keys(r.allowlist))).size).toBe(1);
    expect(new Set(ruleset.rules.filter((r) => r.anchored).map((r) => keys(r.anchored))).size).toBe(1);
  });

  test("scans find the same with either walk, on a long text of every rule's samples", () => {
    const samples = BUILTIN_RULES.filter((r) => !r.pathOnly).flatMap((r) => r.samples.match.map((s) => s.text));
    const text = samples.join("\n// filler line\n");
    const key = { fingerprintKey: "prefilter-test" };
    const viaWasm = scanText("config/app.yml", text, { ...key, ruleset: compileRuleset({ skipDefaultPaths: false }) });
    const viaJs = scanText("config/app.yml", text, { ...key, ruleset: compileRuleset({ skipDefaultPaths: false, prefilter: { wasm: false } }) });
    expect(viaWasm.findings.length).toBeGreaterThan(50);
    expect(viaWasm).toEqual(viaJs);
  });
});
