/**
 * The keys an attested evaluation trusted, rebuilt for `vouch audit verify --repo` from sources
 * independent of the attestation: the policy whose digest the provenance records (read from the
 * clone, or from policy files the auditor supplies), key files the auditor supplies, and the
 * GitHub web-flow keys pinned in Vouch. The provenance's own key list only narrows that set (a key
 * the evaluation did not trust must not make a re-verification pass); it never adds a key, so a
 * forged attestation cannot bring its own. See docs/decisions/0035-audit-reverification-keys.md.
 */
import type { LoadedPolicy, PolicySource } from "../evidence/types.js";
import { readAtRevision } from "../evidence/local.js";
import type { CatFileSource } from "../git/cat-file.js";
import { isObjectId } from "../git/objects.js";
import { fileDigest, mergedDigest } from "../policy/digest.js";
import { loadPolicy, type PolicyText } from "../policy/load.js";
import type { Policy } from "../policy/schema.js";
import { buildTrustStore, TrustInputError, TrustStore, type TrustFile } from "../controls/signatures/trust.js";
import { webFlowKeyring } from "../controls/signatures/web-flow.js";

export interface AuditorTrustInput {
  /** Policy files the auditor supplies (e.g. an organization baseline), matched to entries by digest. */
  policies?: readonly TrustFile[];
  openpgpKeyrings?: readonly TrustFile[];
  allowedSigners?: readonly TrustFile[];
}

/** What a provenance says about the policy and keys of its evaluation. */
export interface RecordedTrust {
  policy: { status: string; digest: string | null; sources: PolicySource[] };
  /** Fingerprints the evaluation trusted (the provenance's `keys[].id`). */
  keyIds: string[];
  /** Keys the evaluation fetched from GitHub: fingerprint and the account's login (from the recorded URL). */
  githubKeys?: { id: string; login: string }[];
}

/** The login in a recorded GitHub key source, `github:<api>/users/<login>/gpg_keys` or `…/ssh_signing_keys`. */
export function githubLoginOf(source: string): string | null {
  const m = /^github:.*\/users\/([^/]+)\/(?:gpg_keys|ssh_signing_keys)$/.exec(source);
  return m ? decodeURIComponent(m[1]!) : null;
}

export interface RebuiltTrust {
  trust: TrustStore;
  /** Why the policy's keys are missing from the trust store, when they are. */
  policyProblem: string | null;
}

export class RecordedTrustResolver {
  private readonly policies = new Map<string, Promise<{ policy: Policy | null; problem: string | null }>>();
  private readonly stores = new Map<string, Promise<RebuiltTrust>>();

  constructor(
    private readonly repoDir: string,
    private readonly source: CatFileSource,
    private readonly input: AuditorTrustInput,
  ) {}

  /** The trust store for one provenance; cached per policy digest and key list. */
  trustFor(recorded: RecordedTrust): Promise<RebuiltTrust> {
    const key = `${recorded.policy.digest ?? "none"}\n${[...recorded.keyIds].sort().join(",")}`;
    let store = this.stores.get(key);
    if (!store) {
      store = this.build(recorded);
      this.stores.set(key, store);
    }
    return store;
  }

  private async build(recorded: RecordedTrust): Promise<RebuiltTrust> {
    const found = await this.policyFor(recorded.policy);
    const files = { openpgpKeyrings: [...(this.input.openpgpKeyrings ?? []), webFlowKeyring()], allowedSigners: this.input.allowedSigners ?? [] };
    let all: TrustStore;
    try {
      all = await buildTrustStore({ ...files, ...(found.policy ? { policy: found.policy } : {}), bindIdentity: found.policy ? found.policy.signatures.identity === "committer" : true });
    } catch (error) {
      // A policy key that does not parse: verify without the policy's keys and say why.
      if (!(error instanceof TrustInputError) || !found.policy) throw error;
      all = await buildTrustStore({ ...files, bindIdentity: found.policy.signatures.identity === "committer" });
      return { trust: narrow(all, recorded.keyIds), policyProblem: `the policy's keys cannot be read: ${error.message}` };
    }
    return { trust: narrow(bindGithubKeys(all, recorded.githubKeys ?? [], found.policy), recorded.keyIds), policyProblem: found.problem };
  }

