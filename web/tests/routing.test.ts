// Every operation goes to its own service's endpoint, never the union /graphql/.
import { Client, makeResult, type Operation } from '@urql/core'
import type { DocumentNode } from 'graphql'
import { describe, expect, it, vi } from 'vitest'
import { filter, map, pipe, tap } from 'wonka'
import { LoginMutation, MeQuery, RefreshTokenMutation } from '@/api/auth'
import { CreatePostMutation, HomeFeedQuery, LikePostMutation } from '@/api/feed'
import { RequestImageUploadMutation } from '@/api/media'
import { MarkAllReadMutation, NotificationsQuery, SetPostNotificationsMutation } from '@/api/notifications'
import { endpointFor, serviceRoutingExchange } from '@/api/routing'
import { sessionErrorExchange } from '@/lib/client'
import { FollowMutation, ProfileQuery } from '@/api/users'
import * as auth from '@/api/auth'
import * as feed from '@/api/feed'
import * as media from '@/api/media'
import * as notifications from '@/api/notifications'
import * as users from '@/api/users'

function operationName(document: DocumentNode): string {
  const definition = document.definitions.find((item) => item.kind === 'OperationDefinition')
  return definition && 'name' in definition && definition.name ? definition.name.value : '(anonymous)'
}

describe('operation → service routing', () => {
  it.each([
    [LoginMutation, '/graphql/auth/'],
    [RefreshTokenMutation, '/graphql/auth/'],
    [MeQuery, '/graphql/auth/'],
    [ProfileQuery, '/graphql/users/'],
    [FollowMutation, '/graphql/users/'],
    [HomeFeedQuery, '/graphql/feed/'],
    [CreatePostMutation, '/graphql/feed/'],
    [LikePostMutation, '/graphql/feed/'],
    [RequestImageUploadMutation, '/graphql/media/'],
    [NotificationsQuery, '/graphql/notifications/'],
    [MarkAllReadMutation, '/graphql/notifications/'],
    [SetPostNotificationsMutation, '/graphql/notifications/'],
  ].map(([document, endpoint]) => [operationName(document as DocumentNode), document, endpoint]))('%s goes to %s', (_name, document, endpoint) => {
    expect(endpointFor(document as DocumentNode)).toBe(endpoint)
  })

  it('routes every exported operation of each service module to that service', () => {
    const modules = { auth, users, feed, media, notifications }
    for (const [service, module] of Object.entries(modules)) {
      const documents = Object.values(module).filter(
        (value): value is DocumentNode => typeof value === 'object' && value !== null && 'definitions' in value,
      )
      expect(documents.length).toBeGreaterThan(0)
      for (const document of documents) expect(endpointFor(document)).toBe(`/graphql/${service}/`)
    }
  })

  it('refuses an operation that was never registered with a service', () => {
    const stray = { kind: 'Document', definitions: [{ kind: 'OperationDefinition', operation: 'query', name: { kind: 'Name', value: 'Stray' }, selectionSet: { kind: 'SelectionSet', selections: [] } }] } as unknown as DocumentNode
    expect(() => endpointFor(stray)).toThrow(/Stray is not registered/)
  })

  it('sets context.url on the operations the client sends', async () => {
    const seen: Operation[] = []
    const client = new Client({
      url: '/graphql/unrouted/',
      exchanges: [
        serviceRoutingExchange('http://app.test'),
        // Stands in for fetchExchange: records what would be sent, answers nothing.
        () => (operations$) =>
          pipe(
            operations$,
            tap((operation: Operation) => seen.push(operation)),
            filter(() => false),
          ) as never,
      ],
    })
    client.query(HomeFeedQuery, { first: 20 }).subscribe(() => undefined)
    client.mutation(FollowMutation, { userId: 'u1' }).subscribe(() => undefined)
    expect(seen.filter((operation) => operation.kind !== 'teardown').map((operation) => operation.context.url)).toEqual([
      'http://app.test/graphql/feed/',
      'http://app.test/graphql/users/',
    ])
  })
})

describe('session errors on query results', () => {
  function clientAnswering(code: string, hooks: { onTokenExpired(): void; onTokenRefused(code: string): void }) {
    return new Client({
      url: '/unused',
      exchanges: [
        serviceRoutingExchange(),
        sessionErrorExchange(hooks),
        // Stands in for the server: every operation is refused with `code`.
        () => (operations$) =>
          pipe(
            operations$,
            filter((operation: Operation) => operation.kind !== 'teardown'),
            map((operation: Operation) =>
              makeResult(operation, { data: null, errors: [{ message: 'refused', extensions: { code } }] }),
            ),
          ),
      ],
    })
  }

  it('renews the token on token_expired', async () => {
    const hooks = { onTokenExpired: vi.fn(), onTokenRefused: vi.fn() }
    await clientAnswering('token_expired', hooks).query(HomeFeedQuery, { first: 1 }).toPromise()
    expect(hooks.onTokenExpired).toHaveBeenCalledTimes(1)
    expect(hooks.onTokenRefused).not.toHaveBeenCalled()
  })

  it('ends the session on token_revoked (a log-out elsewhere)', async () => {
    const hooks = { onTokenExpired: vi.fn(), onTokenRefused: vi.fn() }
    await clientAnswering('token_revoked', hooks).query(HomeFeedQuery, { first: 1 }).toPromise()
    expect(hooks.onTokenRefused).toHaveBeenCalledWith('token_revoked')
  })

  it('leaves other errors to the page', async () => {
    const hooks = { onTokenExpired: vi.fn(), onTokenRefused: vi.fn() }
    await clientAnswering('not_found', hooks).query(HomeFeedQuery, { first: 1 }).toPromise()
    expect(hooks.onTokenExpired).not.toHaveBeenCalled()
    expect(hooks.onTokenRefused).not.toHaveBeenCalled()
  })
})
