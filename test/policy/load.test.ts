import { createHash } from "node:crypto";
import { describe, expect, test } from "@jest/globals";
import { loadPolicy } from "../../src/policy/load.js";

const repoSource = { repository: "acme/app", path: ".github/vouch.yml", ref: "main" };
const orgSource = { repository: "acme/.github", path: ".github/vouch.yml", ref: "(default branch)" };
const sha = (s: string) => `sha256:${createHash("sha256").update(s).digest("hex")}`;

describe("loadPolicy", () => {
  test("neither file: missing", () => {
    expect(loadPolicy({})).toEqual({ status: "missing", sources: [] });
    expect(loadPolicy({ repository: null, baseline: null }).status).toBe("missing");
  });

  test("repository only: valid, digest of the file bytes", () => {
    const text = "version: 1\nsignatures: { required: true }\n";
    const r = loadPolicy({ repository: { text, source: repoSource } });
    expect(r).toMatchObject({ status: "valid", digest: sha(text), sources: [repoSource] });
    if (r.status === "valid") expect(r.policy.signatures.required).toBe(true);
  });

  test("repository only, invalid: errors at the repository path", () => {
    const r = loadPolicy({ repository: { text: "version: 1\nbogus: 1\n", source: repoSource } });
    expect(r.status).toBe("invalid");
    if (r.status !== "invalid") return;
    expect(r.errors[0]).toMatchObject({ path: ".github/vouch.yml", line: 2, column: 1 });
    expect(r.digest).toBe(sha("version: 1\nbogus: 1\n"));
  });

  test("baseline only: the baseline applies, digest binds it", () => {
    const text = "version: 1\nsignatures: { required: true }\n";
    const r = loadPolicy({ repository: null, baseline: { text, source: orgSource } });
    expect(r.status).toBe("valid");
    if (r.status !== "valid") return;
    expect(r.policy.signatures.required).toBe(true);
    expect(r.digest).toBe(sha(`vouch-policy-merge/v1\nbaseline ${sha(text)}\nrepository none\n`));
  });

  test("both: merged, digest binds both files' bytes", () => {
    const b = "version: 1\nteams:\n  core: [\"@acme/core\"]\n";
    const rp = "version: 1\nnamespaces:\n  - name: m\n    refs: [refs/heads/main]\n    owners: [core]\n";
    const r = loadPolicy({ repository: { text: rp, source: repoSource }, baseline: { text: b, source: orgSource } });
    expect(r.status).toBe("valid");
    if (r.status !== "valid") return;
    expect(r.sources).toEqual([orgSource, repoSource]);
    expect(r.policy.namespaces[0]?.owners).toEqual(["core"]);
    expect(r.digest).toBe(sha(`vouch-policy-merge/v1\nbaseline ${sha(b)}\nrepository ${sha(rp)}\n`));
    const other = loadPolicy({ repository: { text: `${rp}\n`, source: repoSource }, baseline: { text: b, source: orgSource } });
    expect(other.status === "valid" && other.digest).not.toBe(r.digest);
  });

  test("invalid baseline: errors at the baseline's path", () => {
    const r = loadPolicy({ repository: { text: "version: 1\n", source: repoSource }, baseline: { text: "version: 2\n", source: orgSource } });
    expect(r.status).toBe("invalid");
    if (r.status !== "invalid") return;
    expect(r.errors).toEqual([expect.objectContaining({ path: "acme/.github/.github/vouch.yml", line: 1, field: "version" })]);
  });

  test("a repository that names an undefined principal is invalid even with a baseline", () => {
    const r = loadPolicy({
      repository: { text: "version: 1\nteams:\n  t: [ghost]\n", source: repoSource },
      baseline: { text: "version: 1\n", source: orgSource },
    });
    expect(r.status === "invalid" && r.errors[0]).toMatchObject({ path: ".github/vouch.yml", line: 3 });
  });

  test("a loosening repository is invalid, located in the repository file", () => {
    const r = loadPolicy({
      repository: { text: "version: 1\nsignatures:\n  required: false\n", source: repoSource },
      baseline: { text: "version: 1\nsignatures: { required: true }\n", source: orgSource },
    });
    expect(r.status).toBe("invalid");
    if (r.status !== "invalid") return;
    expect(r.errors).toEqual([
      expect.objectContaining({ path: ".github/vouch.yml", line: 3, column: 13, field: "baseline:signatures.required" }),
    ]);
    expect(r.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
  });

  test("displayPath overrides where errors point", () => {
    const r = loadPolicy({ repository: { text: "version: 3\n", source: repoSource, displayPath: "local/vouch.yml" } });
    expect(r.status === "invalid" && r.errors[0]?.path).toBe("local/vouch.yml");
  });
});
