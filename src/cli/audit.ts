/**
 * `vouch audit export` and `vouch audit verify`: the auditor's ends of the ledger. Export reads the
 * ledger (the data directory's SQLite file by default) and signs the export checkpoint with the
 * app's key; verify trusts only the public keys it is given, and optionally a clone.
 */
import { execFile } from "node:child_process";
import { statSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { promisify } from "node:util";
import { type Command, Option } from "commander";
import { loadPublicKeysFile } from "../keys/keyring.js";
import { KeyError } from "../keys/pem.js";
import { cloneChecker } from "../ledger/clone-check.js";
import { exportToFile, verifyFile } from "../ledger/files.js";
import { defaultLedgerUrl, openLedger } from "../ledger/open.js";
import type { Ledger } from "../ledger/types.js";
import type { VerifyFailure } from "../ledger/verify.js";
import type { Signer } from "../attest/dsse.js";
import { PROVENANCE_PREDICATE_TYPE } from "../attest/provenance.js";
import { CliInputError, type CliIo, EXIT } from "./io.js";
import { cliKeyRing, type CliEnv } from "./keys.js";
import { readTextFiles } from "./read-files.js";
import { buildTrustStore, TrustInputError } from "../controls/signatures/trust.js";

const REPO = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})\/[A-Za-z0-9._-]{1,100}$/;
const ISO = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/;

/** `--since`/`--until`: an ISO 8601 date (midnight UTC) or date-time, normalised to the ledger's ISO form. */
export function parseDateOption(name: string, text: string | undefined): string | undefined {
  if (text === undefined) return undefined;
  const at = new Date(/^\d{4}-\d{2}-\d{2}$/.test(text) ? `${text}T00:00:00Z` : text);
  if (!ISO.test(text) || Number.isNaN(at.getTime())) {
    throw new CliInputError(`${name} must be an ISO 8601 date or time such as 2026-01-31 or 2026-01-31T12:00:00Z, not "${text}"`);
  }
  return at.toISOString();
}

/** A URL fit for messages: a database password never reaches the terminal. */
export function displayLedgerUrl(url: string): string {
  return url.replace(/^([A-Za-z][A-Za-z0-9+.-]*:\/\/[^:@/]*):[^@/]*@/, "$1:***@");
}

/**
 * Checks the ledger URL before opening it: opening a SQLite path that does not exist would
 * create an empty ledger and export nothing, which reads like "no attestations" to an auditor.
 */
/** A ledger URL with relative paths resolved; an SQLite file must exist unless `create` (a writer may start one). */
export function resolveLedgerUrl(url: string, cwd: string, options: { create?: boolean } = {}): string {
  if (/^postgres(ql)?:\/\/./.test(url)) return url;
  if (/^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(url)) {
    throw new CliInputError(`--ledger must be sqlite:PATH, a file path or a postgres:// URL, not "${displayLedgerUrl(url)}"`);
  }
  const raw = url.startsWith("sqlite:") ? url.slice("sqlite:".length) : url;
  if (raw.trim() === "") throw new CliInputError("--ledger sqlite: needs a file path");
  const path = resolve(cwd, raw);
  let isFile = false;
  try {
    isFile = statSync(path).isFile();
  } catch {
    // Reported below.
  }
  if (!isFile && !options.create) throw new CliInputError(`no ledger at ${path} (check --ledger, or VOUCH_DATA_DIR for the default)`);
  return `sqlite:${path}`;
}

interface ExportOptions {
  ledger?: string;
  out: string;
  repo?: string;
  since?: string;
  until?: string;
  format: "jsonl" | "csv";
}

interface VerifyOptions {
  publicKey: string;
  repo?: string;
  policy?: string[];
  openpgpKeyring?: string[];
  allowedSigners?: string[];
}

const collect = (value: string, previous: string[] | undefined) => [...(previous ?? []), value];

const EXPORT_HELP = `
The ledger is sqlite:PATH (or a plain path) or postgres://…; by default the SQLite ledger in the
data directory the app uses (VOUCH_DATA_DIR, default ./.data), or VOUCH_LEDGER_URL when set.
--since is inclusive and --until exclusive, on the time each entry was recorded (a bare date is
midnight UTC). jsonl writes one DSSE envelope per line and a signed export checkpoint as the last
line, signed with the app's key (VOUCH_SIGNING_KEY, VOUCH_SIGNING_KEY_FILE or the data directory's
signing-key.pem); csv writes one row per revision with its latest VSA result.

Exit status: 0 written, 2 usage or input error (bad URL or date, no ledger, no signing key).`;

