import { CombinedError } from '@urql/core'
import { GraphQLError } from 'graphql'
import { describe, expect, it } from 'vitest'
import { fromCombinedError, fromRestResponse, mutationErrors } from '@/lib/errors'

describe('error mapping', () => {
  it("shows a mutation's typed payload errors with their field and code", () => {
    const errors = mutationErrors({ error: null }, { errors: [{ field: 'content', code: 'too_long', message: 'The post has at most 5,000 characters (got 5,001).' }] })
    expect(errors).toEqual([{ field: 'content', code: 'too_long', message: 'The post has at most 5,000 characters (got 5,001).' }])
  })

  it('shows nothing for a payload without errors', () => {
    expect(mutationErrors({}, { errors: [] })).toEqual([])
  })

  it("reads a query error's extensions.code and field", () => {
    const error = new CombinedError({
      graphQLErrors: [new GraphQLError('There is no such user.', { extensions: { code: 'not_found', field: 'username' } })],
    })
    expect(fromCombinedError(error)).toEqual([{ code: 'not_found', field: 'username', message: 'There is no such user.' }])
  })

  it('hides internal errors behind a plain message', () => {
    const error = new CombinedError({ graphQLErrors: [new GraphQLError('Traceback…', { extensions: { code: 'internal_error' } })] })
    expect(fromCombinedError(error)[0]!.message).toBe('Something went wrong on the server. Please try again.')
  })

  it('says the server cannot be reached on a network error', () => {
    const error = new CombinedError({ networkError: new TypeError('Failed to fetch') })
    expect(fromCombinedError(error)).toEqual([{ code: 'network_error', field: null, message: 'Cannot reach the server. Check your connection and try again.' }])
    expect(mutationErrors({ error }, null)[0]!.code).toBe('network_error')
  })

  it("reads the REST upload's error body, and falls back to the status", () => {
    expect(fromRestResponse(415, '{"errors":[{"field":"file","code":"unsupported_type","message":"Not an image."}]}')).toEqual([
      { field: 'file', code: 'unsupported_type', message: 'Not an image.' },
    ])
    expect(fromRestResponse(413, '<html>Too large</html>')[0]!.code).toBe('too_large')
    expect(fromRestResponse(0, '')[0]!.code).toBe('network_error')
  })
})
