import { describe, expect, test } from "@jest/globals";
import { validateSchema } from "../helpers/openapi.js";
import { complete, PLACEHOLDER_TIME } from "./shapes.js";

const BASE = "http://127.0.0.1:1/api/v3";

describe("complete", () => {
  test("keeps every given value and fills the rest so the result validates", () => {
    const user = complete("simple-user", { login: "alice", id: 7, type: "User" }, BASE) as Record<string, unknown>;
    expect(user).toMatchObject({ login: "alice", id: 7, type: "User" });
    expect(validateSchema("simple-user", user)).toEqual([]);
    expect(user.url).toBe(`${BASE}/placeholder`);
  });

  test("nullable fields become null, date-times a fixed time, and nested required objects are filled", () => {
    const run = complete("check-run", { id: 1, name: "vouch", head_sha: "a".repeat(40), status: "queued" }, BASE) as Record<string, unknown>;
    expect(run.conclusion).toBeNull();
    expect(run.started_at).toBeNull();
    expect(validateSchema("check-run", run)).toEqual([]);
    const token = complete("installation-token", { token: "t" }, BASE) as Record<string, unknown>;
    expect(token.expires_at).toBe("");
    const delivery = complete("hook-delivery-item", { id: 1 }, BASE) as Record<string, unknown>;
    expect(delivery.delivered_at).toBe(PLACEHOLDER_TIME);
  });

  test("oneOf picks the variant whose enum fields fit the value", () => {
    const rule = complete("repository-rule-detailed", { type: "required_signatures" }, BASE);
    expect(validateSchema("repository-rule-detailed", rule)).toEqual([]);
  });

  test("an unknown schema name is an error, not a silent pass", () => {
    expect(() => complete("no-such-schema", {}, BASE)).toThrow(/unknown schema/);
  });
});
