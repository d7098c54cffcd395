/** `vouch doctor` against the stand-in over real HTTP: rulesets, classic protection, and usage errors. */
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "@jest/globals";
import { EXIT } from "../../src/cli/io.js";
import { commitFiles, initRepo, push, removeDir } from "../helpers/git.js";
import { startStandIn, type StandIn } from "../standin/index.js";
import { appKeys } from "../standin/testing.js";
import { removeDir as removeTemp, tempDir, writeFiles } from "./cli-helpers.js";
import { runCli } from "../../src/cli/run.js";

const APP_ID = 42;
const POLICY = `version: 1
namespaces:
  - name: main
    refs: [refs/heads/main]
  - name: stable
    refs: [refs/heads/stable, refs/heads/release/*]
`;

let standIn: StandIn;
let work: string;
let cwd: string;
let token: string;

/** Runs `vouch doctor` in-process with its own program, as run.ts wires it, with the given environment. */
async function doctor(argv: string[], env: Record<string, string | undefined> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = "";
  let stderr = "";
  const io = { stdout: { write: (s: string) => void (stdout += s) }, stderr: { write: (s: string) => void (stderr += s) }, cwd: cwd };
  const code = await runCli(["doctor", ...argv], io, { env: { GHE_HOST: standIn.host, GHE_PROTOCOL: "http", GITHUB_TOKEN: token, ...env } });
  return { code, stdout, stderr };
}

const requireVouch = (integrationId?: number) => [
  {
    type: "required_status_checks",
    ruleset_source_type: "Repository",
    ruleset_source: "acme/widgets",
    ruleset_id: 11,
    parameters: {
      strict_required_status_checks_policy: false,
      required_status_checks: [{ context: "vouch", ...(integrationId === undefined ? {} : { integration_id: integrationId }) }],
    },
  },
];

beforeAll(async () => {
  standIn = await startStandIn({ publicKey: appKeys().publicKey, appId: APP_ID });
  const repo = await standIn.addRepo({ owner: "acme", name: "widgets" });
  work = await initRepo();
  await commitFiles(work, { ".github/vouch.yml": POLICY, "README.md": "hi\n" }, "initial");
  await push(work, repo.gitDir, ["main", "main:stable"]);
  cwd = await tempDir();
  writeFiles(cwd, { "only-main.yml": "version: 1\nnamespaces:\n  - name: main\n    refs: [refs/heads/main]\n", "bad.yml": "version: 1\nnamespaces: 3\n" });
});

beforeEach(() => {
  token = standIn.issueToken();
  standIn.state.branchRules.clear();
  standIn.state.branchProtection.clear();
});

afterAll(async () => {
  await standIn.close();
  await removeDir(work);
  removeTemp(cwd);
});

describe("vouch doctor", () => {
  test("exit 0 when a ruleset and classic protection require the check on every protected branch (policy read from the repository)", async () => {
    standIn.state.setBranchRules("acme", "widgets", "main", requireVouch(APP_ID));
    standIn.state.setBranchProtection("acme", "widgets", "stable", { required_status_checks: { strict: true, contexts: ["vouch"], checks: [{ context: "vouch", app_id: APP_ID }] } });
    const r = await doctor(["--repo", "acme/widgets", "--app-id", String(APP_ID)]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(EXIT.pass);
    expect(r.stdout).toContain("required on 2 of 2 protected branches");
    expect(r.stdout).toMatch(/required\s+main: ruleset 11/);
    expect(r.stdout).toMatch(/required\s+stable: branch protection requires/);
    // The glob namespace ref is not a branch the doctor can check.
    expect(r.stdout).not.toContain("release");
  });

  test("exit 1 and NOT REQUIRED when the only requirement is bound to another app; json lists each branch", async () => {
    standIn.state.setBranchRules("acme", "widgets", "main", requireVouch(7));
    const r = await doctor(["--repo", "acme/widgets", "--format", "json"], { APP_ID: String(APP_ID) });
    expect(r.code).toBe(EXIT.violations);
    const out = JSON.parse(r.stdout) as { appId: number; branches: Array<{ branch: string; status: string; via: string | null }> };
    expect(out.appId).toBe(APP_ID);
    expect(out.branches.map((b) => [b.branch, b.status, b.via])).toEqual([
      ["main", "not_required", null],
      ["stable", "not_required", null],
    ]);
  });

  test("--policy replaces the repository's policy", async () => {
    standIn.state.setBranchRules("acme", "widgets", "main", requireVouch());
    const r = await doctor(["--repo", "acme/widgets", "--policy", "only-main.yml"]);
    expect(r.code).toBe(EXIT.pass);
    expect(r.stdout).toContain("required on 1 of 1 protected branch");
    expect(r.stdout).toContain("any source");
  });

  test("exit 1 with UNKNOWN when classic protection cannot be read", async () => {
    standIn.state.setBranchRules("acme", "widgets", "stable", requireVouch(APP_ID));
    standIn.failNext({ pathPrefix: "/api/v3/repos/acme/widgets/branches/main/protection", status: 403 });
    const r = await doctor(["--repo", "acme/widgets", "--app-id", String(APP_ID)]);
    expect(r.code).toBe(EXIT.violations);
    expect(r.stdout).toMatch(/UNKNOWN\s+main: .*HTTP 403/);
    expect(r.stdout).toMatch(/required\s+stable/);
  });

  test("the token never appears in the output", async () => {
    const r = await doctor(["--repo", "acme/widgets"]);
    expect(r.stdout + r.stderr).not.toContain(token);
  });

  describe("usage errors exit 2", () => {
    test("no token", async () => {
      const r = await doctor(["--repo", "acme/widgets"], { GITHUB_TOKEN: undefined });
      expect(r.code).toBe(EXIT.usage);
      expect(r.stderr).toContain("GITHUB_TOKEN is not set");
    });
    test("a malformed repository name", async () => {
      const r = await doctor(["--repo", "widgets"]);
      expect(r.code).toBe(EXIT.usage);
      expect(r.stderr).toContain("OWNER/NAME");
    });
    test("a repository that does not exist", async () => {
      const r = await doctor(["--repo", "acme/nothing"]);
      expect(r.code).toBe(EXIT.usage);
      expect(r.stderr).toContain("no repository acme/nothing");
    });
    test("a token GitHub refuses", async () => {
      const r = await doctor(["--repo", "acme/widgets"], { GITHUB_TOKEN: "ghs_not_a_real_token" });
      expect(r.code).toBe(EXIT.usage);
      expect(r.stderr).toContain("HTTP 401");
      expect(r.stderr).not.toContain("ghs_not_a_real_token");
    });
    test("an invalid policy file", async () => {
      const r = await doctor(["--repo", "acme/widgets", "--policy", "bad.yml"]);
      expect(r.code).toBe(EXIT.usage);
      expect(r.stderr).toContain("bad.yml");
      expect(r.stderr).toContain("the policy is invalid");
    });
    test("a non-numeric app id", async () => {
      const r = await doctor(["--repo", "acme/widgets", "--app-id", "vouch"]);
      expect(r.code).toBe(EXIT.usage);
    });
  });
});
