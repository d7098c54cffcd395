import { describe, test, expect } from "@jest/globals";
import {
  validateRequestBody,
  validateResponseBody,
  assertRequestMatchesOpenApi,
  assertResponseMatchesOpenApi,
  matchOperation,
  toJsonSchema,
  ContractError,
} from "./openapi.js";

const CREATE = ["POST", "/repos/{owner}/{repo}/check-runs"] as const;

function annotation(i: number) {
  return { path: `src/f${i}.ts`, start_line: i + 1, end_line: i + 1, annotation_level: "failure", message: `m${i}` };
}

describe("validateRequestBody", () => {
  test("accepts a valid check-run create body", () => {
    const body = {
      name: "vouch",
      head_sha: "a".repeat(40),
      status: "completed",
      conclusion: "failure",
      output: { title: "Vouch", summary: "x".repeat(65535), annotations: Array.from({ length: 50 }, (_, i) => annotation(i)) },
    };
    expect(validateRequestBody(...CREATE, body)).toEqual([]);
  });

  test("rejects 51 annotations and a 65,536-character summary", () => {
    const body = {
      name: "vouch",
      head_sha: "a".repeat(40),
      output: { title: "Vouch", summary: "x".repeat(65536), annotations: Array.from({ length: 51 }, (_, i) => annotation(i)) },
    };
    const errors = validateRequestBody(...CREATE, body);
    expect(errors).toEqual(
      expect.arrayContaining([expect.stringMatching(/\/output\/summary .*65535/), expect.stringMatching(/\/output\/annotations .*50/)]),
    );
  });

  test("rejects a missing required field and an unknown enum value", () => {
    const errors = validateRequestBody(...CREATE, { head_sha: "abc", status: "done" });
    expect(errors).toEqual(expect.arrayContaining([expect.stringContaining("name"), expect.stringMatching(/\/status .*in_progress/)]));
  });

  test("requires a body where GitHub requires one, and accepts none where none is defined", () => {
    expect(validateRequestBody(...CREATE, undefined)).toEqual(["(root) request body is required"]);
    expect(validateRequestBody("GET", "/app", undefined)).toEqual([]);
    expect(validateRequestBody("GET", "/app", { a: 1 })).toHaveLength(1);
  });

  test("a PATCH of annotations only is valid", () => {
    const body = { output: { title: "Vouch", summary: "s", annotations: [annotation(0)] } };
    expect(validateRequestBody("PATCH", "/repos/{owner}/{repo}/check-runs/{check_run_id}", body)).toEqual([]);
  });

  test("throws for an operation outside the subset, so gaps are visible", () => {
    expect(() => validateRequestBody("DELETE", "/repos/{owner}/{repo}", undefined)).toThrow(/not in the OpenAPI subset/);
  });
});

describe("validateResponseBody", () => {
  const basicError = { message: "Not Found", documentation_url: "https://docs.github.com/rest" };

  test("a response missing a required field fails", () => {
    const errors = validateResponseBody("POST", "/app/installations/{installation_id}/access_tokens", 201, {
      expires_at: "2026-01-01T00:00:00Z",
    });
    expect(errors).toEqual([expect.stringContaining("token")]);
  });

  test("a complete access-token response passes", () => {
    const body = { token: "ghs_x", expires_at: "2026-01-01T00:00:00Z", permissions: { checks: "write" }, repository_selection: "all" };
    expect(validateResponseBody("POST", "/app/installations/{installation_id}/access_tokens", 201, body)).toEqual([]);
    expect(
      validateResponseBody("POST", "/app/installations/{installation_id}/access_tokens", 201, { ...body, repository_selection: "some" }),
    ).toEqual([expect.stringContaining("repository_selection")]);
  });

  test("shared error responses are resolved", () => {
    expect(validateResponseBody("GET", "/repos/{owner}/{repo}", 404, basicError)).toEqual([]);
    expect(validateResponseBody("GET", "/repos/{owner}/{repo}", 404, { message: 7 })).toHaveLength(1);
  });

  test("undocumented statuses and unexpected bodies are reported", () => {
    expect(validateResponseBody("GET", "/app", 418, {})).toEqual([expect.stringContaining("not documented")]);
    expect(validateResponseBody("GET", "/repos/{owner}/{repo}/branches/{branch}/protection", 404, basicError)).toEqual([]);
  });

  test("nullable fields accept null but not other types", () => {
    // pull-request-minimal has no nullable; simple-user.email is `nullable: true`.
    const user = {
      login: "a",
      id: 1,
      node_id: "n",
      avatar_url: "https://x/a",
      gravatar_id: null,
      url: "https://x",
      html_url: "https://x",
      followers_url: "https://x",
      following_url: "https://x",
      gists_url: "https://x",
      starred_url: "https://x",
      subscriptions_url: "https://x",
      organizations_url: "https://x",
      repos_url: "https://x",
      events_url: "https://x",
      received_events_url: "https://x",
      type: "User",
      site_admin: false,
    };
    expect(validateResponseBody("GET", "/orgs/{org}/teams/{team_slug}/members", 200, [user])).toEqual([]);
    expect(validateResponseBody("GET", "/orgs/{org}/teams/{team_slug}/members", 200, [{ ...user, gravatar_id: 5 }])).toHaveLength(1);
  });
});

describe("assert helpers", () => {
  test("throw a ContractError listing every error", () => {
    try {
      assertRequestMatchesOpenApi(...CREATE, { status: "nope" });
      throw new Error("expected a ContractError");
    } catch (error) {
      expect(error).toBeInstanceOf(ContractError);
      expect((error as ContractError).errors.length).toBeGreaterThanOrEqual(3);
      expect((error as Error).message).toMatch(/POST \/repos\/\{owner\}\/\{repo\}\/check-runs/);
    }
    expect(() => assertResponseMatchesOpenApi("GET", "/app", 200, {})).toThrow(ContractError);
    expect(() => assertRequestMatchesOpenApi(...CREATE, { name: "n", head_sha: "s" })).not.toThrow();
  });
});

describe("toJsonSchema", () => {
  test("turns nullable into a union, including enums and schemas without a type", () => {
    expect(toJsonSchema({ type: "string", enum: ["a"], nullable: true })).toEqual({ type: ["string", "null"], enum: ["a", null] });
    expect(toJsonSchema({ nullable: true, allOf: [{ $ref: "#/components/schemas/x" }] })).toEqual({
      anyOf: [{ type: "null" }, { allOf: [{ $ref: "github-components#/$defs/x" }] }],
    });
  });
});

describe("matchOperation", () => {
  test("maps concrete paths to templates, with {path} spanning slashes", () => {
    expect(matchOperation("GET", "/repos/o/r/contents/.github/vouch.yml")).toEqual({
      pathTemplate: "/repos/{owner}/{repo}/contents/{path}",
      params: { owner: "o", repo: "r", path: ".github/vouch.yml" },
    });
    expect(matchOperation("PATCH", "/repos/o/r/check-runs/9")?.params.check_run_id).toBe("9");
    expect(matchOperation("GET", "/repos/o/r/compare/main...feature")?.params.basehead).toBe("main...feature");
    expect(matchOperation("DELETE", "/repos/o/r")).toBeUndefined();
    expect(matchOperation("GET", "/nope")).toBeUndefined();
  });
});