const VERIFY_HELP = `
Checks every envelope's signature against the keys in --public-key (a PEM bundle, e.g. from
\`vouch keys public\` or /.well-known/vouch/keys.pem), every entry's hash, each chain's continuity
(no gap, reorder or edit), each provenance's link to the previous one of its ref, and the signed
checkpoint on the last line. Failures print as FILE:LINE: message.

With --repo, each attested revision and signed object must be in the clone with the recorded
digests, and each commit's and tag's signature is verified again from the clone's raw objects,
at the trusted time the attestation records, with the keys of the policy at the recorded policy
digest (read from the clone, or from a --policy file such as an organization baseline), the key
files given here, and GitHub's web-flow keys pinned in Vouch; the attestation's own key list can
only narrow those. Its status, format and key must match what the attestation recorded.

Exit status: 0 everything verifies, 1 any failure, 2 usage or input error.`;

/** Opens a ledger with the data directory's signing key, mapping failures to input errors (exit 2). */
export async function withLedger<T>(url: string, env: CliEnv, fn: (ledger: Ledger, signer: Signer) => Promise<T>): Promise<T> {
  const ring = cliKeyRing(env);
  let ledger: Ledger;
  try {
    ledger = await openLedger(url, { signer: ring.signer });
  } catch (error) {
    throw new CliInputError(`cannot open the ledger ${displayLedgerUrl(url)}: ${error instanceof Error ? error.message : String(error)}`);
  }
  try {
    return await fn(ledger, ring.signer);
  } finally {
    await ledger.close();
  }
}

async function isGitDir(dir: string): Promise<boolean> {
  try {
    await promisify(execFile)("git", ["-C", dir, "rev-parse", "--git-dir"]);
    return true;
  } catch {
    return false;
  }
}

