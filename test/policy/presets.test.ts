import { readFileSync, readdirSync } from "node:fs";
import { describe, expect, test } from "@jest/globals";
import { parsePolicy } from "../../src/policy/parse.js";
import { runCli } from "../../src/cli/run.js";

const DIR = new URL("../../policies/presets/", import.meta.url);
const presets = readdirSync(DIR).filter((f) => f.endsWith(".yml")).sort();

function sink() {
  let text = "";
  return { write: (s: string) => void (text += s), get text() { return text; } };
}

test("the three required presets exist", () => {
  expect(presets).toEqual(expect.arrayContaining(["monorepo.yml", "open-source.yml", "slsa-source-l4.yml"]));
});

describe.each(presets)("preset %s", (name) => {
  const text = readFileSync(new URL(name, DIR), "utf8");

  test("parses without errors and protects something", () => {
    const r = parsePolicy(text, name);
    if (!r.ok) throw new Error(r.errors.map((e) => `${e.line}:${e.column} ${e.message}`).join("\n"));
    expect(r.policy.namespaces.length).toBeGreaterThan(0);
  });

  test("points editors at the committed schema and explains itself in comments", () => {
    expect(text).toMatch(/^# yaml-language-server: \$schema=\.\.\/vouch\.schema\.json$/m);
    expect(text.split("\n").filter((l) => l.trim().startsWith("#")).length).toBeGreaterThan(5);
  });

  test("`vouch policy check` exits 0", async () => {
    const out = sink();
    const err = sink();
    const code = await runCli(["policy", "check", `policies/presets/${name}`], { stdout: out, stderr: err, cwd: new URL("../../", import.meta.url).pathname });
    expect(err.text).toBe("");
    expect(code).toBe(0);
    expect(out.text).toMatch(/valid, \d+ namespaces .*sha256:[0-9a-f]{64}/);
  });
});

describe("what each preset promises", () => {
  const load = (name: string) => {
    const r = parsePolicy(readFileSync(new URL(name, DIR), "utf8"), name);
    if (!r.ok) throw new Error("invalid preset");
    return r.policy;
  };
  test("SLSA Source L4: two-party review on protected branches, signatures, immutable tags", () => {
    const p = load("slsa-source-l4.yml");
    expect(p.signatures.required).toBe(true);
    expect(p.signatures.allow_github_web_flow).toBe(false);
    const branches = p.namespaces.find((n) => n.refs.includes("refs/heads/main"));
    expect(branches?.review?.approvals).toBeGreaterThanOrEqual(1);
    expect(branches?.review?.exclude).toEqual(expect.arrayContaining(["author", "contributors", "pushers"]));
    expect(branches?.forbid).toEqual(expect.arrayContaining(["force-push", "deletion", "direct-push"]));
    expect(p.namespaces.some((n) => n.refs.some((r) => r.startsWith("refs/tags/")) && n.forbid.includes("move"))).toBe(true);
  });
  test("monorepo: team-owned paths each require their team", () => {
    const p = load("monorepo.yml");
    const owned = p.namespaces.filter((n) => n.paths.length > 0 && n.owners.length > 0);
    expect(owned.length).toBeGreaterThanOrEqual(2);
    for (const n of owned) expect(n.review?.from).toEqual(expect.arrayContaining(n.owners));
  });
  test("open source: reviewed default branch and signed release tags", () => {
    const p = load("open-source.yml");
    expect(p.namespaces.find((n) => n.refs.includes("refs/heads/main"))?.review?.approvals).toBeGreaterThanOrEqual(1);
    expect(p.namespaces.find((n) => n.refs.includes("refs/tags/v*"))?.signatures?.required).toBe(true);
  });
});
