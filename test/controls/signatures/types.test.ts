import { describe, test, expect } from "@jest/globals";
import { oneLine, verdict } from "../../../src/controls/signatures/types.js";

describe("oneLine", () => {
  test("keeps printable text as it is and flattens line breaks and tabs to one space", () => {
    expect(oneLine("good OpenPGP signature by 0123ABCD")).toBe("good OpenPGP signature by 0123ABCD");
    expect(oneLine("line one\r\n\tline two\nthree")).toBe("line one line two three");
  });

  test("replaces control characters, keeps non-ASCII letters, and bounds the length", () => {
    expect(oneLine("bell\u0007 nul\u0000 é")).toBe("bell? nul? é");
    const long = oneLine("x".repeat(301));
    expect(long).toHaveLength(300);
    expect(long.endsWith("...")).toBe(true);
    expect(oneLine("y".repeat(300))).toBe("y".repeat(300));
  });

  test("every verdict's detail goes through it", () => {
    expect(verdict("malformed", "a\nb").detail).toBe("a b");
  });
});
