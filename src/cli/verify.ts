/** `vouch verify`: signatures and the engine over a local clone. */
import { resolve } from "node:path";
import { type Command, Option } from "commander";
import { buildTrustStore, TrustInputError, type TrustStore } from "../controls/signatures/trust.js";
import { webFlowKeyring } from "../controls/signatures/web-flow.js";
import { trustedKeyEvidence } from "../controls/signatures/evidence.js";
import { localSecretEvidence, secretsRequired, SecretScanInputError } from "../evidence/secret-scan.js";
import { CommitLimitError } from "../git/commit-changes.js";
import type { LoadedPolicy, SignatureEvidence } from "../evidence/types.js";
import {
  LocalGitError,
  currentRef,
  localEvidence,
  localCodeowners,
  localSignatureEvidence,
  rangeObjects,
  readAtRevision,
  repositoryName,
  resolveRange,
  type LocalRange,
} from "../evidence/local.js";
import { evaluate } from "../engine/evaluate.js";
import { usesCodeowners } from "../engine/codeowners.js";
import { loadPolicy } from "../policy/load.js";
import { POLICY_PATH, type Policy } from "../policy/schema.js";
import { formatPolicyError } from "./format.js";
import { CliInputError, type CliIo, EXIT } from "./io.js";
import { readPolicyText } from "./policy-commands.js";
import { type RangeResult, verifyJson, verifyText } from "./verify-output.js";
import { cliKeyRing } from "./keys.js";
import { readTextFiles } from "./read-files.js";
import { resolveLedgerUrl, withLedger } from "./audit.js";
import { defaultLedgerUrl } from "../ledger/open.js";
import { recordAttestations } from "../attest/record.js";
import { githubEndpoints } from "../config.js";
import { VERIFIER_ID, VERSION } from "../version.js";

interface VerifyOptions {
  repo: string;
  policy?: string;
  openpgpKeyring?: string[];
  allowedSigners?: string[];
  at?: string;
  format: "text" | "json";
  ref?: string;
  attest?: boolean;
  ledger?: string;
}

const HELP = `
Revisions:
  REV     a commit (its own signature, and its change against its first parent)
          or an annotated tag (the tag object's signature)            (default: HEAD)
  A..B    the commits reachable from B and not from A
  A...B   the commits from the merge base of A and B to B

Policy: ${POLICY_PATH} as committed at the base revision of each range (for REV, its parent),
never the working tree or the head being judged, so a change cannot vouch for itself.
--policy FILE overrides it with a file from disk. With a policy, the verdict is the engine's:
signatures count where the policy requires them, and namespaces needing approvals fail locally
(a clone has no pull-request reviews).

Keys: with no policy, --openpgp-keyring and --allowed-signers are the trusted keys, and every
object must be validly signed by one of them, bound to its committer (tagger) through the key's
user IDs or the allowed_signers principals. With a policy they are trusted alongside the keys it
pins. Neither a policy nor key files is an input error.

Exit status: 0 pass, 1 violations, 2 usage or input error (unknown revision, unreadable key file,
missing or invalid policy).`;

const collect = (value: string, previous: string[] | undefined) => [...(previous ?? []), value];

/** `--at`: an ISO 8601 date or date-time; a bare date is midnight UTC. */
export function parseAt(text: string | undefined, now: () => Date = () => new Date()): Date {
  if (text === undefined) return now();
  const iso = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/;
  const at = new Date(/^\d{4}-\d{2}-\d{2}$/.test(text) ? `${text}T00:00:00Z` : text);
  if (!iso.test(text) || Number.isNaN(at.getTime())) {
    throw new CliInputError(`--at must be an ISO 8601 time such as 2026-01-31T12:00:00Z, not "${text}"`);
  }
  return at;
}

