/**
 * End to end for secret leaks: the app scans the lines each new commit of a pull request adds,
 * read from the raw objects over smart HTTP, and reports findings without the secret.
 */
import { afterAll, beforeAll, expect, test } from "@jest/globals";
import { startHarness, OWNER, type Harness } from "./harness.js";
import { branch, checkout, commitFiles, push } from "../helpers/git.js";
import type { CheckRunRecord } from "../standin/index.js";
import { scanText } from "../../src/controls/secrets/engine.js";
import { addToBaseline, formatBaseline } from "../../src/controls/secrets/baseline.js";
import { secretFingerprintKey } from "../../src/evidence/secret-scan.js";

// Made-up credentials shaped like an AWS key pair: canaries that must never appear in any output.
const KEY_ID = "AKIAQYLPMN5HHHFPZAM2";
const SECRET = "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";
const LEAK = `import boto3\naws_access_key_id = "${KEY_ID}"\naws_secret_access_key = "${SECRET}"\n`;

const POLICY = `version: 1
namespaces:
  - name: main
    refs: [refs/heads/main]
`;

let h: Harness;
let dir: string;
let n = 0;

beforeAll(async () => {
  h = await startHarness();
  dir = await h.repoWithPolicy("leaky", POLICY);
});
afterAll(async () => {
  await h?.close();
});

function everythingSaid(run: CheckRunRecord): string {
  return JSON.stringify([run.output, run.annotations]) + h.logLines.join("");
}

async function pullRequestWithCommits(commits: Record<string, string | null>[]) {
  const head = `leak-${++n}`;
  await branch(dir, head, "main");
  for (const [i, files] of commits.entries()) await commitFiles(dir, files, `commit ${i + 1}`);
  await push(dir, h.standIn.state.repo(OWNER, "leaky")!.gitDir, [head]);
  await checkout(dir, "main");
  const pr = await h.standIn.openPullRequest({ owner: OWNER, repo: "leaky", head, base: "main", author: "octocat" });
  await h.deliver("pull_request", h.pullRequestPayload("leaky", pr));
  return h.completedRun("leaky", pr.head.sha);
}

test("an AWS key pair fails the check with annotations on the right lines and no secret anywhere", async () => {
  const run = await pullRequestWithCommits([{ "app/config.py": LEAK }]);
  expect(run.conclusion).toBe("failure");
  const lines = run.annotations.filter((a) => a.path === "app/config.py").map((a) => a.start_line).sort();
  expect(lines).toEqual([2, 3]);
  const said = everythingSaid(run);
  expect(said).not.toContain(SECRET);
  expect(said).not.toContain(SECRET.slice(8, 24));
  expect(said).not.toContain(KEY_ID);
});

test("a secret added in one commit and removed in the next still fails", async () => {
  const run = await pullRequestWithCommits([{ "app/config.py": LEAK }, { "app/config.py": "import boto3\n" }]);
  expect(run.conclusion).toBe("failure");
  expect(everythingSaid(run)).not.toContain(SECRET);
});

test("a vouch:allow comment on the line suppresses the finding", async () => {
  const allowed = `import boto3\naws_access_key_id = "${KEY_ID}"  # vouch:allow test fixture\naws_secret_access_key = "${SECRET}"  # vouch:allow test fixture\n`;
  const run = await pullRequestWithCommits([{ "app/config.py": allowed }]);
  expect(run.conclusion).toBe("success");
});

test("a baseline entry on the base branch accepts a known finding, without storing the secret", async () => {
  // The baseline is made the way a maintainer would: from the findings' fingerprints, keyed to the repository.
  const { findings } = scanText("app/config.py", LEAK, { fingerprintKey: secretFingerprintKey(`${OWNER}/accepted`) });
  expect(findings).toHaveLength(2);
  const baseline = formatBaseline(addToBaseline([], findings, "false-positive"));
  expect(baseline).not.toContain(SECRET);
  const policy = `${POLICY}secrets:\n  baseline: .vouch/secrets-baseline.json\n`;
  const repoDir = await h.repoWithPolicy("accepted", policy);
  await commitFiles(repoDir, { ".vouch/secrets-baseline.json": baseline }, "accept known fixture");
  await push(repoDir, h.standIn.state.repo(OWNER, "accepted")!.gitDir, ["main"]);
  const pr = await h.openPullRequest("accepted", repoDir, "with-leak", { "app/config.py": LEAK });
  await h.deliver("pull_request", h.pullRequestPayload("accepted", pr));
  const run = await h.completedRun("accepted", pr.head.sha);
  expect(run.conclusion).toBe("success");
  expect(everythingSaid(run)).not.toContain(SECRET);
});
