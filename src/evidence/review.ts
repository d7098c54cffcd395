/**
 * Evidence the review control judges: the commits of a pull request, its reviews, who pushed to it,
 * and the team memberships its policy refers to. Plain JSON, so `vouch evaluate` can replay it.
 */

/** A GitHub account as the API reported it. The numeric id is what identity checks rely on; logins can be renamed. */
export interface Account {
  login: string | null;
  id: number | null;
  type?: "User" | "Bot" | "Organization" | "Mannequin" | "EnterpriseUserAccount";
}

/** A git identity (author, committer, co-author) and the GitHub account GitHub mapped its email to, when it did. */
export interface GitActor {
  name: string | null;
  email: string | null;
  user: Account | null;
}

/** One commit of the change. */
export interface CommitFacts {
  oid: string;
  tree: string;
  parents: string[];
  author: GitActor;
  committer: GitActor;
  /** `Co-authored-by:` trailers of the message, with the account GitHub mapped each email to when it did. */
  coAuthors: GitActor[];
}

export type ReviewState = "APPROVED" | "CHANGES_REQUESTED" | "COMMENTED" | "DISMISSED" | "PENDING";

/** One submitted pull-request review. Comments are not reviews: only these objects can approve. */
export interface ReviewFact {
  author: Account;
  /** GitHub reports a dismissed review with state DISMISSED; its original state is then unknown. */
  state: ReviewState;
  dismissed: boolean;
  /** The head commit the review was submitted on. */
  commitOid: string | null;
  /** That commit's tree, so an approval can be matched to an identical tree after an update. */
  commitTree: string | null;
  submittedAt: string;
  /** Whether the reviewer could push to the repository when GitHub answered (write access); null when unknown. */
  canPush: boolean | null;
}

export interface ReviewEvidence {
  /** Every commit of the pull request, oldest first. */
  commits: CommitFacts[];
  /** Every submitted review, in submission order. */
  reviews: ReviewFact[];
  /** Accounts known to have pushed to the head branch (webhook senders, force-push events). */
  pushers: Account[];
  /** False when some pushes could not be attributed: GitHub keeps no complete record of who pushed. */
  pushersComplete: boolean;
  /** The tree of the current head commit. */
  headTree: string;
}

/** The members of a GitHub team, read when the evidence was gathered. */
export interface TeamSnapshot {
  /** `@org/slug`, as policies write it. */
  team: string;
  members: Account[];
  /** ISO 8601 time the membership was read. */
  resolvedAt: string;
}

/** The pull request a push landed, when it was one: a push that merges a pull request Vouch passed is not a direct push. */
export interface PushPullRequest {
  number: number;
  /** Vouch's verdict on the pull request's last head was success. */
  passed: boolean;
  /** The head Vouch judged. */
  headSha?: string;
}
