import { afterAll, beforeAll, describe, expect, test } from "@jest/globals";
import { cli, commit, git, initRepo, removeDir, tempDir, writeFiles } from "./cli-helpers.js";

// A policy that protects docs/ with no requirements (so a local run can pass it) and src/ with a
// review requirement, which a local clone cannot meet: it has no pull-request reviews.
const POLICY = `version: 1
namespaces:
  - name: docs
    paths: ["docs/**"]
  - name: src
    paths: ["src/**"]
    review: { approvals: 1 }
secrets: { enabled: false }
`;

let repo: string;
let root: string;
let withPolicy: string;
let docsChange: string;
let srcChange: string;
let renameIntoSrc: string;
let policyChange: string;

beforeAll(() => {
  repo = initRepo();
  root = commit(repo, { "README.md": "hi\n", "notes/a.md": "a\n" }, "root");
  withPolicy = commit(repo, { ".github/vouch.yml": POLICY }, "add policy");
  docsChange = commit(repo, { "docs/guide.md": "guide\n" }, "docs");
  srcChange = commit(repo, { "src/app.ts": "export {};\n" }, "src");
  git(repo, "mv", "notes/a.md", "src/a.md");
  renameIntoSrc = commit(repo, {}, "move a note into src");
  // The head tries to remove the src requirement; the policy at its base must still apply.
  policyChange = commit(repo, { ".github/vouch.yml": POLICY.replace("    review: { approvals: 1 }\n", ""), "src/b.ts": "x\n" }, "loosen");
});
afterAll(() => removeDir(repo));

