/** `vouch scan`: secrets in files and directories (every line counts as added), or in the lines a range's commits add. */
import { lstat, readdir, readFile, stat } from "node:fs/promises";
import { basename, join, relative, resolve, sep } from "node:path";
import { type Command, Option } from "commander";
import { parseBaseline } from "../controls/secrets/baseline.js";
import { scanAddedLines, scanText, type ScanOptions } from "../controls/secrets/engine.js";
import { DEFAULT_MAX_BYTES } from "../controls/secrets/files.js";
import { rulesetFromPolicy } from "../controls/secrets/ruleset.js";
import { LocalGitError, readAtRevision, repositoryName, resolveRange } from "../evidence/local.js";
import { localSecretEvidence, secretFingerprintKey, SecretScanInputError } from "../evidence/secret-scan.js";
import { CommitLimitError } from "../git/commit-changes.js";
import { ObjectReadError } from "../git/objects.js";
import { loadPolicy } from "../policy/load.js";
import { POLICY_PATH, PolicySchema, type Policy } from "../policy/schema.js";
import { secretsSarif, type SarifSecretFinding } from "../report/sarif.js";
import { formatPolicyError } from "./format.js";
import { CliInputError, type CliIo, EXIT } from "./io.js";
import { readPolicyText } from "./policy-commands.js";

interface ScanCliOptions {
  policy?: string;
  format: "text" | "json" | "sarif";
  repo?: string;
  repository?: string;
}

/** One finding as printed; `commit` only when scanning a range. */
type Printed = SarifSecretFinding;
type NotScannedLine = { path: string; reason: string; bytes: number | null; commit?: string };

const HELP = `
Without --repo, every PATH (file or directory) is scanned as if each line were added; paths in the
output are relative to the directory argument they were found under (a file argument: as given).
Inside directories, .git and symbolic links are not followed.

With --repo DIR, each argument is a revision range: A..B scans the lines added by each commit
reachable from B and not from A (a secret added and removed again is still found); A...B starts at
their merge base; REV scans that one commit against its first parent.

Policy: --policy FILE, else (with --repo) ${POLICY_PATH} at the range's base revision, else the
defaults. Its secrets settings apply (disable, allow.paths, allow.regexes, baseline). The baseline
file is read from the base revision with --repo, or relative to the current directory.

Fingerprints are keyed by the repository's name (owner/name), read from the origin remote; pass
--repository owner/name when there is none, so fingerprints match the app's and the baseline's.

--format json prints one JSON object per finding per line:
  {"path","line","column","endColumn","rule","severity","fingerprint","preview"}
(plus "commit" with --repo, and "endLine" when a secret spans lines); columns are 1-based and span
the secret value, endColumn exclusive. No output format ever contains a secret value.

Exit status: 0 nothing blocks, 1 a blocking finding, 2 usage or input error.`;

export function registerScan(program: Command, io: CliIo, setExit: (code: number) => void): void {
  program
    .command("scan")
    .description("Scan files, directories or the commits of a range for committed secrets.")
    .argument("<paths...>", "files and directories, or with --repo: A..B, A...B or REV")
    .option("--policy <file>", "a policy file whose secrets settings apply")
    .addOption(new Option("--format <format>", "output format").choices(["text", "json", "sarif"]).default("text"))
    .option("--repo <dir>", "scan the commits of the given ranges in this local clone")
    .option("--repository <owner/name>", "the repository name that keys fingerprints (default: from the origin remote)")
    .addHelpText("after", HELP)
    .action(async (args: string[], opts: ScanCliOptions) => {
      const { findings, notScanned } = opts.repo !== undefined ? await scanRanges(io, args, opts, opts.repo) : await scanPaths(io, args, opts);
      print(io, opts.format, findings, notScanned);
      setExit(findings.some((f) => f.severity === "block") ? EXIT.violations : EXIT.pass);
    });
}

interface Settings {
  secrets: Policy["secrets"];
}

