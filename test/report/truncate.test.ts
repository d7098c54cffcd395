import { describe, test, expect } from "@jest/globals";
import { OUTPUT_LIMIT, truncate } from "../../src/report/truncate.js";

const NOTE = /\n\n> \*\*… output truncated:\*\* ([\d,]+) more characters(?: \(([\d,]+) findings?\))? not shown; run `vouch verify` locally for the full report\.\n$/;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function parse(result: string): { kept: string; omitted: number; findings: number | null } {
  const m = NOTE.exec(result);
  if (!m) throw new Error(`no truncation note at the end of: …${result.slice(-200)}`);
  return {
    kept: result.slice(0, m.index),
    omitted: Number(m[1]!.replace(/,/g, "")),
    findings: m[2] === undefined ? null : Number(m[2].replace(/,/g, "")),
  };
}

describe("truncate", () => {
  test("leaves text of exactly 65,535 characters untouched", () => {
    const text = "a".repeat(OUTPUT_LIMIT);
    expect(truncate(text)).toBe(text);
  });

  test("cuts text one character over the limit, note included within the limit", () => {
    const lines = "line of text\n".repeat(5000);
    const over = lines + "x".repeat(OUTPUT_LIMIT + 1 - lines.length);
    expect(over.length).toBe(OUTPUT_LIMIT + 1);
    const result = truncate(over);
    expect(result.length).toBeLessThanOrEqual(OUTPUT_LIMIT);
    const { kept, omitted } = parse(result);
    expect(over.startsWith(kept)).toBe(true);
    expect(kept.length + omitted).toBe(over.length);
  });

  test("cuts on a line boundary when one is near", () => {
    const text = Array.from({ length: 200 }, (_, i) => `row ${i} ${"-".repeat(40)}`).join("\n");
    const result = truncate(text, 2000);
    expect(result.length).toBeLessThanOrEqual(2000);
    const { kept } = parse(result);
    // The kept part ends with a whole row: the next character in the original is the line break.
    expect(text[kept.length]).toBe("\n");
    expect(kept).toMatch(/-{40}$/);
  });

  test("cuts a single huge line mid-line rather than dropping almost everything", () => {
    const text = `short\n${"y".repeat(10_000)}`;
    const result = truncate(text, 5000);
    const { kept } = parse(result);
    expect(result.length).toBeLessThanOrEqual(5000);
    expect(kept.length).toBeGreaterThan(4000);
  });

  test("never splits a surrogate pair at the boundary", () => {
    // Emoji are two UTF-16 code units each; across four limits the cut lands on both halves of a pair.
    const text = "😀".repeat(5000);
    for (let limit = 1000; limit < 1004; limit++) {
      const result = truncate(text, limit);
      expect(result.length).toBeLessThanOrEqual(limit);
      expect(LONE_SURROGATE.test(result)).toBe(false);
      const { kept, omitted } = parse(result);
      expect(kept.length + omitted).toBe(text.length);
      expect(kept.length % 2).toBe(0);
    }
  });

  test("a surrogate pair straddling the default limit stays whole", () => {
    const text = "a".repeat(OUTPUT_LIMIT - 300) + "b".repeat(100) + "😀".repeat(300);
    for (const shift of [0, 1]) {
      const shifted = "c".repeat(shift) + text;
      const result = truncate(shifted);
      expect(result.length).toBeLessThanOrEqual(OUTPUT_LIMIT);
      expect(LONE_SURROGATE.test(result)).toBe(false);
    }
  });

  test("says how many findings the cut hid", () => {
    const entries = Array.from({ length: 100 }, (_, i) => `${i + 1}. finding ${i} ${"z".repeat(50)}`);
    const text = entries.join("\n");
    const ends: number[] = [];
    let offset = 0;
    for (const e of entries) {
      offset += e.length;
      ends.push(offset);
      offset += 1;
    }
    const result = truncate(text, 3000, { hiddenFindings: (cut) => ends.filter((end) => end > cut).length });
    const { kept, findings } = parse(result);
    const shown = kept.split("\n").filter((l) => /^\d+\. finding \d+ z{50}$/.test(l)).length;
    expect(findings).toBe(100 - shown);
    expect(shown).toBeGreaterThan(0);
  });

  test("with a limit too small for any content, returns only (part of) the note and stays within the limit", () => {
    const result = truncate("x".repeat(1000), 40);
    expect(result.length).toBeLessThanOrEqual(40);
    expect(result).toMatch(/^> \*\*… output truncated/);
  });
});