describe("vouch verify", () => {
  test("a change touching only a namespace without requirements passes: exit 0", async () => {
    const r = await cli(["verify", "--repo", repo, docsChange], "/");
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^PASS /);
    expect(r.stdout).toContain("namespace docs: paths docs/guide.md");
    expect(r.stdout).toContain("on refs/heads/main");
  });

  test("a change with an unmet requirement fails: exit 1, with the finding", async () => {
    const r = await cli(["verify", "--repo", repo, srcChange], "/");
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^FAIL /);
    expect(r.stdout).toMatch(/error review\.evidence_missing: Namespace "src"/);
    expect(r.stdout).toMatch(/BAD commit [0-9a-f]{12} unsigned: commit is not signed/);
    expect(r.stdout).toMatch(/^note: A local clone has no pull-request reviews/m);
  });

  test("--format json: one object with verdict, objects and findings; the range's engine verdict under ranges", async () => {
    const pass = await cli(["verify", "--repo", repo, "--format", "json", docsChange], "/");
    const p = JSON.parse(pass.stdout);
    expect(p).toMatchObject({ verdict: "pass", findings: [], notes: [] });
    expect(p.objects).toEqual([
      { id: docsChange, type: "commit", signature: expect.objectContaining({ status: "unsigned", format: null }), signedBy: { name: "Test", email: "test@example.com" } },
    ]);
    expect(p.ranges).toEqual([expect.objectContaining({ verdict: "pass", mode: "policy", head: docsChange, base: withPolicy, ref: "refs/heads/main", objects: [docsChange] })]);
    expect(p.ranges[0].policyDigest).toMatch(/^sha256:[0-9a-f]{64}$/);
    const fail = await cli(["verify", "--repo", repo, "--format", "json", srcChange], "/");
    expect(fail.code).toBe(1);
    const f = JSON.parse(fail.stdout);
    expect(f.verdict).toBe("fail");
    expect(f.findings[0]).toMatchObject({ code: "review.evidence_missing", message: expect.stringContaining('"src"') });
    expect(f.notes[0]).toMatch(/no pull-request reviews/);
  });

  test("A..B judges the whole range; moving a file into a namespace touches it", async () => {
    const r = await cli(["verify", "--repo", repo, "--format", "json", `${srcChange}..${renameIntoSrc}`], "/");
    expect(r.code).toBe(1);
    const v = JSON.parse(r.stdout).ranges[0];
    expect(v.namespaces.map((n: { name: string }) => n.name)).toEqual(["src"]);
    expect(v.namespaces[0].matchedPaths).toEqual(["src/a.md"]);
    expect(v.objects).toEqual([renameIntoSrc]);
    const range = JSON.parse((await cli(["verify", "--repo", repo, "--format", "json", `${withPolicy}..${docsChange}`], "/")).stdout);
    expect(range.verdict).toBe("pass");
    // A..B: the commits reachable from B and not from A, newest first.
    expect(range.objects.map((o: { id: string }) => o.id)).toEqual([docsChange]);
    const wide = JSON.parse((await cli(["verify", "--repo", repo, "--format", "json", `${withPolicy}..${srcChange}`], "/")).stdout);
    expect(wide.objects.map((o: { id: string }) => o.id)).toEqual([srcChange, docsChange]);
  });

  test("the policy comes from the base revision, not the head being judged", async () => {
    const r = await cli(["verify", "--repo", repo, "--format", "json", policyChange], "/");
    expect(r.code).toBe(1);
    const codes = JSON.parse(r.stdout).findings.map((f: { code: string; message: string }) => `${f.code} ${f.message}`);
    // The base's policy still requires review of src/, and nobody owns the policy file itself.
    expect(codes).toEqual(expect.arrayContaining([expect.stringMatching(/^review\.evidence_missing .*"src"/), expect.stringMatching(/^review\.policy_unowned /)]));
  });

  test("--policy FILE overrides the committed policy", async () => {
    const elsewhere = tempDir();
    try {
      writeFiles(elsewhere, { "override.yml": "version: 1\nsecrets: { enabled: false }\nnamespaces:\n  - name: all\n    paths: ['**']\n" });
      const r = await cli(["verify", "--repo", repo, "--policy", "override.yml", srcChange], elsewhere);
      expect(r.stderr).toBe("");
      expect(r.code).toBe(0);
      expect(r.stdout).toContain("namespace all");
      const broken = await cli(["verify", "--repo", repo, "--policy", "missing.yml", srcChange], elsewhere);
      expect(broken.code).toBe(2);
    } finally {
      removeDir(elsewhere);
    }
  });

  test("several revisions: the exit code is the worst verdict; JSON is still one object", async () => {
    const r = await cli(["verify", "--repo", repo, docsChange, srcChange], "/");
    expect(r.code).toBe(1);
    expect(r.stdout.match(/^(PASS|FAIL) /gm)).toEqual(["PASS ", "FAIL "]);
    const j = await cli(["verify", "--repo", repo, "--format", "json", docsChange, srcChange], "/");
    expect(j.stdout.trim().split("\n")).toHaveLength(1);
    const v = JSON.parse(j.stdout);
    expect(v.verdict).toBe("fail");
    expect(v.ranges.map((x: { verdict: string }) => x.verdict)).toEqual(["pass", "fail"]);
    expect(v.objects.map((o: { id: string }) => o.id)).toEqual([docsChange, srcChange]);
  });

  test("defaults to HEAD and the current branch", async () => {
    const r = await cli(["verify", "--format", "json"], repo);
    expect(JSON.parse(r.stdout).ranges[0]).toMatchObject({ head: policyChange, ref: "refs/heads/main" });
  });

  test("--ref sets the ref the change lands on", async () => {
    const r = await cli(["verify", "--repo", repo, "--format", "json", "--ref", "refs/heads/feature", docsChange], "/");
    expect(JSON.parse(r.stdout).ranges[0].ref).toBe("refs/heads/feature");
    expect((await cli(["verify", "--repo", repo, "--ref", "main", docsChange], "/")).code).toBe(2);
  });

  test("no policy at the base revision is an input error: exit 2", async () => {
    const r = await cli(["verify", "--repo", repo, withPolicy], "/");
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/no \.github\/vouch\.yml at the base revision .*--policy FILE, or key files \(--openpgp-keyring, --allowed-signers\)/);
    const rootRun = await cli(["verify", "--repo", repo, root], "/");
    expect(rootRun.code).toBe(2);
    expect(rootRun.stderr).toMatch(/root commit/);
  });

  test("an invalid policy at the base revision: located errors, exit 2", async () => {
    const bad = initRepo();
    try {
      commit(bad, { ".github/vouch.yml": "version: 1\nnamespaces: {}\n" }, "bad policy");
      const head = commit(bad, { "x": "1\n" }, "x");
      const r = await cli(["verify", "--repo", bad, head], "/");
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/^[0-9a-f]{12}:\.github\/vouch\.yml:2:13: namespaces: /m);
    } finally {
      removeDir(bad);
    }
  });

  test("unknown revisions, option-like revisions and non-repositories are input errors: exit 2", async () => {
    const unknown = await cli(["verify", "--repo", repo, "no-such-branch"], "/");
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/unknown revision "no-such-branch"/);
    expect((await cli(["verify", "--repo", repo, "--", "--output=/tmp/x"], "/")).code).toBe(2);
    expect((await cli(["verify", "--repo", repo, "a..b..c"], "/")).code).toBe(2);
    expect((await cli(["verify", "--repo", "/nonexistent-dir-for-vouch"], "/")).code).toBe(2);
  });

  test("a detached HEAD needs --ref", async () => {
    git(repo, "checkout", "-q", "--detach", docsChange);
    try {
      const r = await cli(["verify", "--repo", repo], "/");
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/detached.*--ref/);
      expect((await cli(["verify", "--repo", repo, "--ref", "refs/heads/main"], "/")).code).toBe(0);
    } finally {
      git(repo, "checkout", "-q", "main");
    }
  });

  test("bad --format is a usage error", async () => {
    expect((await cli(["verify", "--repo", repo, "--format", "xml"], "/")).code).toBe(2);
  });
});