export function registerVerify(program: Command, io: CliIo, setExit: (code: number) => void): void {
  program
    .command("verify")
    .description("Verify the signatures of a local clone's commits and tags, and judge them against the policy as the app would.")
    .argument("[revisions...]", "REV, A..B or A...B")
    .option("--repo <dir>", "the local clone", ".")
    .option("--policy <file>", `a policy file to use instead of ${POLICY_PATH} at the base revision`)
    .option("--openpgp-keyring <file>", "trust the armored OpenPGP public keys in FILE (repeatable)", collect)
    .option("--allowed-signers <file>", "trust the SSH keys of an allowed_signers FILE (repeatable)", collect)
    .option("--at <time>", "judge key validity at this ISO 8601 time (default: now)")
    .addOption(new Option("--format <format>", "output format").choices(["text", "json"]).default("text"))
    .option("--ref <ref>", "the ref the change lands on (default: the branch HEAD points at)")
    .option("--attest", "sign each range's verdict (provenance + SLSA VSA) into the ledger, with the data directory's key")
    .option("--ledger <url>", "with --attest: sqlite:PATH, a file path or a postgres:// URL (default: the data directory's ledger)")
    .addHelpText("after", HELP)
    .action(async (revisions: string[], opts: VerifyOptions) => {
      if (opts.ledger !== undefined && !opts.attest) throw new CliInputError("--ledger is only used with --attest");
      const results = await runVerify(io, revisions, opts);
      if (opts.attest) await attestResults(io, results, opts);
      io.stdout.write(opts.format === "json" ? `${JSON.stringify(verifyJson(results))}\n` : verifyText(results));
      setExit(results.every((r) => r.pass) ? EXIT.pass : EXIT.violations);
    });
}

async function runVerify(io: CliIo, revisions: string[], opts: VerifyOptions): Promise<RangeResult[]> {
  const repo = resolve(io.cwd, opts.repo);
  const specs = revisions.length > 0 ? revisions : ["HEAD"];
  if (opts.ref !== undefined && !/^refs\/(heads|tags)\/.+/.test(opts.ref)) {
    throw new CliInputError(`--ref must be a full ref name such as refs/heads/main, not "${opts.ref}"`);
  }
  const at = parseAt(opts.at);
  const keysReadAt = new Date();
  const keyFiles = {
    openpgpKeyrings: await readTextFiles(io, opts.openpgpKeyring ?? []),
    allowedSigners: await readTextFiles(io, opts.allowedSigners ?? []),
  };
  const haveKeys = keyFiles.openpgpKeyrings.length + keyFiles.allowedSigners.length > 0;
  try {
    const fixed = opts.policy ? await readPolicyText(io, opts.policy, await repositoryName(repo)) : null;
    let ref: string | null | undefined;
    const landingRef = async (): Promise<string> => {
      ref ??= opts.ref ?? (await currentRef(repo));
      if (!ref) throw new CliInputError("HEAD is detached; pass --ref refs/heads/<branch> to say which ref the change lands on");
      return ref;
    };
    const trustFor = async (policy: Policy | undefined): Promise<TrustStore> => {
      try {
        // With a policy, GitHub's pinned web-flow keys are known, so a GitHub-made commit is named
        // as such and the signatures control decides by allow_github_web_flow; without one, only the given files count.
        const openpgpKeyrings = policy ? [...keyFiles.openpgpKeyrings, webFlowKeyring()] : keyFiles.openpgpKeyrings;
        return await buildTrustStore({ ...keyFiles, openpgpKeyrings, policy });
      } catch (error) {
        if (error instanceof TrustInputError) throw new CliInputError(error.message);
        throw error;
      }
    };
    const results: RangeResult[] = [];
    for (const spec of specs) {
      const range = await resolveRange(repo, spec);
      const loaded = fixed ? loadPolicy({ repository: fixed }) : await policyAtBase(repo, range);
      if (loaded.status === "invalid") {
        for (const e of loaded.errors) io.stderr.write(`${formatPolicyError(e)}\n`);
        throw new CliInputError(`${spec}: the policy is invalid`);
      }
      if (loaded.status === "missing" && !haveKeys) throw new CliInputError(missingPolicyMessage(spec, range));
      const policy = loaded.status === "valid" ? loaded.policy : undefined;
      const trust = await trustFor(policy);
      const signatures = await verifyRange(repo, range, trust, at, keysReadAt);
      if (loaded.status === "missing") {
        results.push({ range, signatures, pass: signatures.objects.every((o) => o.signature.status === "valid"), verdict: null });
        continue;
      }
      const evidence = await localEvidence(repo, range, { ref: await landingRef(), now: at, signatures });
      // Like the app, CODEOWNERS comes from the base the change builds on, never from the change.
      if (usesCodeowners(loaded.policy)) evidence.codeowners = await localCodeowners(repo, range.base ?? range.head, evidence.change.ref);
      if (secretsRequired(loaded.policy, evidence.change)) {
        evidence.secrets = await localSecretEvidence(repo, range, loaded.policy.secrets, evidence.repository.fullName);
      }
      const verdict = evaluate(loaded, evidence);
      results.push({ range, signatures, pass: verdict.conclusion === "success", verdict, judged: { evidence, policy: loaded } });
    }
    return results;
  } catch (error) {
    if (error instanceof LocalGitError || error instanceof SecretScanInputError || error instanceof CommitLimitError) throw new CliInputError(error.message);
    throw error;
  }
}

