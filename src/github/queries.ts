/**
 * GraphQL documents Vouch sends. Kept in one module so a unit test can validate every one
 * against GitHub's published schema (@octokit/graphql-schema).
 */

/** Changed files of a pull request, 100 per page (GitHub's maximum), with the head and base it applies to. */
export const PULL_REQUEST_FILES = /* GraphQL */ `
  query VouchPullRequestFiles($owner: String!, $repo: String!, $number: Int!, $after: String) {
    rateLimit { cost remaining resetAt }
    repository(owner: $owner, name: $repo) {
      pullRequest(number: $number) {
        number
        headRefOid
        headRefName
        baseRefName
        baseRefOid
        isDraft
        author { login ... on User { databaseId } ... on Bot { databaseId } }
        headRepository { nameWithOwner }
        files(first: 100, after: $after) {
          totalCount
          pageInfo { hasNextPage endCursor }
          nodes { path changeType }
        }
      }
    }
  }
`;

export const ALL_QUERIES = { PULL_REQUEST_FILES } as const;
