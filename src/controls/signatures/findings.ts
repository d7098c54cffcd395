/** The words of the signatures control: one finding per object that does not carry a valid, trusted signature. */
import type { Finding } from "../../engine/findings.js";
import type { SignedObjectEvidence } from "../../evidence/types.js";
import type { SignatureStatus } from "./types.js";

const HOW_TO_SIGN =
  "Sign with `git commit -S` (`git tag -s` for tags); for an SSH key set `git config gpg.format ssh` and `git config user.signingkey ~/.ssh/id_ed25519.pub`.";
const HOW_TO_REGISTER =
  "A key counts only when the policy trusts it: add its public key (an SSH public key line or an armored OpenPGP key) to `identities.<name>.keys` in .github/vouch.yml, with the email you commit as in `identities.<name>.emails`.";

const LABEL: Record<SignatureStatus, string> = {
  valid: "validly signed",
  unsigned: "not signed",
  bad_signature: "signed, but the signature does not match its content",
  unknown_key: "signed by a key the policy does not trust",
  expired_key: "signed by a key that was not valid at the trusted time",
  revoked_key: "signed by a revoked key",
  identity_mismatch: "signed by a key not bound to its committer",
  multiple_signatures: "carrying more than one signature",
  unsupported_format: "signed in a format Vouch cannot verify",
  malformed: "malformed",
  weak_algorithm: "signed with a weak algorithm",
};

/** What to do first, per status; every remedy then says how to sign and how to register a key. */
const FIRST_STEP: Record<SignatureStatus, string> = {
  valid: "",
  unsigned: "Re-create it signed: `git commit --amend --no-edit -S` for the last commit, or `git rebase --exec 'git commit --amend --no-edit -S' <base>` for several, then push again.",
  bad_signature: "The content changed after it was signed, or the signature is corrupt: re-sign it (`git commit --amend --no-edit -S`) and push again.",
  unknown_key:
    "Register the signing key in the policy on the base branch, or re-sign with a key that is registered. When the policy trusts keys GitHub holds (`signatures.keys: [github]`), add the key to the GitHub account your identity's `github` login names (Settings → SSH and GPG keys, as a signing key).",
  expired_key: "Re-sign with a current key and register it; remove the expired key from the policy.",
  revoked_key: "Re-sign with a key that is not revoked and register it; remove the revoked key from the policy.",
  identity_mismatch:
    "Commit with an email bound to the key (`git config user.email`), or add the committer's email to the key owner's identity in the policy, then re-sign.",
  multiple_signatures: "Keep exactly one signature: re-sign it once (`git commit --amend --no-edit -S`) and push again.",
  unsupported_format: "Sign with OpenPGP or SSH instead; X.509/gitsign signatures are not verified yet.",
  malformed: "The object or its signature block cannot be parsed: re-create and re-sign it with a standard git.",
  weak_algorithm: "Re-sign with a modern key and hash: Ed25519, ECDSA, or RSA of 2048 bits or more, with SHA-256 or stronger (never SHA-1).",
};

const short = (id: string) => id.slice(0, 7);

function who(o: SignedObjectEvidence): string {
  const role = o.type === "commit" ? "committer" : "tagger";
  const person = o.signedBy ? `${o.signedBy.name} <${o.signedBy.email}>` : "unknown";
  const signer = o.signature.signer ? `; key bound to ${o.signature.signer}` : "";
  return `${role} ${person}${signer}`;
}

export function objectFinding(o: SignedObjectEvidence, namespace: string | undefined): Finding {
  const s = o.signature;
  const key = s.key ? ` (key ${s.key})` : "";
  return {
    code: `signatures.${s.status}`,
    control: "signatures",
    severity: "error",
    message: `${o.type === "commit" ? "Commit" : "Tag"} ${short(o.id)} is ${LABEL[s.status]}${key}: ${s.detail} (${who(o)}).`,
    remedy: `${FIRST_STEP[s.status]} ${HOW_TO_SIGN} ${HOW_TO_REGISTER}`,
    location: { commit: o.id },
    ...(namespace ? { namespace } : {}),
  };
}

export function webFlowFinding(o: SignedObjectEvidence, namespace: string | undefined): Finding {
  return {
    code: "signatures.web_flow_not_allowed",
    control: "signatures",
    severity: "error",
    message: `${o.type === "commit" ? "Commit" : "Tag"} ${short(o.id)} was made and signed by GitHub (web-flow key ${o.signature.key ?? "?"}), which proves only that GitHub created it, and this policy does not accept that (${who(o)}).`,
    remedy:
      "Merge locally with a signed merge commit (`git merge -S`) instead of in the web UI, or allow GitHub-made commits with `signatures.allow_github_web_flow: true` in the policy.",
    location: { commit: o.id },
    ...(namespace ? { namespace } : {}),
  };
}

export function evidenceMissingFinding(namespaces: readonly string[]): Finding {
  return {
    code: "signatures.evidence_missing",
    control: "signatures",
    severity: "error",
    message: `Namespace${namespaces.length === 1 ? "" : "s"} ${namespaces.map((n) => `"${n}"`).join(", ")} require signed commits and tags, but the evidence holds no signature verdicts.`,
    remedy: "Re-run the check; if it persists, the adapter that gathered the evidence did not verify signatures (upgrade Vouch or report it).",
    ...(namespaces.length === 1 ? { namespace: namespaces[0] } : {}),
  };
}

export function keySourceFinding(source: string, where: string, allowed: readonly string[]): Finding {
  return {
    code: "signatures.key_source_not_allowed",
    control: "signatures",
    severity: "error",
    message: `A key from ${source} (${where}) was trusted, but the policy trusts keys only from ${allowed.join(" and ")}, so the verdicts cannot be relied on.`,
    remedy:
      source === "github"
        ? "Add `github` to `signatures.keys` in the policy to trust keys GitHub holds for users, or register the key under `identities.<name>.keys`."
        : "Add `policy` to `signatures.keys` to trust the keys pinned under `identities.<name>.keys`, or remove them from the policy.",
  };
}