/**
 * `--attest`: records each judged range in the ledger like the app does, signed with the shared
 * data directory's key. A signatures-only run has no verdict to attest, so it is refused.
 */
async function attestResults(io: CliIo, results: RangeResult[], opts: VerifyOptions): Promise<void> {
  if (results.some((r) => !r.judged)) throw new CliInputError("--attest needs a policy: a signatures-only run has no verdict to attest");
  const url = resolveLedgerUrl(opts.ledger ?? defaultLedgerUrl(process.env), io.cwd, { create: true });
  await withLedger(url, process.env, async (ledger, signer) => {
    const trusted = cliKeyRing(process.env).publicKeys;
    const publicUrl = process.env.VOUCH_PUBLIC_URL?.replace(/\/+$/, "") ?? "http://localhost:3000";
    for (const r of results) {
      const { evidence, policy } = r.judged!;
      const verdict = r.verdict!;
      const rec = await recordAttestations({
        ledger,
        trusted,
        evaluationKey: `local:${verdict.ref}:${verdict.headSha}:${evidence.observedAt}`,
        verdict,
        evidence,
        policy,
        signer,
        verifier: { id: VERIFIER_ID, version: VERSION },
        serverUrl: githubEndpoints(process.env).webBaseUrl,
        attestationBaseUrl: `${publicUrl}/attestations`,
      });
      r.attestation = { provenance: rec.provenance.sha256, vsa: rec.vsa.sha256, levels: rec.levels.verifiedLevels, seq: rec.provenance.seq };
      io.stderr.write(`${r.range.spec}: attested, provenance sha256:${rec.provenance.sha256}, VSA sha256:${rec.vsa.sha256} (ledger entry #${rec.provenance.seq})\n`);
    }
  });
}

async function verifyRange(repo: string, range: LocalRange, trust: TrustStore, at: Date, keysReadAt: Date): Promise<SignatureEvidence> {
  const ids = await rangeObjects(repo, range);
  return localSignatureEvidence(repo, ids, trust, at, trustedKeyEvidence(trust, keysReadAt));
}

function missingPolicyMessage(spec: string, range: LocalRange): string {
  const fix = "pass --policy FILE, or key files (--openpgp-keyring, --allowed-signers) to check signatures only";
  return range.base
    ? `${spec}: no ${POLICY_PATH} at the base revision ${range.base.slice(0, 12)} and no keys to verify against; ${fix}`
    : `${spec}: a root commit has no base revision to read the policy from; ${fix}`;
}

async function policyAtBase(repo: string, range: LocalRange): Promise<LoadedPolicy> {
  if (!range.base) return { status: "missing", sources: [] };
  const text = await readAtRevision(repo, range.base, POLICY_PATH);
  if (text === null) return { status: "missing", sources: [] };
  const source = { repository: await repositoryName(repo), path: POLICY_PATH, ref: range.base, sha: range.base };
  return loadPolicy({ repository: { text, source, displayPath: `${range.base.slice(0, 12)}:${POLICY_PATH}` } });
}
