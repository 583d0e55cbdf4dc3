// Every error the API can answer, as one message a person can read. Mutations answer typed payload
// errors (`errors { field code message }`); queries answer GraphQL errors with `extensions.code`; the
// REST upload answers `{"errors": [...]}`; and the network itself can fail.
import type { CombinedError } from '@urql/core'

export interface FieldError {
  field?: string | null
  code: string
  message: string
}

export interface ShownError {
  code: string
  message: string
  field: string | null
}

/** What to say for codes whose server message is not meant for a person, or that need a next step. */
const MESSAGE_FOR_CODE: Record<string, string> = {
  network_error: 'Cannot reach the server. Check your connection and try again.',
  internal_error: 'Something went wrong on the server. Please try again.',
  not_authenticated: 'Your session has ended. Please log in again.',
  rate_limited: 'Too many requests. Wait a moment and try again.',
}

export function fromFieldErrors(errors: readonly FieldError[] | null | undefined): ShownError[] {
  return (errors ?? []).map((error) => ({
    code: error.code,
    field: error.field ?? null,
    message: error.message || MESSAGE_FOR_CODE[error.code] || error.code,
  }))
}

export function fromCombinedError(error: CombinedError | null | undefined): ShownError[] {
  if (!error) return []
  if (error.networkError && error.graphQLErrors.length === 0) {
    return [{ code: 'network_error', field: null, message: MESSAGE_FOR_CODE.network_error! }]
  }
  return error.graphQLErrors.map((graphQLError) => {
    const extensions = graphQLError.extensions ?? {}
    const code = typeof extensions.code === 'string' ? extensions.code : 'error'
    const field = typeof extensions.field === 'string' ? extensions.field : null
    const message = code === 'internal_error' ? MESSAGE_FOR_CODE.internal_error! : graphQLError.message
    return { code, field, message: message || MESSAGE_FOR_CODE[code] || code }
  })
}

/** All the errors of one mutation call: transport/GraphQL errors first, then the payload's typed ones. */
export function mutationErrors(
  result: { error?: CombinedError | null },
  payload: { errors: readonly FieldError[] } | null | undefined,
): ShownError[] {
  const transport = fromCombinedError(result.error)
  if (transport.length) return transport
  if (!payload) return [{ code: 'error', field: null, message: 'The server gave no answer. Please try again.' }]
  return fromFieldErrors(payload.errors)
}

/** The REST upload's error body, or a message for its status when the body is not JSON. */
export function fromRestResponse(status: number, body: string): ShownError[] {
  try {
    const parsed = JSON.parse(body) as { errors?: FieldError[] }
    if (Array.isArray(parsed.errors) && parsed.errors.length) return fromFieldErrors(parsed.errors)
  } catch {
    // Not JSON (a proxy's page): fall through to the status.
  }
  if (status === 413) return [{ code: 'too_large', field: 'file', message: 'The image is too large.' }]
  if (status === 401) return [{ code: 'not_authenticated', field: null, message: MESSAGE_FOR_CODE.not_authenticated! }]
  if (status === 0) return [{ code: 'network_error', field: null, message: MESSAGE_FOR_CODE.network_error! }]
  return [{ code: 'error', field: null, message: `The upload failed (HTTP ${status}).` }]
}
