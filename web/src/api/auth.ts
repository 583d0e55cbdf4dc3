// Operations of the auth service (/graphql/auth/).
import { graphql } from '@/gql/auth'
import { forService } from './routing'

export const LoginMutation = forService(
  'auth',
  graphql(`
    mutation Login($login: String!, $password: String!) {
      login(login: $login, password: $password) {
        errors { field code message }
        account { id username }
        tokens { accessToken refreshToken accessTokenExpiresAt refreshTokenExpiresAt }
      }
    }
  `),
)

export const RegisterMutation = forService(
  'auth',
  graphql(`
    mutation Register($username: String!, $email: String!, $password: String!) {
      register(username: $username, email: $email, password: $password) {
        errors { field code message }
        account { id username }
        tokens { accessToken refreshToken accessTokenExpiresAt refreshTokenExpiresAt }
      }
    }
  `),
)

export const RefreshTokenMutation = forService(
  'auth',
  graphql(`
    mutation RefreshToken($refreshToken: String!) {
      refreshToken(refreshToken: $refreshToken) {
        errors { field code message }
        tokens { accessToken refreshToken accessTokenExpiresAt refreshTokenExpiresAt }
      }
    }
  `),
)

export const LogoutMutation = forService(
  'auth',
  graphql(`
    mutation Logout($refreshToken: String) {
      logout(refreshToken: $refreshToken) {
        errors { field code message }
        ok
      }
    }
  `),
)

export const MeQuery = forService(
  'auth',
  graphql(`
    query Me {
      me { id username email }
    }
  `),
)