describe("vouch verify with from_codeowners", () => {
  const OWNED = `version: 1
namespaces:
  - name: owners
    from_codeowners: true
    review: { approvals: 1 }
secrets: { enabled: false }
`;
  let owned: string;
  let change: string;
  let badLine: string;
  beforeAll(() => {
    owned = initRepo();
    commit(owned, { ".github/vouch.yml": OWNED, ".github/CODEOWNERS": "*.md @acme/docs\n/src/ @alice\n" }, "root");
    change = commit(owned, { "src/app.ts": "x\n", "README.md": "y\n" }, "touch two owners");
    commit(owned, { "CODEOWNERS": "[abc] @alice\n" }, "a root CODEOWNERS, which .github/CODEOWNERS outranks");
    commit(owned, { ".github/CODEOWNERS": "*.md @acme/docs\n!src/ @alice\n" }, "bad line");
    badLine = commit(owned, { "src/b.ts": "z\n" }, "judged under the bad line");
  });
  afterAll(() => removeDir(owned));

  test("each CODEOWNERS rule owning a changed path is a namespace of its own, read at the base revision", async () => {
    const r = await cli(["verify", "--repo", owned, "--format", "json", change], "/");
    expect(r.code).toBe(1);
    const range = JSON.parse(r.stdout).ranges[0];
    expect(range.namespaces.map((n: { name: string }) => n.name).sort()).toEqual(["owners.L1", "owners.L2"]);
  });

  test("a malformed line at the base revision is reported with file and line", async () => {
    const r = await cli(["verify", "--repo", owned, "--format", "json", badLine], "/");
    const findings = JSON.parse(r.stdout).ranges[0].findings as { code: string; location?: { path: string; line: number } }[];
    expect(findings.find((f) => f.code === "codeowners.malformed_line")?.location).toEqual({ path: ".github/CODEOWNERS", line: 2 });
  });
});
