/** `vouch evaluate`: replays saved evidence through the engine, offline, to reproduce a verdict the app posted. */
import { readFile, stat } from "node:fs/promises";
import { resolve } from "node:path";
import { type Command, Option } from "commander";
import type { z } from "zod";
import { evaluate, type Verdict } from "../engine/evaluate.js";
import { EvidenceSchema } from "../evidence/schema.js";
import type { Evidence } from "../evidence/types.js";
import { loadPolicy } from "../policy/load.js";
import { formatPolicyError } from "./format.js";
import { CliInputError, type CliIo, EXIT } from "./io.js";
import { readPolicyText } from "./policy-commands.js";

/** Evidence files are written by Vouch; anything far larger is not one. */
const MAX_EVIDENCE_BYTES = 64 * 1024 * 1024;
const MAX_REPORTED_ISSUES = 20;

/** `$.change.files[0].status`: where in the file a problem is. */
export function jsonPath(path: readonly PropertyKey[]): string {
  return `$${path.map((p) => (typeof p === "number" ? `[${p}]` : /^[A-Za-z_$][\w$]*$/.test(String(p)) ? `.${String(p)}` : `[${JSON.stringify(String(p))}]`)).join("")}`;
}

function describeIssues(file: string, issues: readonly z.core.$ZodIssue[]): string {
  const shown = issues.slice(0, MAX_REPORTED_ISSUES).map((i) => `${file}: ${jsonPath(i.path)}: ${i.message}`);
  const more = issues.length > MAX_REPORTED_ISSUES ? [`${file}: and ${issues.length - MAX_REPORTED_ISSUES} more problems`] : [];
  return [...shown, ...more].join("\n");
}

export async function readEvidence(io: CliIo, file: string): Promise<Evidence> {
  const path = resolve(io.cwd, file);
  let bytes: Buffer;
  try {
    // Size first: an oversized file is refused without being read into memory.
    if ((await stat(path)).size > MAX_EVIDENCE_BYTES) throw new CliInputError(`${file} is larger than ${MAX_EVIDENCE_BYTES / 1024 / 1024} MiB; not an evidence file`);
    bytes = await readFile(path);
  } catch (error) {
    if (error instanceof CliInputError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    throw new CliInputError(`cannot read ${file}: ${code === "ENOENT" ? "no such file" : (code ?? String(error))}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
  } catch (error) {
    throw new CliInputError(`${file} is not valid JSON: ${(error as Error).message.split("\n")[0]}`);
  }
  const parsed = EvidenceSchema.safeParse(json);
  if (!parsed.success) throw new CliInputError(`${file} is not valid Vouch evidence:\n${describeIssues(file, parsed.error.issues)}`);
  return parsed.data;
}

export function registerEvaluate(program: Command, io: CliIo, setExit: (code: number) => void): void {
  program
    .command("evaluate")
    .description("Evaluate saved evidence against a policy offline, reproducing the verdict the app posted.")
    .requiredOption("--policy <file>", "the policy file the app used (the base branch's .github/vouch.yml)")
    .requiredOption("--evidence <file>", "the evidence JSON the app saved (schema: policies/evidence.schema.json)")
    .addOption(new Option("--format <format>", "output format").choices(["text", "json"]).default("text"))
    .addHelpText(
      "after",
      "\nAn invalid policy is evaluated as the app does (a failing verdict with the policy errors).\n\nExit status: 0 pass (or neutral), 1 the verdict fails, 2 usage or input error (unreadable or invalid evidence, unreadable policy).",
    )
    .action(async (opts: { policy: string; evidence: string; format: "text" | "json" }) => {
      const evidence = await readEvidence(io, opts.evidence);
      const policyText = await readPolicyText(io, opts.policy, evidence.repository.fullName);
      const loaded = loadPolicy({ repository: policyText });
      if (loaded.status === "invalid") for (const e of loaded.errors) io.stderr.write(`${formatPolicyError(e)}\n`);
      const verdict = evaluate(loaded, evidence);
      io.stdout.write(opts.format === "json" ? `${JSON.stringify(verdict, null, 2)}\n` : verdictText(verdict));
      setExit(verdict.conclusion === "failure" ? EXIT.violations : EXIT.pass);
    });
}

export function verdictText(v: Verdict): string {
  const lines = [
    `${v.conclusion.toUpperCase()} ${v.headSha.slice(0, 12)} on ${v.ref}: ${v.title}`,
    `  policy ${v.policyDigest ?? "(none)"}, observed ${v.observedAt}`,
  ];
  if (v.namespaces.length === 0) lines.push("  no protected namespace touched");
  for (const ns of v.namespaces) lines.push(`  namespace ${ns.name}: ${ns.reasons.join("; ") || "always applies"}`);
  for (const c of v.controls) lines.push(`  control ${c.control}: ${c.status}: ${c.summary}`);
  for (const f of v.findings) {
    const loc = f.location;
    const where = loc?.path ? ` ${loc.path}${loc.line ? `:${loc.line}` : ""}` : loc?.commit ? ` ${loc.commit.slice(0, 12)}` : "";
    lines.push(`  ${f.severity} ${f.code}${f.namespace ? ` [${f.namespace}]` : ""}${where}: ${f.message}`, `    fix: ${f.remedy}`);
  }
  return `${lines.join("\n")}\n`;
}
