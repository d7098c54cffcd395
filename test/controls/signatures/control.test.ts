import { createHash } from "node:crypto";
import { describe, expect, test } from "@jest/globals";
import { readKeys } from "openpgp";
import { signaturesControl } from "../../../src/controls/signatures/control.js";
import { isWebFlowKey, WEB_FLOW_ARMORED, WEB_FLOW_KEYS, webFlowKeyring } from "../../../src/controls/signatures/web-flow.js";
import { verifyObject } from "../../../src/controls/signatures/verify.js";
import { buildTrustStore } from "../../../src/controls/signatures/trust.js";
import { SIGNATURE_STATUSES, type SignatureStatus } from "../../../src/controls/signatures/types.js";
import { CONTROLS, evaluate } from "../../../src/engine/evaluate.js";
import { type Evidence, type LoadedPolicy, type SignedObjectEvidence } from "../../../src/evidence/types.js";
import { pullRequestEvidence } from "../../helpers/evidence.js";
import { PolicySchema, type PolicyInput } from "../../../src/policy/schema.js";

function loaded(input: Omit<PolicyInput, "version">): Extract<LoadedPolicy, { status: "valid" }> {
  return {
    status: "valid",
    policy: PolicySchema.parse({ version: 1, secrets: { enabled: false }, ...input }),
    digest: `sha256:${"ab".repeat(32)}`,
    sources: [{ repository: "acme/app", path: ".github/vouch.yml", ref: "main" }],
  };
}

function obj(id: string, status: SignatureStatus, extra: Partial<SignedObjectEvidence["signature"]> = {}): SignedObjectEvidence {
  return {
    id: id.repeat(40).slice(0, 40),
    type: "commit",
    signature: { status, format: status === "unsigned" ? null : "openpgp", signer: null, key: null, detail: `detail for ${status}`, ...extra },
    signedBy: { name: "Carol", email: "carol@example.com" },
  };
}

function evidence(files: string[], signatures?: Evidence["signatures"]): Evidence {
  return pullRequestEvidence(files, signatures ? { signatures } : {});
}

const sigs = (objects: SignedObjectEvidence[], keys: NonNullable<Evidence["signatures"]>["keys"] = []) => ({
  trustedAt: "2026-11-25T12:00:00.000Z",
  objects,
  keys,
});

/**
 * A real commit GitHub made and signed with its 2024 web-flow key (a merge in a public repository,
 * d51cc37c…); the bytes hash to that id, so nothing here is synthetic.
 */
const WEB_FLOW_COMMIT_ID = "d51cc37cf079ce0bc7c3346ad3b47344fa7669de";
const WEB_FLOW_COMMIT = [
  "tree 6dab98cab4057b74b6857333a0609234cd4607f5",
  "parent a59c96fbda0e53d5ddbe78b8901068759c674835",
  "parent 3f80c83133a0bfb1fb551ed31bf459e4b52fa22a",
  "author Alexander Malyy <al3xmalyy@gmail.com> 1757428453 +0300",
  "committer GitHub <noreply@github.com> 1757428453 +0300",
  [
    "gpgsig -----BEGIN PGP SIGNATURE-----",
    "",
    "wsFcBAABCAAQBQJowDrlCRC1aQ7uu5UhlAAA0TcQAHvjjvdtnBj/IOGjg2BG9c4G",
    "ynzcfv3vgwJ0HtMx1YS5fMMqf1F2pbYxlpfUQS3/+4szDOHZXPGl+WUQnn4cAH3C",
    "K68wk2nhpycD6OI0bDD9PJXfkc9bB3ndubaI36MI89blmUQry+236i4zZbu1NHva",
    "WGfjCToEf/lkTFzSyzZ+O4VK4XCJtgtlgbYJjRjZsz4yXOBsGCcrnUEf5tZ2b6/F",
    "Enrq02cfz+PGOGEYfgdnKMWssQTDufs8Ft/gkkX/CjaqSJNJh+gTENhjc6rig6c8",
    "xPO7rW/32sEerax/NTAGFXIhKUTJEn6MTtIZUKDMxa79MPcfTzAUydZHkgZ5ZuoN",
    "YtRiz/Qhceavf33G4pv7QikoH5FlOCvk66zh6Ssx0spiGEX4WgxCFsEpsPZ/ui/6",
    "xRaBbizYWbhRulLd+40NHaaQ01KGcRnaj1UfYtqpMOe7md+thUgjUYcqrNSzU2j6",
    "8b6EfE80tYzW9UD8YzQe7dOR13BwLWLy/uPjKkkPJYvFLf10w1J8oekMPyLK5K5U",
    "yAc9oqicJo0ayqA695dPBNryaUNSQqN1GPfEl2FVrX2CKLCMSdilm2ycwJOwtCco",
    "2MKuW+91vjXh/n7XiVfDRIDBaAW9PLaOsUOzKNjmkkqmU7630oWv3+lubXgkvMg+",
    "r0Xjd/ugWxMAupDt/yI6",
    "=0TRo",
    "-----END PGP SIGNATURE-----",
    "",
  ].join("\n "),
  "",
  "Merge branch 'inno-devops-labs:main' into main",
  "",
].join("\n");

