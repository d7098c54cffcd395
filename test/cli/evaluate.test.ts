// `vouch evaluate`: saved evidence replayed offline gives the verdict the app computed from it.
import { truncateSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "@jest/globals";
import { jsonPath } from "../../src/cli/evaluate.js";
import { evaluate } from "../../src/engine/evaluate.js";
import { EVIDENCE_SCHEMA, type Evidence } from "../../src/evidence/types.js";
import { loadPolicy } from "../../src/policy/load.js";
import { cli, removeDir, tempDir } from "./cli-helpers.js";

const POLICY = `version: 1
secrets: { enabled: false }
identities:
  alice: { github: alice, github_id: 10 }
  bob: { github: bob, github_id: 11 }
namespaces:
  - name: core
    paths: ["src/**"]
    review: { approvals: 2 }
    signatures: { required: true }
  - name: docs
    paths: ["docs/**"]
`;

const A = "a".repeat(40);
const B = "b".repeat(40);
const T = "d".repeat(40);

const actor = (login: string, id: number) => ({ name: login, email: `${login}@example.com`, user: { login, id } });

/** Evidence shaped as the app gathers it for a pull request: commits, reviews, pushers and signature verdicts. */
function appEvidence(over: { approvers?: Array<[string, number]>; unsigned?: boolean } = {}): Evidence {
  const approvers = over.approvers ?? [
    ["alice", 10],
    ["bob", 11],
  ];
  return {
    schema: EVIDENCE_SCHEMA,
    repository: { id: 42, fullName: "acme/app" },
    observedAt: "2026-11-25T12:00:00.000Z",
    change: {
      kind: "pull_request",
      ref: "refs/heads/main",
      baseSha: A,
      headSha: B,
      files: [{ path: "src/x.ts", status: "modified" }],
      filesComplete: true,
      pullRequest: { number: 7, author: { login: "carol", id: 30, type: "User" }, headRef: "feature", headRepository: "acme/app", draft: false },
    },
    gaps: [],
    review: {
      commits: [{ oid: B, tree: T, parents: [A], author: actor("carol", 30), committer: actor("carol", 30), coAuthors: [] }],
      reviews: approvers.map(([login, id]) => ({
        author: { login, id, type: "User" as const },
        state: "APPROVED" as const,
        dismissed: false,
        commitOid: B,
        commitTree: T,
        submittedAt: "2026-11-25T11:00:00Z",
        canPush: true,
      })),
      pushers: [{ login: "carol", id: 30 }],
      pushersComplete: true,
      headTree: T,
    },
    signatures: {
      trustedAt: "2026-11-25T12:00:00.000Z",
      objects: [
        {
          id: B,
          type: "commit",
          signature: over.unsigned
            ? { status: "unsigned", format: null, signer: null, key: null, detail: "commit is not signed" }
            : { status: "valid", format: "ssh", signer: "carol <carol@example.com>", key: "SHA256:abc", detail: "good SSH signature by SHA256:abc" },
        },
      ],
      keys: [{ fingerprint: "SHA256:abc", source: "policy", where: "policy identities.carol.keys[0]", fetchedAt: "2026-11-25T12:00:00.000Z" }],
    },
  };
}

let dir: string;
beforeAll(() => {
  dir = tempDir();
  writeFileSync(join(dir, "vouch.yml"), POLICY);
});
afterAll(() => removeDir(dir));

function save(name: string, value: unknown): string {
  writeFileSync(join(dir, name), typeof value === "string" ? value : JSON.stringify(value, null, 2));
  return name;
}

/** What the app computed: the same policy text, loaded as the app loads it, and the in-memory evidence. */
function appVerdict(evidence: Evidence) {
  const loaded = loadPolicy({ repository: { text: POLICY, source: { repository: "acme/app", path: ".github/vouch.yml", ref: "main" }, displayPath: ".github/vouch.yml" } });
  return evaluate(loaded, evidence);
}

describe("vouch evaluate", () => {
  test.each([
    ["two eligible approvals and a valid signature", appEvidence(), 0, "success"],
    ["one approval short", appEvidence({ approvers: [["alice", 10]] }), 1, "failure"],
    ["an unsigned commit", appEvidence({ unsigned: true }), 1, "failure"],
    ["an approval by the author", appEvidence({ approvers: [["alice", 10], ["carol", 30]] }), 1, "failure"],
  ] as const)("reproduces the app's verdict from saved evidence: %s", async (_name, evidence, code, conclusion) => {
    const file = save("evidence.json", evidence);
    const r = await cli(["evaluate", "--policy", "vouch.yml", "--evidence", file, "--format", "json"], dir);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(code);
    const replayed = JSON.parse(r.stdout);
    expect(replayed.conclusion).toBe(conclusion);
    expect(replayed).toEqual(JSON.parse(JSON.stringify(appVerdict(evidence))));
  });

  test("text output: conclusion, namespaces, controls and findings with their fixes", async () => {
    const file = save("unsigned.json", appEvidence({ unsigned: true }));
    const r = await cli(["evaluate", "--policy", "vouch.yml", "--evidence", file], dir);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^FAILURE bbbbbbbbbbbb on refs\/heads\/main: /);
    expect(r.stdout).toContain("namespace core: paths src/x.ts");
    expect(r.stdout).toContain("control signatures: fail:");
    expect(r.stdout).toMatch(/error signatures\.unsigned \[core\] bbbbbbbbbbbb: Commit bbbbbbb is not signed/);
    expect(r.stdout).toMatch(/^ {4}fix: /m);
  });

  test("evidence that breaks the schema is an input error naming the JSON path: exit 2", async () => {
    const bad = appEvidence() as unknown as { change: { files: Array<{ status: string }> }; signatures: { objects: Array<{ signature: { status: string } }> } };
    bad.change.files[0]!.status = "edited";
    bad.signatures.objects[0]!.signature.status = "trusted";
    const r = await cli(["evaluate", "--policy", "vouch.yml", "--evidence", save("bad.json", bad)], dir);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toContain("bad.json: $.change.files[0].status:");
    expect(r.stderr).toContain("bad.json: $.signatures.objects[0].signature.status:");
    const extra = await cli(["evaluate", "--policy", "vouch.yml", "--evidence", save("extra.json", { ...appEvidence(), verdict: "success" })], dir);
    expect(extra.code).toBe(2);
    expect(extra.stderr).toMatch(/extra\.json: \$: .*verdict/);
  });

  test("unreadable, non-JSON, non-UTF-8 and oversized evidence files are input errors: exit 2", async () => {
    expect((await cli(["evaluate", "--policy", "vouch.yml", "--evidence", "missing.json"], dir)).stderr).toMatch(/cannot read missing\.json: no such file/);
    const notJson = await cli(["evaluate", "--policy", "vouch.yml", "--evidence", save("x.json", "{ not json")], dir);
    expect(notJson).toMatchObject({ code: 2, stderr: expect.stringMatching(/x\.json is not valid JSON/) });
    writeFileSync(join(dir, "latin1.json"), Buffer.from([0x7b, 0x22, 0xe9, 0x22, 0x7d]));
    expect((await cli(["evaluate", "--policy", "vouch.yml", "--evidence", "latin1.json"], dir)).code).toBe(2);
    // A sparse file: its size is refused before anything is read.
    save("huge.json", "");
    truncateSync(join(dir, "huge.json"), 65 * 1024 * 1024);
    const huge = await cli(["evaluate", "--policy", "vouch.yml", "--evidence", "huge.json"], dir);
    expect(huge).toMatchObject({ code: 2, stderr: expect.stringMatching(/huge\.json is larger than 64 MiB/) });
  });

  test("a missing policy file or option is an input error; an invalid policy is judged as the app judges it", async () => {
    const file = save("ok.json", appEvidence());
    expect((await cli(["evaluate", "--policy", "nope.yml", "--evidence", file], dir)).code).toBe(2);
    expect((await cli(["evaluate", "--evidence", file], dir)).code).toBe(2);
    expect((await cli(["evaluate", "--policy", "vouch.yml"], dir)).code).toBe(2);
    save("broken.yml", "version: 1\nnamespaces: {}\n");
    const r = await cli(["evaluate", "--policy", "broken.yml", "--evidence", file, "--format", "json"], dir);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^broken\.yml:2:13: namespaces: /m);
    expect(JSON.parse(r.stdout)).toMatchObject({ conclusion: "failure", findings: [expect.objectContaining({ code: "policy.invalid" })] });
  });

  test("jsonPath quotes keys that are not identifiers", () => {
    expect(jsonPath([])).toBe("$");
    expect(jsonPath(["change", "files", 3, "path"])).toBe("$.change.files[3].path");
    expect(jsonPath(["teams", 0, "a-b"])).toBe('$.teams[0]["a-b"]');
  });
});