export function registerAudit(program: Command, io: CliIo, setExit: (code: number) => void, env: CliEnv = process.env): void {
  const audit = program.command("audit").description("Export the attestation ledger and verify an export offline.");

  audit
    .command("export")
    .description("Write the ledger's attestations as .intoto.jsonl with a signed checkpoint, or a CSV summary.")
    .option("--ledger <url>", "sqlite:PATH, a file path, or postgres://… (default: the data directory's ledger)")
    .requiredOption("--out <file>", "the file to write (replaced only when the export completes)")
    .option("--repo <owner/name>", "only this repository's chain")
    .option("--since <date>", "entries recorded at or after this ISO 8601 date or time")
    .option("--until <date>", "entries recorded before this ISO 8601 date or time")
    .addOption(new Option("--format <format>", "output format").choices(["jsonl", "csv"]).default("jsonl"))
    .addHelpText("after", EXPORT_HELP)
    .action(async (opts: ExportOptions) => {
      if (opts.repo !== undefined && !REPO.test(opts.repo)) throw new CliInputError(`--repo must be OWNER/NAME, not "${opts.repo}"`);
      const since = parseDateOption("--since", opts.since);
      const until = parseDateOption("--until", opts.until);
      if (since !== undefined && until !== undefined && since >= until) throw new CliInputError("--since must be before --until");
      const out = resolve(io.cwd, opts.out);
      let dirOk = false;
      try {
        dirOk = statSync(dirname(out)).isDirectory();
      } catch {
        // Reported below.
      }
      if (!dirOk) throw new CliInputError(`cannot write ${opts.out}: directory ${dirname(out)} does not exist`);
      const url = resolveLedgerUrl(opts.ledger ?? defaultLedgerUrl(env), io.cwd);
      const { lines } = await withLedger(url, env, (ledger, signer) =>
        exportToFile(ledger, out, {
          format: opts.format,
          ...(opts.repo !== undefined ? { repo: opts.repo } : {}),
          ...(since !== undefined ? { since } : {}),
          ...(until !== undefined ? { until } : {}),
          signer,
        }),
      );
      const rows = Math.max(0, lines - 1);
      io.stdout.write(
        opts.format === "csv"
          ? `${opts.out}: ${rows} revision${rows === 1 ? "" : "s"}\n`
          : `${opts.out}: ${rows} entr${rows === 1 ? "y" : "ies"} and a signed checkpoint\n`,
      );
      if (rows === 0) io.stderr.write("vouch: no ledger entries matched\n");
      setExit(EXIT.pass);
    });

  audit
    .command("verify")
    .description("Verify an .intoto.jsonl export offline: signatures, chain continuity, the checkpoint and, with --repo, the clone's objects.")
    .argument("<file>", "the export")
    .requiredOption("--public-key <file>", "PEM file of the public keys to trust")
    .option("--repo <dir>", "a clone to re-check each attested revision and signed object against")
    .option("--policy <file>", "with --repo: a policy file (e.g. the organization baseline) to find recorded policy digests in (repeatable)", collect)
    .option("--openpgp-keyring <file>", "with --repo: also trust the armored OpenPGP public keys in FILE (repeatable)", collect)
    .option("--allowed-signers <file>", "with --repo: also trust the SSH keys of an allowed_signers FILE (repeatable)", collect)
    .addHelpText("after", VERIFY_HELP)
    .action(async (file: string, opts: VerifyOptions) => {
      const path = resolve(io.cwd, file);
      let isFile = false;
      try {
        isFile = statSync(path).isFile();
      } catch {
        // Reported below.
      }
      if (!isFile) throw new CliInputError(`cannot read ${file}: no such file`);
      let trusted;
      try {
        trusted = loadPublicKeysFile(resolve(io.cwd, opts.publicKey));
      } catch (error) {
        if (error instanceof KeyError) throw new CliInputError(error.message);
        throw error;
      }
      const repoDir = opts.repo !== undefined ? resolve(io.cwd, opts.repo) : undefined;
      if (repoDir !== undefined && !(await isGitDir(repoDir))) throw new CliInputError(`--repo ${opts.repo}: not a git repository`);
      const trustFiles = {
        policies: await readTextFiles(io, opts.policy ?? []),
        openpgpKeyrings: await readTextFiles(io, opts.openpgpKeyring ?? []),
        allowedSigners: await readTextFiles(io, opts.allowedSigners ?? []),
      };
      if (repoDir === undefined && trustFiles.policies.length + trustFiles.openpgpKeyrings.length + trustFiles.allowedSigners.length > 0) {
        throw new CliInputError("--policy, --openpgp-keyring and --allowed-signers are only used with --repo");
      }
      try {
        await buildTrustStore({ openpgpKeyrings: trustFiles.openpgpKeyrings, allowedSigners: trustFiles.allowedSigners });
      } catch (error) {
        if (error instanceof TrustInputError) throw new CliInputError(error.message);
        throw error;
      }
      const checker = repoDir !== undefined ? cloneChecker(repoDir, trustFiles) : undefined;
      let revisions = 0;
      let report;
      try {
        report = await verifyFile(path, trusted, {
          onEntry: async (e) => {
            if (e.predicateType === PROVENANCE_PREDICATE_TYPE) revisions++;
            await checker?.onEntry(e);
          },
        });
      } finally {
        checker?.close();
      }
      const failures: VerifyFailure[] = [...report.failures, ...(checker?.failures ?? [])].sort((a, b) => a.line - b.line);
      for (const f of failures) io.stdout.write(`${file}:${f.line}: ${f.message}\n`);
      if (!report.ok || failures.length > 0) {
        io.stdout.write(`${file}: FAILED (${failures.length} problem${failures.length === 1 ? "" : "s"})\n`);
        setExit(EXIT.violations);
        return;
      }
      const reverified = checker?.reverified() ?? 0;
      const clone = checker
        ? `; ${revisions} attested revision${revisions === 1 ? "" : "s"} match the clone, ${reverified} signature verdict${reverified === 1 ? "" : "s"} re-verified from it`
        : "";
      io.stdout.write(`${file}: OK: ${report.entries} entr${report.entries === 1 ? "y" : "ies"} in ${report.chains.size} chain${report.chains.size === 1 ? "" : "s"}, signatures, links and checkpoint verify${clone}\n`);
      setExit(EXIT.pass);
    });
}
