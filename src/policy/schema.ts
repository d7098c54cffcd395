/**
 * The policy model of `.github/vouch.yml`, spelled out as a zod schema.
 * Every object is strict: an unknown key is an error, because a misspelt
 * requirement that is silently ignored would weaken the policy.
 */
import { z } from "zod";

/** A principal names who may act: an identity or policy team by name, or a GitHub team as `@org/slug`. */
export const Principal = z
  .string()
  .regex(/^(@[A-Za-z0-9][A-Za-z0-9-]*\/[A-Za-z0-9._-]+|[A-Za-z0-9][A-Za-z0-9._-]*)$/, {
    message: "a principal is an identity or team name, or a GitHub team written @org/team-slug",
  })
  .describe("An identity or team defined in this policy, or a GitHub team written @org/team-slug.");

const Glob = z.string().min(1).describe("A glob (picomatch syntax: *, **, ?, [..], {a,b}).");
const RefGlob = z
  .string()
  .regex(/^refs\/(heads|tags)\/.+$/, { message: "a ref pattern starts with refs/heads/ or refs/tags/" })
  .describe("A full ref name or glob, e.g. refs/heads/main, refs/heads/release/*, refs/tags/v*.");

export const Identity = z
  .object({
    github: z
      .string()
      .regex(/^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})(\[bot\])?$/, { message: "not a valid GitHub login" })
      .optional()
      .describe("GitHub login."),
    github_id: z.number().int().positive().optional().describe("Numeric GitHub user id; survives renames. Preferred over the login when both are given."),
    emails: z.array(z.email()).default([]).describe("Email addresses this person commits with."),
    keys: z
      .array(z.string().min(1))
      .default([])
      .describe("Trusted signing keys: an SSH public key line or an ASCII-armored OpenPGP public key."),
    bot: z.boolean().default(false).describe("This identity is an automation account, never counted as an independent human reviewer."),
  })
  .strict();

export const OperationName = z.enum(["direct-push", "force-push", "deletion", "move"]);

export const ReviewRequirement = z
  .object({
    approvals: z.number().int().min(0).max(50).describe("Number of distinct eligible approvals required."),
    from: z.array(Principal).default([]).describe("Only approvals from these principals count; empty means anyone eligible with write access."),
    distinct_teams: z.number().int().min(0).max(50).default(0).describe("Approvals must come from at least this many distinct teams listed in `from`."),
    exclude: z
      .array(z.enum(["author", "contributors", "pushers"]))
      .default(["author", "contributors", "pushers"])
      .describe("Who cannot approve: the pull request author, anyone who authored, committed or co-authored a commit in it, anyone who pushed to it."),
    bots: z.array(Principal).default([]).describe("Bots whose approvals count; other bots never count."),
    allow_same_tree: z
      .boolean()
      .default(false)
      .describe("Count an approval given on an earlier head whose tree equals the current head's tree."),
  })
  .strict();

export const SignatureRequirement = z
  .object({ required: z.boolean().describe("Every new commit and tag in this namespace must carry a valid trusted signature.") })
  .strict();

