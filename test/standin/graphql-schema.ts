// The slice of GitHub's GraphQL schema the stand-in answers. Names, types and arguments are
// GitHub's own (test/standin/graphql-schema.test.ts checks them against @octokit/graphql-schema);
// add fields here and a resolver in graphql.ts when Vouch starts asking for more.
export const GITHUB_SDL_SUBSET = /* GraphQL */ `
scalar GitObjectID
scalar DateTime
scalar GitTimestamp

interface Actor {
  login: String!
}

type Query {
  repository(owner: String!, name: String!, followRenames: Boolean = true): Repository
  organization(login: String!): Organization
  user(login: String!): User
  rateLimit(dryRun: Boolean = false): RateLimit
}

type RateLimit {
  cost: Int!
  limit: Int!
  nodeCount: Int!
  remaining: Int!
  resetAt: DateTime!
  used: Int!
}

type PageInfo {
  endCursor: String
  hasNextPage: Boolean!
  hasPreviousPage: Boolean!
  startCursor: String
}

type Repository {
  id: ID!
  databaseId: Int
  name: String!
  nameWithOwner: String!
  pullRequest(number: Int!): PullRequest
}

enum PullRequestState {
  CLOSED
  MERGED
  OPEN
}

type PullRequest {
  id: ID!
  databaseId: Int
  number: Int!
  title: String!
  state: PullRequestState!
  isDraft: Boolean!
  headRefName: String!
  headRefOid: GitObjectID!
  baseRefName: String!
  baseRefOid: GitObjectID!
  changedFiles: Int!
  author: Actor
  headRepository: Repository
  files(after: String, before: String, first: Int, last: Int): PullRequestChangedFileConnection
  commits(after: String, before: String, first: Int, last: Int): PullRequestCommitConnection!
  latestOpinionatedReviews(after: String, before: String, first: Int, last: Int, writersOnly: Boolean = false): PullRequestReviewConnection
  reviews(after: String, author: String, before: String, first: Int, last: Int, states: [PullRequestReviewState!]): PullRequestReviewConnection
  timelineItems(
    after: String
    before: String
    first: Int
    itemTypes: [PullRequestTimelineItemsItemType!]
    last: Int
    since: DateTime
    skip: Int
  ): PullRequestTimelineItemsConnection!
}

# Only the timeline items the stand-in models; GitHub's union and enum have many more members.
enum PullRequestTimelineItemsItemType {
  HEAD_REF_FORCE_PUSHED_EVENT
}

union PullRequestTimelineItems = HeadRefForcePushedEvent

type HeadRefForcePushedEvent {
  id: ID!
  actor: Actor
  afterCommit: Commit
  beforeCommit: Commit
  createdAt: DateTime!
}

type PullRequestTimelineItemsConnection {
  filteredCount: Int!
  nodes: [PullRequestTimelineItems]
  pageInfo: PageInfo!
  totalCount: Int!
}

enum PatchStatus {
  ADDED
  CHANGED
  COPIED
  DELETED
  MODIFIED
  RENAMED
}

type PullRequestChangedFile {
  path: String!
  changeType: PatchStatus!
  additions: Int!
  deletions: Int!
}

type PullRequestChangedFileConnection {
  nodes: [PullRequestChangedFile]
  pageInfo: PageInfo!
  totalCount: Int!
}

type PullRequestCommit {
  id: ID!
  commit: Commit!
}

type PullRequestCommitConnection {
  nodes: [PullRequestCommit]
  pageInfo: PageInfo!
  totalCount: Int!
}

type Tree {
  id: ID!
  oid: GitObjectID!
}

type GitActor {
  date: GitTimestamp
  email: String
  name: String
  user: User
}

type Commit {
  id: ID!
  oid: GitObjectID!
  tree: Tree!
  author: GitActor
  committer: GitActor
  message: String!
  authoredDate: DateTime!
  committedDate: DateTime!
  parents(after: String, before: String, first: Int, last: Int): CommitConnection!
  authors(after: String, before: String, first: Int, last: Int): GitActorConnection!
}

type GitActorConnection {
  nodes: [GitActor]
  pageInfo: PageInfo!
  totalCount: Int!
}

type CommitConnection {
  nodes: [Commit]
  pageInfo: PageInfo!
  totalCount: Int!
}

enum PullRequestReviewState {
  APPROVED
  CHANGES_REQUESTED
  COMMENTED
  DISMISSED
  PENDING
}

type PullRequestReview {
  id: ID!
  databaseId: Int
  author: Actor
  authorCanPushToRepository: Boolean!
  body: String!
  commit: Commit
  state: PullRequestReviewState!
  submittedAt: DateTime
}

type PullRequestReviewConnection {
  nodes: [PullRequestReview]
  pageInfo: PageInfo!
  totalCount: Int!
}

type User implements Actor {
  id: ID!
  databaseId: Int
  login: String!
  name: String
}

type Bot implements Actor {
  id: ID!
  databaseId: Int
  login: String!
}

type Organization implements Actor {
  id: ID!
  databaseId: Int
  login: String!
  team(slug: String!): Team
}

enum TeamMembershipType {
  ALL
  CHILD_TEAM
  IMMEDIATE
}

type Team {
  id: ID!
  databaseId: Int
  name: String!
  slug: String!
  members(after: String, before: String, first: Int, last: Int, membership: TeamMembershipType = ALL): TeamMemberConnection!
}

type TeamMemberConnection {
  nodes: [User]
  pageInfo: PageInfo!
  totalCount: Int!
}
`;
