/**
 * GraphQL documents for review evidence. One document pages three connections of a pull request
 * at once (commits, reviews, force-push events); `@include` drops a connection once it is fully
 * read, so a pull request costs max(pages of each) requests, not their sum.
 */

const ACTOR = "login __typename ... on User { databaseId } ... on Bot { databaseId }";
const GIT_ACTOR = "name email user { login databaseId }";

export const PULL_REQUEST_REVIEW_EVIDENCE = /* GraphQL */ `
  query VouchReviewEvidence(
    $owner: String!
    $repo: String!
    $number: Int!
    $commitsAfter: String
    $reviewsAfter: String
    $pushesAfter: String
    $withCommits: Boolean!
    $withReviews: Boolean!
    $withPushes: Boolean!
  ) {
    rateLimit { cost remaining resetAt }
    repository(owner: $owner, name: $repo) {
      pullRequest(number: $number) {
        headRefOid
        commits(first: 100, after: $commitsAfter) @include(if: $withCommits) {
          totalCount
          pageInfo { hasNextPage endCursor }
          nodes {
            commit {
              oid
              message
              tree { oid }
              parents(first: 20) { totalCount nodes { oid } }
              author { ${GIT_ACTOR} }
              committer { ${GIT_ACTOR} }
              authors(first: 20) { nodes { ${GIT_ACTOR} } }
            }
          }
        }
        reviews(first: 100, after: $reviewsAfter) @include(if: $withReviews) {
          totalCount
          pageInfo { hasNextPage endCursor }
          nodes {
            state
            submittedAt
            authorCanPushToRepository
            author { ${ACTOR} }
            commit { oid tree { oid } }
          }
        }
        timelineItems(first: 100, after: $pushesAfter, itemTypes: [HEAD_REF_FORCE_PUSHED_EVENT]) @include(if: $withPushes) {
          pageInfo { hasNextPage endCursor }
          nodes { ... on HeadRefForcePushedEvent { actor { ${ACTOR} } } }
        }
      }
    }
  }
`;

export const REVIEW_QUERIES = { PULL_REQUEST_REVIEW_EVIDENCE } as const;
