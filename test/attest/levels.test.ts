import { describe, test, expect } from "@jest/globals";
import { levelFacts, verifiedLevels, type LevelFacts } from "../../src/attest/levels.js";
import { BASE, HEAD, evidence, failing, policy, verdict } from "./fixtures.js";

const start = { chainVerified: true, previous: null, baseRevision: BASE };
const ALL = ["SLSA_SOURCE_LEVEL_1", "SLSA_SOURCE_LEVEL_2", "SLSA_SOURCE_LEVEL_3", "SLSA_SOURCE_TWO_PARTY_REVIEWED", "ORG_SOURCE_SIGNED_COMMITS", "ORG_SOURCE_SECRET_SCANNED"];

function facts(over: Partial<LevelFacts> = {}): LevelFacts {
  return { ...levelFacts(policy(), verdict(), evidence(), start), ...over };
}

describe("verifiedLevels", () => {
  test("everything held, chain starts here: level 3 plus the verified properties", () => {
    const r = verifiedLevels(facts());
    expect(r.verifiedLevels).toEqual(["SLSA_SOURCE_LEVEL_3", "SLSA_SOURCE_TWO_PARTY_REVIEWED", "ORG_SOURCE_SIGNED_COMMITS", "ORG_SOURCE_SECRET_SCANNED"]);
    expect(r.lapse).toBeNull();
  });

  test("a merge group is two-party reviewed through the merge-queue control, never without a passing one", () => {
    const group = (mergeQueue: "pass" | "fail") => verifiedLevels(facts({ controls: { namespaces: "pass", signatures: "pass", secrets: "pass", merge_queue: mergeQueue } }));
    expect(group("pass").verifiedLevels).toContain("SLSA_SOURCE_TWO_PARTY_REVIEWED");
    expect(group("fail").verifiedLevels).not.toContain("SLSA_SOURCE_TWO_PARTY_REVIEWED");
  });

  test("continuity from the previous attested revision keeps the claims", () => {
    const r = verifiedLevels(facts({ continuity: { chainVerified: true, previous: { revision: BASE, properties: ALL }, baseRevision: BASE } }));
    expect(r.verifiedLevels[0]).toBe("SLSA_SOURCE_LEVEL_3");
  });

  test("a ref that moved from an unattested revision is a lapse: only level 1, and the properties restart", () => {
    const r = verifiedLevels(facts({ continuity: { chainVerified: true, previous: { revision: HEAD, properties: ALL }, baseRevision: BASE } }));
    expect(r.verifiedLevels).toEqual(["SLSA_SOURCE_LEVEL_1"]);
    expect(r.lapse).toMatch(/not from the last attested revision/);
    expect(r.properties).toContain("SLSA_SOURCE_LEVEL_3");
  });

  test("a chain that does not verify voids every continuity claim", () => {
    const r = verifiedLevels(facts({ continuity: { ...start, chainVerified: false } }));
    expect(r.verifiedLevels).toEqual(["SLSA_SOURCE_LEVEL_1"]);
  });

  test("a property that lapsed at the previous revision is not claimed now even though it holds", () => {
    const props = ALL.filter((p) => p !== "SLSA_SOURCE_TWO_PARTY_REVIEWED");
    const r = verifiedLevels(facts({ continuity: { chainVerified: true, previous: { revision: BASE, properties: props }, baseRevision: BASE } }));
    expect(r.verifiedLevels).not.toContain("SLSA_SOURCE_TWO_PARTY_REVIEWED");
    expect(r.verifiedLevels).toContain("SLSA_SOURCE_LEVEL_3");
    expect(r.properties).toContain("SLSA_SOURCE_TWO_PARTY_REVIEWED");
  });

  test("a failed review drops two-party review and level 3, keeps level 2", () => {
    const f = levelFacts(policy(), failing("review"), evidence(), start);
    expect(verifiedLevels(f).verifiedLevels).toEqual(["SLSA_SOURCE_LEVEL_2", "ORG_SOURCE_SIGNED_COMMITS", "ORG_SOURCE_SECRET_SCANNED"]);
  });

  test("a force-push breaks history: level 1 only", () => {
    const ev = evidence({
      change: { ...evidence().change, kind: "push", push: { before: BASE, after: HEAD, created: false, deleted: false, forced: true, pusher: { login: "bob", id: 2 } } },
    });
    expect(verifiedLevels(levelFacts(policy(), verdict(), ev, start)).verifiedLevels).toEqual(["SLSA_SOURCE_LEVEL_1"]);
  });

  test("a policy that does not forbid force-push and deletion cannot earn level 2", () => {
    const p = policy({ namespaces: [{ name: "main", refs: ["refs/heads/main"], forbid: ["direct-push"], review: { approvals: 1 } }] });
    expect(verifiedLevels(levelFacts(p, verdict(), evidence(), start)).verifiedLevels).toEqual(["SLSA_SOURCE_LEVEL_1"]);
  });

  test("review that lets the author approve is not two-party review", () => {
    const p = policy({
      namespaces: [{ name: "main", refs: ["refs/heads/main"], forbid: ["force-push", "deletion"], review: { approvals: 1, exclude: [] } }],
    });
    expect(verifiedLevels(levelFacts(p, verdict(), evidence(), start)).verifiedLevels).not.toContain("SLSA_SOURCE_TWO_PARTY_REVIEWED");
  });

  test("evidence gaps, an unknown repository id, or an invalid policy claim nothing", () => {
    expect(verifiedLevels(facts({ evidenceComplete: false })).verifiedLevels).toEqual([]);
    expect(verifiedLevels(facts({ repositoryIdKnown: false })).verifiedLevels).toEqual([]);
    const invalid = levelFacts({ status: "invalid", errors: [], digest: null, sources: [] }, failing("policy"), evidence(), start);
    expect(verifiedLevels(invalid).verifiedLevels).toEqual([]);
  });

  test("a ref no namespace protects earns level 1 only", () => {
    const v = verdict({ ref: "refs/heads/feature" });
    expect(verifiedLevels(levelFacts(policy(), v, evidence(), start)).verifiedLevels).toEqual(["SLSA_SOURCE_LEVEL_1"]);
  });
});