export const Namespace = z
  .object({
    name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, { message: "a namespace name is 1-64 letters, digits, '.', '_' or '-'" }),
    description: z.string().optional(),
    refs: z.array(RefGlob).default([]).describe("Refs this namespace protects."),
    paths: z.array(Glob).default([]).describe("Paths this namespace protects (within the refs above, or any ref when none are listed)."),
    owners: z.array(Principal).default([]).describe("Who owns the namespace; the default reviewers when `review.from` is empty."),
    forbid: z.array(OperationName).default([]).describe("Operations on the protected refs that are violations."),
    review: ReviewRequirement.optional(),
    signatures: SignatureRequirement.optional(),
    from_codeowners: z
      .boolean()
      .default(false)
      .describe(
        "Seed path owners from the base branch's CODEOWNERS: every rule with owners becomes a path namespace with this namespace's refs and review requirement, its owners the approvers. Takes no paths, owners, forbid or review.from.",
      ),
  })
  .strict()
  .refine((ns) => ns.refs.length > 0 || ns.paths.length > 0 || ns.from_codeowners, {
    message: "a namespace must list at least one ref or path pattern",
  })
  .superRefine((ns, ctx) => {
    if (!ns.from_codeowners) return;
    const own = (field: string, message: string) => ctx.addIssue({ code: "custom", path: [field], message });
    if (ns.paths.length > 0) own("paths", "a from_codeowners namespace takes its paths from CODEOWNERS; remove paths");
    if (ns.owners.length > 0) own("owners", "a from_codeowners namespace takes its owners from CODEOWNERS; remove owners");
    if (ns.forbid.length > 0) own("forbid", "a from_codeowners namespace guards paths, not ref operations; put forbid in a namespace of its own");
    if (!ns.review || ns.review.approvals < 1) own("review", "a from_codeowners namespace needs review: { approvals: 1 } or more, the approvals each CODEOWNERS rule's owners must give");
    else if (ns.review.from.length > 0) own("review", "a from_codeowners namespace's approvers are the CODEOWNERS owners; remove review.from");
  });

export const SignaturePolicy = z
  .object({
    required: z.boolean().default(false).describe("Every new commit and tag in every protected namespace must be signed."),
    keys: z
      .array(z.enum(["policy", "github"]))
      .min(1)
      .default(["policy"])
      .describe("Where trusted keys come from: keys pinned in this policy, and/or keys GitHub holds for the user."),
    identity: z
      .enum(["committer", "none"])
      .default("committer")
      .describe("`committer`: the signer must be the committer (tagger for tags). `none`: any trusted key is enough."),
    allow_github_web_flow: z.boolean().default(false).describe("Accept commits GitHub itself creates and signs (squash merges in the UI)."),
  })
  .strict();

export const SecretsPolicy = z
  .object({
    enabled: z.boolean().default(true),
    disable: z.array(z.string()).default([]).describe("Built-in rule ids to turn off."),
    allow: z
      .object({
        paths: z.array(Glob).default([]),
        regexes: z.array(z.string()).default([]).describe("RE2 regexes; a match suppresses a finding."),
      })
      .strict()
      .default({ paths: [], regexes: [] }),
    baseline: z.string().optional().describe("Path to a baseline file of accepted finding fingerprints."),
    allow_repository_allowlists: z
      .boolean()
      .default(false)
      .describe("Organization baseline only: let repositories add their own allowlists and baseline file."),
  })
  .strict();

export const PolicySchema = z
  .object({
    version: z.literal(1, { message: "version must be 1" }),
    identities: z.record(z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/), Identity).default({}),
    teams: z.record(z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/), z.array(Principal).min(1)).default({}),
    signatures: SignaturePolicy.default({ required: false, keys: ["policy"], identity: "committer", allow_github_web_flow: false }),
    namespaces: z.array(Namespace).default([]),
    alerts: z
      .enum(["check", "issue"])
      .default("check")
      .describe(
        "How push violations (direct push, force-push, deletion, moved tag) are reported: `check`, a failing check on the pushed commit and a ledger record; `issue`, also an issue titled with the ref (opened once, then commented on).",
      ),
    secrets: SecretsPolicy.default({
      enabled: true,
      disable: [],
      allow: { paths: [], regexes: [] },
      allow_repository_allowlists: false,
    }),
  })
  .strict();

export type Policy = z.output<typeof PolicySchema>;
export type PolicyInput = z.input<typeof PolicySchema>;
export type NamespacePolicy = z.output<typeof Namespace>;
export type ReviewPolicy = z.output<typeof ReviewRequirement>;
export type IdentityPolicy = z.output<typeof Identity>;
export type Operation = z.output<typeof OperationName>;

/** Where the policy file lives in a repository. */
export const POLICY_PATH = ".github/vouch.yml";
