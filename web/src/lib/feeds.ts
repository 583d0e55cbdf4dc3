// The post lists' pages over GraphQL (home, a user's, a hashtag's, search), as PagedList pages.
import type { AnyVariables, Client, OperationResult, TypedDocumentNode } from '@urql/core'
import type { Post } from '@/api/feed'
import { fromCombinedError } from './errors'
import type { Page } from './paging'

interface PostConnection {
  pageInfo: { hasNextPage: boolean; endCursor?: string | null }
  edges: { node: Post }[]
}

export async function fetchPostPage<Data, Variables extends AnyVariables>(
  client: Client,
  query: TypedDocumentNode<Data, Variables>,
  variables: Variables,
  pick: (data: Data) => PostConnection | null | undefined,
): Promise<Page<Post>> {
  const result: OperationResult<Data, Variables> = await client
    .query(query, variables, { requestPolicy: 'network-only' })
    .toPromise()
  const errors = fromCombinedError(result.error)
  const connection = result.data ? pick(result.data) : null
  if (errors.length || !connection) {
    return {
      items: [],
      hasNextPage: false,
      endCursor: null,
      errors: errors.length ? errors : [{ code: 'not_found', field: null, message: 'Nothing was found here.' }],
    }
  }
  return {
    items: connection.edges.map((edge) => edge.node),
    hasNextPage: connection.pageInfo.hasNextPage,
    endCursor: connection.pageInfo.endCursor ?? null,
    errors: [],
  }
}
