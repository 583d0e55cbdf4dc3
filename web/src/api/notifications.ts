// Operations of the notifications service (/graphql/notifications/).
import { graphql } from '@/gql/notifications'
import { forService } from './routing'

export const NotificationsQuery = forService(
  'notifications',
  graphql(`
    query Notifications($after: String) {
      notifications(first: 30, after: $after) {
        pageInfo { hasNextPage endCursor }
        streamPosition
        unreadCount
        edges {
          node {
            id
            kind
            post { id excerpt }
            actorCount
            actors { id username displayName }
            latestAt
            read
            position
          }
        }
      }
    }
  `),
)

export const UnreadCountQuery = forService(
  'notifications',
  graphql(`
    query UnreadCount {
      unreadCount
    }
  `),
)

export const MarkAllReadMutation = forService(
  'notifications',
  graphql(`
    mutation MarkAllRead($upTo: Int) {
      markAllRead(upTo: $upTo) {
        errors { field code message }
        unreadCount
      }
    }
  `),
)

export const MarkReadMutation = forService(
  'notifications',
  graphql(`
    mutation MarkRead($ids: [ID!]!) {
      markRead(ids: $ids) {
        errors { field code message }
        unreadCount
      }
    }
  `),
)

export const PostNotificationsEnabledQuery = forService(
  'notifications',
  graphql(`
    query PostNotificationsEnabled($userId: ID!) {
      postNotificationsEnabled(userId: $userId)
    }
  `),
)

export const SetPostNotificationsMutation = forService(
  'notifications',
  graphql(`
    mutation SetPostNotifications($userId: ID!, $enabled: Boolean!) {
      setPostNotifications(userId: $userId, enabled: $enabled) {
        errors { field code message }
        enabled
      }
    }
  `),
)