async function policySettings(io: CliIo, opts: ScanCliOptions, repository: string, fromBase?: { repo: string; base: string | null }): Promise<Settings> {
  let loaded;
  if (opts.policy !== undefined) {
    loaded = loadPolicy({ repository: await readPolicyText(io, opts.policy, repository) });
  } else if (fromBase?.base) {
    const text = await readAtRevision(fromBase.repo, fromBase.base, POLICY_PATH);
    const source = { repository, path: POLICY_PATH, ref: fromBase.base, sha: fromBase.base };
    loaded = text === null ? null : loadPolicy({ repository: { text, source, displayPath: `${fromBase.base.slice(0, 12)}:${POLICY_PATH}` } });
  }
  if (loaded?.status === "invalid") {
    for (const e of loaded.errors) io.stderr.write(`${formatPolicyError(e)}\n`);
    throw new CliInputError("the policy is invalid");
  }
  const policy = loaded?.status === "valid" ? loaded.policy : PolicySchema.parse({ version: 1 });
  return { secrets: policy.secrets };
}

function scanOptionsFor(settings: Settings, fingerprintKey: string, baseline: ReadonlySet<string> | undefined): ScanOptions {
  try {
    return { fingerprintKey, ruleset: rulesetFromPolicy(settings.secrets), ...(baseline ? { baseline } : {}) };
  } catch (error) {
    // Rule compilation errors name the policy field, never the regex.
    throw new CliInputError(error instanceof Error ? error.message : "invalid secrets settings");
  }
}

function baselineSet(text: string | null, source: string): ReadonlySet<string> | undefined {
  if (text === null) return undefined;
  try {
    return parseBaseline(text, source).active();
  } catch (error) {
    throw new CliInputError(error instanceof Error ? error.message : `${source}: invalid baseline`);
  }
}

async function nameFor(opts: ScanCliOptions, dir: string): Promise<string> {
  if (opts.repository !== undefined) {
    if (!/^[^/\s]+\/[^/\s]+$/.test(opts.repository)) throw new CliInputError(`--repository must be owner/name, not "${opts.repository}"`);
    return opts.repository;
  }
  try {
    return await repositoryName(dir);
  } catch {
    // Not a clone: the directory's name keys the fingerprints (stable, but not the app's: see --repository).
    return basename(dir);
  }
}

// ---- files and directories ----

async function scanPaths(io: CliIo, args: string[], opts: ScanCliOptions): Promise<{ findings: Printed[]; notScanned: NotScannedLine[] }> {
  const repository = await nameFor(opts, io.cwd);
  const settings = await policySettings(io, opts, repository);
  const findings: Printed[] = [];
  const notScanned: NotScannedLine[] = [];
  if (!settings.secrets.enabled) {
    io.stderr.write("vouch: secret scanning is disabled by the policy (secrets.enabled: false)\n");
    return { findings, notScanned };
  }
  const baselinePath = settings.secrets.baseline;
  const baseline = baselinePath ? baselineSet(await readOptional(resolve(io.cwd, baselinePath), baselinePath), baselinePath) : undefined;
  const options = scanOptionsFor(settings, secretFingerprintKey(repository), baseline);
  for (const arg of args) {
    const full = resolve(io.cwd, arg);
    const info = await statOrFail(full, arg);
    if (!info.isDirectory() && !info.isFile()) throw new CliInputError(`${arg} is neither a file nor a directory`);
    const files = info.isDirectory() ? await walk(full, arg) : [full];
    for (const file of files) {
      const shown = info.isDirectory() ? relative(full, file).split(sep).join("/") : arg;
      const result = await scanFile(file, shown, options);
      findings.push(...result.findings);
      notScanned.push(...result.notScanned);
    }
  }
  return { findings, notScanned };
}

async function scanFile(file: string, shown: string, options: ScanOptions): Promise<{ findings: Printed[]; notScanned: NotScannedLine[] }> {
  if (options.ruleset?.isSkippedPath(shown)) return { findings: [], notScanned: [] };
  const size = (await lstat(file)).size;
  if (size > (options.maxBytes ?? DEFAULT_MAX_BYTES)) {
    // Never read an oversized file into memory; key files are still flagged by name.
    const byName = scanAddedLines(shown, [], options);
    return { findings: byName.findings, notScanned: [{ path: shown, reason: "too-large", bytes: size }] };
  }
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (error) {
    throw new CliInputError(`cannot read ${shown}: ${(error as NodeJS.ErrnoException).code ?? "error"}`);
  }
  return scanText(shown, bytes, options);
}

async function statOrFail(full: string, arg: string) {
  try {
    // An argument is followed even when it is a symbolic link: the user named it.
    return await stat(full);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new CliInputError(`cannot read ${arg}: ${code === "ENOENT" ? "no such file or directory" : (code ?? "error")}`);
  }
}