  private policyFor(recorded: RecordedTrust["policy"]): Promise<{ policy: Policy | null; problem: string | null }> {
    const digest = recorded.digest;
    if (recorded.status !== "valid" || digest === null) {
      return Promise.resolve({ policy: null, problem: `the evaluation had no valid policy (${recorded.status})` });
    }
    let p = this.policies.get(digest);
    if (!p) {
      p = this.findPolicy(digest, recorded.sources);
      this.policies.set(digest, p);
    }
    return p;
  }

  private async findPolicy(digest: string, sources: PolicySource[]): Promise<{ policy: Policy | null; problem: string | null }> {
    const candidates: PolicyText[] = (this.input.policies ?? []).map((f) => ({
      text: f.text,
      source: { repository: "(auditor)", path: f.name, ref: "(file)" },
      displayPath: f.name,
    }));
    for (const s of sources) {
      const text = await this.readFromClone(s);
      if (text !== null) candidates.push({ text, source: s, displayPath: `${s.sha}:${s.path}` });
    }
    const loaded = matchDigest(digest, candidates);
    if (loaded?.status === "valid") return { policy: loaded.policy, problem: null };
    const where = sources.map((s) => `${s.repository}:${s.path} at ${s.sha ?? s.ref}`).join(" + ") || "no recorded source";
    return {
      policy: null,
      problem: loaded
        ? `the policy ${digest} was found but does not load (${loaded.status})`
        : `the policy ${digest} (${where}) is not in the clone or the --policy files; pass it with --policy FILE`,
    };
  }

  /** The policy file as recorded: `sha` is a blob id (the app) or a commit id (the CLI). */
  private async readFromClone(s: PolicySource): Promise<string | null> {
    if (s.sha === undefined || !isObjectId(s.sha)) return null;
    try {
      const raw = await this.source.read(s.sha);
      if (raw.type === "blob") return new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(raw.body);
      if (raw.type === "commit") return await readAtRevision(this.repoDir, s.sha, s.path);
    } catch {
      // Not in this clone, or not UTF-8: the digest cannot match it anyway.
    }
    return null;
  }
}

/**
 * A key the evaluation fetched from GitHub, supplied again by the auditor as a key file, binds as
 * the app bound it: to the emails of the policy identity whose `github` login owns it (the
 * policy read independently), not to the file's user IDs or principals.
 */
function bindGithubKeys(all: TrustStore, githubKeys: readonly { id: string; login: string }[], policy: Policy | null): TrustStore {
  if (githubKeys.length === 0 || !policy) return all;
  const identityOf = (fingerprint: string) => {
    const login = githubKeys.find((k) => k.id.toLowerCase() === fingerprint.toLowerCase())?.login.toLowerCase();
    if (login === undefined) return undefined;
    const entry = Object.entries(policy.identities).find(([, i]) => i.github?.toLowerCase() === login);
    return entry ? { identity: entry[0], emails: entry[1].emails.map((e) => e.toLowerCase()) } : undefined;
  };
  return new TrustStore(
    all.openpgp.map((k) => {
      const bound = k.identity === null ? identityOf(k.key.getFingerprint()) : undefined;
      return bound ? { ...k, ...bound } : k;
    }),
    all.ssh.map((k) => {
      const bound = k.identity === null ? identityOf(k.fingerprint) : undefined;
      return bound ? { ...k, ...bound } : k;
    }),
    all.options,
  );
}

/** Only the keys the evaluation says it trusted (when it says): narrowing never adds trust. */
function narrow(all: TrustStore, keyIds: readonly string[]): TrustStore {
  if (keyIds.length === 0) return all;
  const ids = new Set(keyIds.map((k) => k.toLowerCase()));
  return new TrustStore(
    all.openpgp.filter((k) => ids.has(k.key.getFingerprint().toLowerCase())),
    all.ssh.filter((k) => ids.has(k.fingerprint.toLowerCase())),
    all.options,
  );
}

/** The candidate (or baseline + repository pair) whose digest is the recorded one, loaded as the app loads it. */
function matchDigest(digest: string, candidates: PolicyText[]): LoadedPolicy | null {
  const digests = candidates.map((c) => fileDigest(c.text));
  const single = digests.indexOf(digest);
  if (single >= 0) return loadPolicy({ repository: candidates[single] });
  // An organization baseline, alone or merged with the repository's file.
  for (let b = 0; b < candidates.length; b++) {
    for (let r = -1; r < candidates.length; r++) {
      if (r === b) continue;
      if (mergedDigest(digests[b]!, r < 0 ? null : digests[r]!) === digest) {
        return loadPolicy({ baseline: candidates[b], repository: r < 0 ? null : candidates[r] });
      }
    }
  }
  return null;
}
