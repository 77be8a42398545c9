"""The GraphQL queries the GitHub client sends: pull requests with their reviews and commits
nested, the rest of one pull request's reviews or commits, and deployments with statuses."""

from __future__ import annotations

REVIEW_FIELDS = "databaseId state submittedAt author { __typename login }"
COMMIT_FIELDS = (
    "commit { oid message authoredDate committedDate author { name email user { login } } }"
)
PULLS_QUERY = f"""
query PullRequests($owner: String!, $name: String!, $size: Int!, $nested: Int!, $after: String) {{
  repository(owner: $owner, name: $name) {{
    pullRequests(first: $size, after: $after, orderBy: {{field: UPDATED_AT, direction: DESC}}) {{
      pageInfo {{ hasNextPage endCursor }}
      nodes {{
        databaseId number title url state isDraft createdAt updatedAt mergedAt closedAt
        additions deletions changedFiles baseRefName headRefName
        mergeCommit {{ oid }}
        author {{ __typename login }}
        reviews(first: $nested) {{
          pageInfo {{ hasNextPage endCursor }} nodes {{ {REVIEW_FIELDS} }}
        }}
        commits(first: $nested) {{
          pageInfo {{ hasNextPage endCursor }} nodes {{ {COMMIT_FIELDS} }}
        }}
      }}
    }}
  }}
}}
"""
PULL_CONNECTION_QUERY = """
query PullRequest{Name}($owner: String!, $name: String!, $number: Int!, $size: Int!,
                        $after: String) {{
  repository(owner: $owner, name: $name) {{
    pullRequest(number: $number) {{
      {field}(first: $size, after: $after) {{
        pageInfo {{ hasNextPage endCursor }}
        nodes {{ {fields} }}
      }}
    }}
  }}
}}
"""
REVIEWS_QUERY = PULL_CONNECTION_QUERY.format(Name="Reviews", field="reviews", fields=REVIEW_FIELDS)
COMMITS_QUERY = PULL_CONNECTION_QUERY.format(Name="Commits", field="commits", fields=COMMIT_FIELDS)
DEPLOYMENTS_QUERY = """
query Deployments($owner: String!, $name: String!, $size: Int!, $after: String,
                  $environments: [String!]) {
  repository(owner: $owner, name: $name) {
    deployments(first: $size, after: $after, environments: $environments,
                orderBy: {field: CREATED_AT, direction: DESC}) {
      pageInfo { hasNextPage endCursor }
      nodes {
        databaseId environment createdAt updatedAt commitOid description
        latestStatus { state createdAt logUrl }
        statuses(first: 10) { nodes { state createdAt } }
      }
    }
  }
}
"""
