// Signature evidence in the app judges each object at its first observation, read from the store next to the ledger; a store that fails is an evidence gap, never a guess.
import { afterAll, beforeAll, expect, test } from "@jest/globals";
import { commitFiles, initRepo, push, removeDir, tempDir } from "../helpers/git.js";
import { startStandIn, type StandIn } from "../standin/index.js";
import { appKeys } from "../standin/testing.js";
import { gatherGitEvidence, type GitEvidenceTarget } from "../../src/github/git-evidence.js";
import type { GitHubClient } from "../../src/github/client.js";
import type { FirstObservations } from "../../src/ledger/first-observations.js";
import { LedgerUnavailableError } from "../../src/ledger/unavailable.js";
import { loadedPolicy } from "../helpers/evidence.js";

let standIn: StandIn;
let work: string;
let data: string;
let base: string;
let head: string;

beforeAll(async () => {
  standIn = await startStandIn({ publicKey: appKeys().publicKey });
  const gitDir = (await standIn.addRepo({ owner: "acme", name: "timed" })).gitDir;
  work = await initRepo();
  data = await tempDir("vouch-fo-data-");
  base = await commitFiles(work, { "a.txt": "a\n" }, "base");
  head = await commitFiles(work, { "b.txt": "b\n" }, "unsigned change");
  await push(work, gitDir, ["main"]);
});
afterAll(async () => {
  await removeDir(work);
  await removeDir(data);
  await standIn.close();
});

const octokit = () => ({ auth: async () => ({ token: standIn.issueToken() }) }) as unknown as GitHubClient;

function target(observedAt: Date): GitEvidenceTarget {
  const loaded = loadedPolicy({ namespaces: [{ name: "main", refs: ["refs/heads/main"], signatures: { required: true } }], secrets: { enabled: false } });
  if (loaded.status !== "valid") throw new Error("test policy invalid");
  return {
    owner: "acme",
    repo: "timed",
    repositoryId: 99,
    change: { kind: "push", ref: "refs/heads/main", baseSha: base, headSha: head, files: [{ path: "b.txt", status: "added" }], filesComplete: true },
    exclude: [base],
    observedAt,
    policy: loaded.policy,
    readBaseline: async () => null,
  };
}

test("each object carries the first-observation time the store returns, recorded under the repository id", async () => {
  const calls: [string, readonly string[], string][] = [];
  const earlier = new Date("2025-05-01T00:00:00.000Z");
  const observations: FirstObservations = {
    observe: async (repository, ids, at) => {
      calls.push([repository, ids, at.toISOString()]);
      return new Map(ids.map((id) => [id, earlier]));
    },
    close: async () => undefined,
  };
  const now = new Date("2026-11-25T12:00:00.000Z");
  const out = await gatherGitEvidence(octokit(), { baseUrl: standIn.url, dataDir: data, observations }, target(now));
  expect(calls).toEqual([["github:99", [head], now.toISOString()]]);
  expect(out.gaps).toEqual([]);
  expect(out.signatures?.objects).toEqual([expect.objectContaining({ id: head, trustedAt: earlier.toISOString(), signature: expect.objectContaining({ status: "unsigned" }) })]);
});

test("a store that cannot be read gives no signature verdicts: the evaluation is retried (never judged at a guessed time)", async () => {
  const observations: FirstObservations = {
    observe: async () => {
      throw new Error("database is locked");
    },
    close: async () => undefined,
  };
  const gathering = gatherGitEvidence(octokit(), { baseUrl: standIn.url, dataDir: data, observations }, target(new Date()));
  // An unreachable store says nothing about the change (docs/decisions/0024): the queue retries it.
  await expect(gathering).rejects.toBeInstanceOf(LedgerUnavailableError);
  await expect(gathering).rejects.toThrow(/first observed: database is locked/);
});