async function readOptional(full: string, shown: string): Promise<string | null> {
  try {
    return await readFile(full, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw new CliInputError(`cannot read ${shown}: ${(error as NodeJS.ErrnoException).code ?? "error"}`);
  }
}

/** Regular files under `dir`, sorted for stable output; `.git` and symbolic links are not followed. */
async function walk(dir: string, arg: string): Promise<string[]> {
  const out: string[] = [];
  const visit = async (d: string): Promise<void> => {
    let entries;
    try {
      entries = await readdir(d, { withFileTypes: true });
    } catch (error) {
      // An unreadable directory is never passed silently.
      throw new CliInputError(`cannot read ${relative(dir, d) || arg}: ${(error as NodeJS.ErrnoException).code ?? "error"}`);
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      const p = join(d, e.name);
      if (e.isDirectory()) {
        if (e.name !== ".git") await visit(p);
      } else if (e.isFile()) {
        out.push(p);
      }
    }
  };
  await visit(dir);
  return out;
}

// ---- commit ranges ----

async function scanRanges(io: CliIo, specs: string[], opts: ScanCliOptions, repoArg: string): Promise<{ findings: Printed[]; notScanned: NotScannedLine[] }> {
  const repo = resolve(io.cwd, repoArg);
  const findings: Printed[] = [];
  const notScanned: NotScannedLine[] = [];
  try {
    const repository = await nameFor(opts, repo);
    for (const spec of specs) {
      const range = await resolveRange(repo, spec);
      const settings = await policySettings(io, opts, repository, { repo, base: range.base });
      if (!settings.secrets.enabled) {
        io.stderr.write(`vouch: ${spec}: secret scanning is disabled by the policy (secrets.enabled: false)\n`);
        continue;
      }
      const evidence = await localSecretEvidence(repo, range, settings.secrets, repository);
      findings.push(...evidence.findings);
      notScanned.push(...evidence.notScanned);
    }
  } catch (error) {
    if (error instanceof LocalGitError || error instanceof SecretScanInputError) throw new CliInputError(error.message);
    if (error instanceof ObjectReadError) throw new CliInputError(`cannot read object: ${error.message}`);
    if (error instanceof CommitLimitError) throw new CliInputError(`the range has ${error.message}; scan it in smaller ranges`);
    throw error;
  }
  return { findings, notScanned };
}

// ---- output ----

function jsonLine(f: Printed): string {
  return JSON.stringify({
    path: f.path,
    line: f.line,
    column: f.column,
    ...(f.endLine !== undefined ? { endLine: f.endLine } : {}),
    endColumn: f.endColumn,
    rule: f.rule,
    severity: f.severity,
    fingerprint: f.fingerprint,
    preview: f.preview,
    ...(f.commit ? { commit: f.commit } : {}),
  });
}

function notScannedText(n: NotScannedLine): string {
  const where = n.commit ? ` (commit ${n.commit.slice(0, 12)})` : "";
  const size = n.bytes !== null ? `, ${n.bytes} bytes` : "";
  return `${n.path}${where}: not scanned (${n.reason}${size})`;
}

function print(io: CliIo, format: ScanCliOptions["format"], findings: Printed[], notScanned: NotScannedLine[]): void {
  if (format === "sarif") {
    io.stdout.write(`${JSON.stringify(secretsSarif(findings), null, 2)}\n`);
  } else if (format === "json") {
    for (const f of findings) io.stdout.write(`${jsonLine(f)}\n`);
  } else {
    for (const f of findings) {
      const where = f.commit ? ` (commit ${f.commit.slice(0, 12)})` : "";
      io.stdout.write(`${f.path}:${f.line}:${f.column}: ${f.severity} ${f.rule}: ${f.description}: ${f.preview}${where}\n`);
    }
    const blocking = findings.filter((f) => f.severity === "block").length;
    io.stdout.write(`${blocking} blocking, ${findings.length - blocking} warning(s), ${notScanned.length} file(s) not scanned\n`);
  }
  // Not-scanned files go to stderr in every format, so stdout stays one format; they are never dropped.
  for (const n of notScanned) io.stderr.write(`vouch: ${notScannedText(n)}\n`);
}
