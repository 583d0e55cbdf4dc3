// Which service answers which operation. Each document is registered with its service where it is
// defined (src/api/<service>.ts), and the urql exchange below sends it to `/graphql/<service>/`.
// The union endpoint `/graphql/` is never used: it is not served in the five-service layout.
import type { DocumentNode } from 'graphql'
import { mapExchange, makeOperation, type Exchange, type Operation } from '@urql/core'

export const SERVICES = ['auth', 'users', 'feed', 'media', 'notifications'] as const
export type Service = (typeof SERVICES)[number]

const serviceOfDocument = new WeakMap<object, Service>()

/** Tag a document with the service that answers it; returns the same document (types kept). */
export function forService<D extends DocumentNode>(service: Service, document: D): D {
  serviceOfDocument.set(document, service)
  return document
}

export function serviceEndpoint(service: Service, base = ''): string {
  return `${base}/graphql/${service}/`
}

/** The endpoint of a registered document; throws for one that was never tagged (a bug, not a user error). */
export function endpointFor(document: DocumentNode, base = ''): string {
  const service = serviceOfDocument.get(document)
  if (!service) {
    const definition = document.definitions[0]
    const name = definition && 'name' in definition && definition.name ? definition.name.value : '(anonymous)'
    throw new Error(`Operation ${name} is not registered with a service (use forService).`)
  }
  return serviceEndpoint(service, base)
}

/** Sets each operation's `context.url` to its service's endpoint. */
export function serviceRoutingExchange(base = ''): Exchange {
  return mapExchange({
    onOperation(operation: Operation) {
      return makeOperation(operation.kind, operation, {
        ...operation.context,
        url: endpointFor(operation.query, base),
      })
    },
  })
}
