import { describe, test, expect } from "@jest/globals";
import { AllowedSignersError, parseAllowedSigners, parseSshTime } from "../../../src/controls/signatures/allowed-signers.js";
import { matchPatternList } from "../../../src/controls/signatures/patterns.js";
import { sshFingerprint } from "../../../src/controls/signatures/ssh-wire.js";
import { ed25519Key, publicKeyLine } from "./sshsig-builder.js";

const key = ed25519Key();
const line = publicKeyLine(key, "alice laptop");

describe("parseAllowedSigners", () => {
  test("reads principals, options, quoting, comments and blank lines", () => {
    const text = [
      "# header comment",
      "",
      `alice@example.com ${line}`,
      `"bob@example.com,*@corp.example.com" namespaces="git,file",valid-after="20240101",valid-before="202501021530Z" ${line}`,
      `  *@example.com cert-authority ${line}`,
    ].join("\n");
    const [a, b, c] = parseAllowedSigners(text, "as");
    expect(a).toMatchObject({ principals: "alice@example.com", certAuthority: false, keyType: "ssh-ed25519", fingerprint: sshFingerprint(key.blob), origin: "as:3" });
    expect(a?.keyBlob.equals(key.blob)).toBe(true);
    expect(b).toMatchObject({ principals: "bob@example.com,*@corp.example.com", namespaces: "git,file" });
    expect(b?.validAfter?.toISOString()).toBe("2024-01-01T00:00:00.000Z");
    expect(b?.validBefore?.toISOString()).toBe("2025-01-02T15:30:00.000Z");
    expect(c).toMatchObject({ principals: "*@example.com", certAuthority: true });
  });

  test.each([
    [`alice@example.com frobnicate ${line}`, /unknown option/],
    [`alice@example.com valid-after="2024-01-01" ${line}`, /bad time/],
    [`alice@example.com valid-after="20240230" ${line}`, /bad time/],
    [`"alice@example.com ${line}`, /quote/],
    [`alice@example.com ssh-rsa ${key.blob.toString("base64")}`, /does not match/],
    ["alice@example.com ssh-ed25519", /expected/],
    ["alice@example.com", /expected/],
    [`alice@example.com ssh-ed25519 not*base64`, /base64/],
  ])("rejects %j", (bad, message) => {
    expect(() => parseAllowedSigners(`# ok\n${bad}\n`, "f")).toThrow(AllowedSignersError);
    expect(() => parseAllowedSigners(bad, "f")).toThrow(message);
  });

  test("names the file and line of an error", () => {
    expect(() => parseAllowedSigners(`a@b ${line}\nbroken`, "keys/allowed")).toThrow(/^keys\/allowed:2:/);
  });
});

describe("parseSshTime", () => {
  test("reads the date and date-time forms as UTC", () => {
    expect(parseSshTime("20230907").toISOString()).toBe("2023-09-07T00:00:00.000Z");
    expect(parseSshTime("20230907Z").toISOString()).toBe("2023-09-07T00:00:00.000Z");
    expect(parseSshTime("202309071200").toISOString()).toBe("2023-09-07T12:00:00.000Z");
    expect(parseSshTime("20230907120059Z").toISOString()).toBe("2023-09-07T12:00:59.000Z");
    expect(() => parseSshTime("2023090712")).toThrow();
    expect(() => parseSshTime("20231301")).toThrow();
  });
});

describe("matchPatternList", () => {
  test("supports * and ? wildcards, lists and negation", () => {
    expect(matchPatternList("alice@example.com", "alice@example.com")).toBe(true);
    expect(matchPatternList("alice@example.com", "bob@example.com,*@example.com")).toBe(true);
    expect(matchPatternList("alice@example.com", "?lice@*.com")).toBe(true);
    expect(matchPatternList("alice@example.com", "*@example.org")).toBe(false);
    expect(matchPatternList("alice@example.com", "*@example.com,!alice@*")).toBe(false);
    expect(matchPatternList("alice@example.com.evil", "*@example.com")).toBe(false);
    expect(matchPatternList("Alice@example.com", "alice@example.com")).toBe(false);
    expect(matchPatternList("anything", "")).toBe(false);
  });
});
