// The one urql client: each operation goes to its service's endpoint (serviceRoutingExchange) with
// an access token that is renewed first when it is about to expire (freshTokenExchange).
import { Client, cacheExchange, fetchExchange, type Exchange, type OperationContext } from '@urql/core'
import { fromPromise, fromValue, mergeMap, pipe, tap } from 'wonka'
import { serviceRoutingExchange } from '@/api/routing'

/** Context for operations sent without a token (log-in, sign-up, renewal): a bad token is an error there. */
export const ANONYMOUS: Partial<OperationContext> = {
  fetchOptions: {},
  requestPolicy: 'network-only',
  anonymous: true,
}

/** Holds each authenticated operation until `ensureFresh` has renewed a token about to expire. */
export function freshTokenExchange(ensureFresh: () => Promise<unknown>): Exchange {
  return ({ forward }) =>
    (operations$) =>
      forward(
        pipe(
          operations$,
          mergeMap((operation) =>
            operation.kind === 'teardown' || operation.context.anonymous
              ? fromValue(operation)
              : fromPromise(ensureFresh().then(() => operation, () => operation)),
          ),
        ),
      )
}

export interface SessionHooks {
  /** A request was refused because its token expired (a renewal timer missed it): renew now. */
  onTokenExpired(): void
  /** The token was refused for good (revoked by a log-out elsewhere, or invalid): end the session. */
  onTokenRefused(code: string): void
}

const REFUSED_TOKEN_CODES = new Set(['token_revoked', 'token_invalid'])

/** Watches query results for the server's token error codes (`extensions.code`). */
export function sessionErrorExchange(hooks: SessionHooks): Exchange {
  return ({ forward }) =>
    (operations$) =>
      pipe(
        forward(operations$),
        tap((result) => {
          if (result.operation.context.anonymous) return
          for (const error of result.error?.graphQLErrors ?? []) {
            const code = error.extensions?.code
            if (code === 'token_expired') return hooks.onTokenExpired()
            if (typeof code === 'string' && REFUSED_TOKEN_CODES.has(code)) return hooks.onTokenRefused(code)
          }
        }),
      )
}

export function createApiClient(
  getAccessToken: () => string | null,
  ensureFresh: () => Promise<unknown>,
  hooks: SessionHooks,
  base = '',
): Client {
  return new Client({
    // Every operation's url is set by serviceRoutingExchange; this one is never asked.
    url: `${base}/graphql/unrouted/`,
    exchanges: [
      serviceRoutingExchange(base),
      cacheExchange,
      sessionErrorExchange(hooks),
      freshTokenExchange(ensureFresh),
      fetchExchange,
    ],
    preferGetMethod: false,
    requestPolicy: 'cache-and-network',
    fetchOptions: () => {
      const token = getAccessToken()
      return token ? { headers: { Authorization: `Bearer ${token}` } } : {}
    },
  })
}
