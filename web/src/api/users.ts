// Operations of the users service (/graphql/users/).
import { graphql } from '@/gql/users'
import { forService } from './routing'

export const ProfileQuery = forService(
  'users',
  graphql(`
    query Profile($username: String!) {
      profile(username: $username) {
        id
        username
        displayName
        bio
        avatarMediaId
        avatar {
          id width height altText blurhash
          urls {
            small { url width height }
            large { url width height }
            original { url width height }
          }
        }
        followersCount
        followingCount
        viewerFollows
        viewerPostNotifications
      }
    }
  `),
)

export const FollowersQuery = forService(
  'users',
  graphql(`
    query Followers($username: String!, $after: String) {
      followers(username: $username, first: 30, after: $after) {
        pageInfo { hasNextPage endCursor }
        edges { node { id username displayName bio } }
      }
    }
  `),
)

export const FollowingQuery = forService(
  'users',
  graphql(`
    query Following($username: String!, $after: String) {
      following(username: $username, first: 30, after: $after) {
        pageInfo { hasNextPage endCursor }
        edges { node { id username displayName bio } }
      }
    }
  `),
)

export const FollowMutation = forService(
  'users',
  graphql(`
    mutation FollowUser($userId: ID!) {
      followUser(userId: $userId) {
        errors { field code message }
        profile { id followersCount viewerFollows viewerPostNotifications }
      }
    }
  `),
)

export const UnfollowMutation = forService(
  'users',
  graphql(`
    mutation UnfollowUser($userId: ID!) {
      unfollowUser(userId: $userId) {
        errors { field code message }
        profile { id followersCount viewerFollows viewerPostNotifications }
      }
    }
  `),
)

export const UpdateProfileMutation = forService(
  'users',
  graphql(`
    mutation UpdateProfile($displayName: String, $bio: String, $avatarMediaId: ID) {
      updateProfile(displayName: $displayName, bio: $bio, avatarMediaId: $avatarMediaId) {
        errors { field code message }
        profile { id username displayName bio avatarMediaId }
      }
    }
  `),
)
