/** `vouch verify`: the engine over a local clone. */
import { resolve } from "node:path";
import { type Command, Option } from "commander";
import type { LoadedPolicy } from "../evidence/types.js";
import { LocalGitError, currentRef, localEvidence, readAtRevision, repositoryName, resolveRange, type LocalRange } from "../evidence/local.js";
import { evaluate, type Verdict } from "../engine/evaluate.js";
import { loadPolicy } from "../policy/load.js";
import { POLICY_PATH } from "../policy/schema.js";
import { formatPolicyError } from "./format.js";
import { CliInputError, type CliIo, EXIT } from "./io.js";
import { readPolicyText } from "./policy-commands.js";

interface VerifyOptions {
  repo: string;
  policy?: string;
  format: "text" | "json";
  ref?: string;
}

const HELP = `
Revisions:
  REV     the commit REV against its first parent (default: HEAD)
  A..B    the change from A to B
  A...B   the change from the merge base of A and B to B

The policy is ${POLICY_PATH} as committed at the base revision of each range (for REV, its parent),
never the working tree or the head being judged, so a change cannot vouch for itself.
--policy FILE overrides it with a file from disk.

Exit status: 0 pass, 1 violations, 2 usage or input error (unknown revision, missing or invalid policy).`;

export function registerVerify(program: Command, io: CliIo, setExit: (code: number) => void): void {
  program
    .command("verify")
    .description("Judge commits of a local clone against the policy, as the app would.")
    .argument("[revisions...]", "REV, A..B or A...B")
    .option("--repo <dir>", "the local clone", ".")
    .option("--policy <file>", `a policy file to use instead of ${POLICY_PATH} at the base revision`)
    .addOption(new Option("--format <format>", "output format").choices(["text", "json"]).default("text"))
    .option("--ref <ref>", "the ref the change lands on (default: the branch HEAD points at)")
    .addHelpText("after", HELP)
    .action(async (revisions: string[], opts: VerifyOptions) => {
      const repo = resolve(io.cwd, opts.repo);
      const specs = revisions.length > 0 ? revisions : ["HEAD"];
      if (opts.ref !== undefined && !/^refs\/(heads|tags)\/.+/.test(opts.ref)) {
        throw new CliInputError(`--ref must be a full ref name such as refs/heads/main, not "${opts.ref}"`);
      }
      try {
        const ref = opts.ref ?? (await currentRef(repo));
        if (!ref) throw new CliInputError("HEAD is detached; pass --ref refs/heads/<branch> to say which ref the change lands on");
        const fixed = opts.policy ? await readPolicyText(io, opts.policy, await repositoryName(repo)) : null;
        let worst: number = EXIT.pass;
        for (const spec of specs) {
          const range = await resolveRange(repo, spec);
          const loaded = fixed ? loadPolicy({ repository: fixed }) : await policyAtBase(repo, range);
          if (loaded.status === "missing") {
            throw new CliInputError(
              range.base
                ? `${spec}: no ${POLICY_PATH} at the base revision ${range.base.slice(0, 12)}; pass --policy FILE`
                : `${spec}: a root commit has no base revision to read the policy from; pass --policy FILE`,
            );
          }
          if (loaded.status === "invalid") {
            for (const e of loaded.errors) io.stderr.write(`${formatPolicyError(e)}\n`);
            throw new CliInputError(`${spec}: the policy is invalid`);
          }
          const evidence = await localEvidence(repo, range, { ref });
          const verdict = evaluate(loaded, evidence);
          io.stdout.write(opts.format === "json" ? `${JSON.stringify(toJson(range, verdict))}\n` : toText(range, verdict));
          if (verdict.conclusion !== "success") worst = EXIT.violations;
        }
        setExit(worst);
      } catch (error) {
        if (error instanceof LocalGitError) throw new CliInputError(error.message);
        throw error;
      }
    });
}

async function policyAtBase(repo: string, range: LocalRange): Promise<LoadedPolicy> {
  if (!range.base) return { status: "missing", sources: [] };
  const text = await readAtRevision(repo, range.base, POLICY_PATH);
  if (text === null) return { status: "missing", sources: [] };
  const source = { repository: await repositoryName(repo), path: POLICY_PATH, ref: range.base, sha: range.base };
  return loadPolicy({ repository: { text, source, displayPath: `${range.base.slice(0, 12)}:${POLICY_PATH}` } });
}

function toJson(range: LocalRange, v: Verdict) {
  return {
    verdict: v.conclusion === "success" ? "pass" : "fail",
    range: range.spec,
    base: range.base,
    head: v.headSha,
    ref: v.ref,
    title: v.title,
    policyDigest: v.policyDigest,
    observedAt: v.observedAt,
    namespaces: v.namespaces,
    controls: v.controls.map((c) => ({ control: c.control, status: c.status, summary: c.summary })),
    findings: v.findings,
  };
}

function toText(range: LocalRange, v: Verdict): string {
  const lines = [
    `${v.conclusion === "success" ? "PASS" : "FAIL"} ${range.spec} (${range.base ? `${range.base.slice(0, 12)}..` : ""}${v.headSha.slice(0, 12)}) on ${v.ref}: ${v.title}`,
    `  policy ${v.policyDigest ?? "(none)"}`,
  ];
  if (v.namespaces.length === 0) lines.push("  no protected namespace touched");
  for (const ns of v.namespaces) lines.push(`  namespace ${ns.name}: ${ns.reasons.join("; ") || "always applies"}`);
  for (const f of v.findings) {
    const where = f.location?.path ? ` ${f.location.path}${f.location.line ? `:${f.location.line}` : ""}` : "";
    lines.push(`  ${f.severity} ${f.code}${f.namespace ? ` [${f.namespace}]` : ""}${where}: ${f.message}`);
    lines.push(`    fix: ${f.remedy}`);
  }
  return `${lines.join("\n")}\n`;
}