const SIGNED_SRC = { namespaces: [{ name: "src", paths: ["src/**"], signatures: { required: true } }, { name: "docs", paths: ["docs/**"] }] };

describe("signatures control", () => {
  test("is registered in the engine with the review and namespaces controls", () => {
    expect(CONTROLS.map((c) => c.id).sort()).toEqual(["merge_queue", "namespaces", "review", "secrets", "signatures"]);
  });

  test("applies only where a touched namespace requires signatures, directly or through the top-level switch", () => {
    const p = loaded(SIGNED_SRC);
    const docsOnly = evaluate(p, evidence(["docs/a.md"]));
    expect(docsOnly.conclusion).toBe("success");
    expect(docsOnly.controls.map((c) => c.control)).not.toContain("signatures");
    const top = evaluate(loaded({ signatures: { required: true }, namespaces: [{ name: "docs", paths: ["docs/**"] }] }), evidence(["docs/a.md"]));
    expect(top.controls.find((c) => c.control === "signatures")?.status).toBe("fail");
    // The top-level switch covers protected namespaces only; an untouched policy judges nothing.
    const none = evaluate(loaded({ signatures: { required: true }, namespaces: [{ name: "docs", paths: ["docs/**"] }] }), evidence(["other.txt"]));
    expect(none.conclusion).toBe("success");
  });

  test("all objects valid passes", () => {
    const v = evaluate(loaded(SIGNED_SRC), evidence(["src/a.ts"], sigs([obj("1", "valid"), obj("2", "valid")])));
    expect(v.conclusion).toBe("success");
    expect(v.controls.find((c) => c.control === "signatures")).toMatchObject({ status: "pass", summary: expect.stringMatching(/All 2 new commits/) });
  });

  test("no signature evidence while required fails closed with signatures.evidence_missing", () => {
    const v = evaluate(loaded(SIGNED_SRC), evidence(["src/a.ts"]));
    expect(v.conclusion).toBe("failure");
    expect(v.findings.map((f) => f.code)).toEqual(["signatures.evidence_missing"]);
    expect(v.findings[0]).toMatchObject({ namespace: "src", severity: "error" });
  });

  test("each non-valid status gives an error finding per object, with a stable code, the commit, the detail and a remedy", () => {
    const bad = SIGNATURE_STATUSES.filter((s) => s !== "valid");
    const objects = [obj("0", "valid"), ...bad.map((s, i) => obj(String(i + 1), s))];
    const v = evaluate(loaded(SIGNED_SRC), evidence(["src/a.ts"], sigs(objects)));
    expect(v.conclusion).toBe("failure");
    const findings = v.findings.filter((f) => f.control === "signatures");
    expect(findings.map((f) => f.code)).toEqual(bad.map((s) => `signatures.${s}`));
    for (const [i, f] of findings.entries()) {
      const o = objects[i + 1]!;
      expect(f.severity).toBe("error");
      expect(f.location).toEqual({ commit: o.id });
      expect(f.namespace).toBe("src");
      expect(f.message).toContain(o.id.slice(0, 7));
      expect(f.message).toContain(`detail for ${bad[i]}`);
      expect(f.message).toContain("committer Carol <carol@example.com>");
      expect(f.remedy).toContain("git commit -S");
      expect(f.remedy).toContain("gpg.format ssh");
      expect(f.remedy).toContain("identities.<name>.keys");
    }
    expect(v.controls.find((c) => c.control === "signatures")?.summary).toBe(`${bad.length} of ${objects.length} new commits/tags without a valid, trusted signature.`);
  });

  test("a tag finding says tag and tagger; the signer and key are named", () => {
    const tag: SignedObjectEvidence = { ...obj("c", "identity_mismatch", { signer: "alice <alice@example.com>", key: "ABCDEF" }), type: "tag" };
    const v = evaluate(loaded(SIGNED_SRC), evidence(["src/a.ts"], sigs([tag])));
    expect(v.findings[0]!.message).toMatch(/^Tag ccccccc is signed by a key not bound to its committer \(key ABCDEF\): .*tagger Carol <carol@example.com>; key bound to alice <alice@example.com>/);
  });

  test("a GitHub web-flow signature counts only when the policy allows it", () => {
    const [old, current] = WEB_FLOW_KEYS;
    const webFlow = obj("d", "valid", { key: current!.fingerprint.toLowerCase(), signer: "noreply@github.com" });
    const oldFlow = obj("e", "valid", { key: old!.fingerprint });
    const denied = evaluate(loaded(SIGNED_SRC), evidence(["src/a.ts"], sigs([webFlow, oldFlow, obj("f", "valid", { key: "1234" })])));
    expect(denied.findings.map((f) => [f.code, f.location?.commit])).toEqual([
      ["signatures.web_flow_not_allowed", webFlow.id],
      ["signatures.web_flow_not_allowed", oldFlow.id],
    ]);
    expect(denied.findings[0]!.remedy).toContain("allow_github_web_flow");
    const allowed = evaluate(loaded({ ...SIGNED_SRC, signatures: { allow_github_web_flow: true } }), evidence(["src/a.ts"], sigs([webFlow, oldFlow])));
    expect(allowed.conclusion).toBe("success");
    expect(allowed.controls.find((c) => c.control === "signatures")?.summary).toMatch(/2 signed by GitHub's web-flow key/);
    // An SSH key cannot be the web-flow key, whatever its fingerprint string says.
    expect(evaluate(loaded(SIGNED_SRC), evidence(["src/a.ts"], sigs([{ ...webFlow, signature: { ...webFlow.signature, format: "ssh" } }]))).conclusion).toBe("success");
  });

  test("a real GitHub-made commit verifies with the pinned web-flow key, and counts only where the policy allows it", async () => {
    const trust = await buildTrustStore({ openpgpKeyrings: [webFlowKeyring()] });
    const raw = { id: WEB_FLOW_COMMIT_ID, type: "commit" as const, body: Buffer.from(WEB_FLOW_COMMIT) };
    const v = await verifyObject(raw, trust, new Date("2026-11-25T12:00:00Z"));
    expect(v.signature).toMatchObject({ status: "valid", format: "openpgp", key: "968479a1aff927e37d1a566bb5690eeebb952194", signer: "noreply@github.com" });
    // An edited message, re-hashed to a consistent id, so only the signature can catch it.
    const tampered = Buffer.from(WEB_FLOW_COMMIT.replace("into main", "into mainX"));
    const id = createHash("sha1").update(`commit ${tampered.length}\0`).update(tampered).digest("hex");
    expect((await verifyObject({ id, type: "commit", body: tampered }, trust, new Date("2026-11-25T12:00:00Z"))).signature.status).toBe("bad_signature");
    const evidenceOf = { id: v.id, type: v.type, signature: v.signature, signedBy: { name: "GitHub", email: "noreply@github.com" } };
    const denied = evaluate(loaded(SIGNED_SRC), evidence(["src/a.ts"], sigs([evidenceOf])));
    expect(denied.findings.map((f) => f.code)).toEqual(["signatures.web_flow_not_allowed"]);
    expect(evaluate(loaded({ ...SIGNED_SRC, signatures: { allow_github_web_flow: true } }), evidence(["src/a.ts"], sigs([evidenceOf]))).conclusion).toBe("success");
  });

  test("isWebFlowKey accepts either case and spaced fingerprints, nothing else", () => {
    expect(isWebFlowKey("5DE3 E050 9C47 EA3C F04A 42D3 4AEE 18F8 3AFD EB23")).toBe(true);
    expect(isWebFlowKey("968479a1aff927e37d1a566bb5690eeebb952194")).toBe(true);
    expect(isWebFlowKey("B5690EEEBB952194")).toBe(false);
    expect(isWebFlowKey(null)).toBe(false);
    expect(isWebFlowKey("")).toBe(false);
  });

  test("the pinned web-flow key material is exactly the keys the pinned fingerprints name, self-certified for noreply@github.com", async () => {
    const keys = await readKeys({ armoredKeys: WEB_FLOW_ARMORED });
    expect(keys.map((k) => k.getFingerprint().toUpperCase())).toEqual(WEB_FLOW_KEYS.map((k) => k.fingerprint));
    for (const [i, key] of keys.entries()) {
      expect(key.isPrivate()).toBe(false);
      expect(key.getCreationTime().toISOString().replace(".000", "")).toBe(WEB_FLOW_KEYS[i]!.createdAt);
      const expiry = await key.getExpirationTime();
      expect(expiry === Infinity ? null : (expiry as Date).toISOString().replace(".000", "")).toBe(WEB_FLOW_KEYS[i]!.expiresAt);
    }
    // Through the trust store, the keys bind to GitHub's committer email by their own verified user IDs.
    const trust = await buildTrustStore({ openpgpKeyrings: [{ name: "web-flow", text: WEB_FLOW_ARMORED }] });
    expect(trust.openpgp.map((k) => k.emails)).toEqual([["noreply@github.com"], ["noreply@github.com"]]);
  });

  test("keys from a source the policy does not trust fail; key files and pinned keys are not judged here", () => {
    const keys = [
      { fingerprint: "CC", source: "pinned" as const, where: "web-flow", fetchedAt: "2026-11-25T12:00:00Z" },
      { fingerprint: "AA", source: "github" as const, where: "GET /users/carol/gpg_keys", fetchedAt: "2026-11-25T12:00:00Z" },
      { fingerprint: "BB", source: "file" as const, where: "keys.asc", fetchedAt: "2026-11-25T12:00:00Z" },
    ];
    const v = evaluate(loaded(SIGNED_SRC), evidence(["src/a.ts"], sigs([obj("1", "valid")], keys)));
    expect(v.findings.map((f) => f.code)).toEqual(["signatures.key_source_not_allowed"]);
    expect(v.findings[0]!.message).toContain("GET /users/carol/gpg_keys");
    const ok = evaluate(loaded({ ...SIGNED_SRC, signatures: { keys: ["policy", "github"] } }), evidence(["src/a.ts"], sigs([obj("1", "valid")], keys)));
    expect(ok.conclusion).toBe("success");
    const policyKey = [{ fingerprint: "DD", source: "policy" as const, where: "policy identities.a.keys[0]", fetchedAt: "2026-11-25T12:00:00Z" }];
    const githubOnly = evaluate(loaded({ ...SIGNED_SRC, signatures: { keys: ["github"] } }), evidence(["src/a.ts"], sigs([obj("1", "valid")], policyKey)));
    expect(githubOnly.findings.map((f) => f.code)).toEqual(["signatures.key_source_not_allowed"]);
    expect(githubOnly.findings[0]!.remedy).toMatch(/Add `policy` to `signatures.keys`/);
  });

  test("no new objects passes with a summary that says so", () => {
    const r = signaturesControl.evaluate({
      policy: loaded(SIGNED_SRC).policy,
      evidence: evidence(["src/a.ts"], sigs([])),
      touched: [{ name: "src", reasons: [], matchedPaths: ["src/a.ts"] }],
    });
    expect(r).toMatchObject({ status: "pass", summary: "No new commits or tags to verify.", findings: [] });
  });

  test("two namespaces requiring signatures: findings carry no single namespace", () => {
    const p = loaded({ namespaces: [{ name: "a", paths: ["a/**"], signatures: { required: true } }, { name: "b", paths: ["b/**"], signatures: { required: true } }] });
    const v = evaluate(p, evidence(["a/x", "b/y"], sigs([obj("1", "unsigned")])));
    expect(v.findings).toHaveLength(1);
    expect(v.findings[0]!.namespace).toBeUndefined();
    const missing = evaluate(p, evidence(["a/x", "b/y"]));
    expect(missing.findings[0]!.message).toMatch(/Namespaces "a", "b" require signed commits/);
  });
});
