"""The GraphQL queries the GitHub client sends: pull requests with their timeline (reviews,
conversation comments, ready-for-review events) and commits nested, the rest of one pull
request's timeline or commits, and deployments with statuses."""

from __future__ import annotations

# `body` (a scalar, free) tells a thread reply from a submitted review (parse.is_thread_reply).
REVIEW_FIELDS = "databaseId state body submittedAt author { __typename login }"
ACTOR = "author { __typename login }"
# Reviews, comments and ready-for-review events share one connection: GitHub charges a query by
# its connections (each nested one costs a request per parent), so one timeline instead of
# `reviews` plus `comments` plus events keeps a page of 50 pull requests at 1 point.
TIMELINE_TYPES = "[PULL_REQUEST_REVIEW, ISSUE_COMMENT, READY_FOR_REVIEW_EVENT]"
TIMELINE_FIELDS = (
    f"__typename ... on PullRequestReview {{ {REVIEW_FIELDS} }} "
    f"... on IssueComment {{ databaseId createdAt {ACTOR} }} "
    "... on ReadyForReviewEvent { createdAt }"
)
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
        timelineItems(first: $nested, itemTypes: {TIMELINE_TYPES}) {{
          pageInfo {{ hasNextPage endCursor }} nodes {{ {TIMELINE_FIELDS} }}
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
      {field}(first: $size, after: $after{args}) {{
        pageInfo {{ hasNextPage endCursor }}
        nodes {{ {fields} }}
      }}
    }}
  }}
}}
"""
TIMELINE_QUERY = PULL_CONNECTION_QUERY.format(
    Name="Timeline",
    field="timelineItems",
    args=f", itemTypes: {TIMELINE_TYPES}",
    fields=TIMELINE_FIELDS,
)
COMMITS_QUERY = PULL_CONNECTION_QUERY.format(
    Name="Commits", field="commits", args="", fields=COMMIT_FIELDS
)
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
