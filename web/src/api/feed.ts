// Operations of the feed service (/graphql/feed/).
import { graphql } from '@/gql/feed'
import type { PostFieldsFragment } from '@/gql/feed/graphql'
import { forService } from './routing'

export type Post = PostFieldsFragment
export type PostMedia = Post['media'][number]

graphql(`
  fragment PostFields on Post {
    id
    content
    createdAt
    editedAt
    likeCount
    commentCount
    likedByMe
    hashtags
    mentions { username userId }
    author { id username displayName avatar { id urls { small { url } } } }
    media {
      id
      type
      width
      height
      altText
      blurhash
      urls {
        small { url width height }
        large { url width height }
        original { url width height }
      }
    }
  }
`)

export const HomeFeedQuery = forService(
  'feed',
  graphql(`
    query HomeFeed($first: Int!, $after: String) {
      homeFeed(first: $first, after: $after) {
        pageInfo { hasNextPage endCursor }
        edges { node { ...PostFields } }
      }
    }
  `),
)

export const UserPostsQuery = forService(
  'feed',
  graphql(`
    query UserPosts($username: String!, $first: Int!, $after: String) {
      userPosts(username: $username, first: $first, after: $after) {
        pageInfo { hasNextPage endCursor }
        edges { node { ...PostFields } }
      }
    }
  `),
)

export const TagPostsQuery = forService(
  'feed',
  graphql(`
    query TagPosts($tag: String!, $first: Int!, $after: String) {
      postsByHashtag(tag: $tag, first: $first, after: $after) {
        pageInfo { hasNextPage endCursor }
        edges { node { ...PostFields } }
      }
    }
  `),
)

export const SearchPostsQuery = forService(
  'feed',
  graphql(`
    query SearchPosts($query: String!, $first: Int!, $after: String) {
      searchPosts(query: $query, first: $first, after: $after) {
        pageInfo { hasNextPage endCursor }
        edges { node { ...PostFields } }
      }
    }
  `),
)

export const PostQuery = forService(
  'feed',
  graphql(`
    query PostPage($id: ID!) {
      post(id: $id) { ...PostFields }
    }
  `),
)

export const CommentsQuery = forService(
  'feed',
  graphql(`
    query Comments($postId: ID!, $after: String) {
      comments(postId: $postId, first: 50, after: $after) {
        pageInfo { hasNextPage endCursor }
        edges { node { id content createdAt author { id username displayName } } }
      }
    }
  `),
)

export const CreatePostMutation = forService(
  'feed',
  graphql(`
    mutation CreatePost($content: String!, $mediaIds: [ID!]) {
      createPost(content: $content, mediaIds: $mediaIds) {
        errors { field code message }
        post { ...PostFields }
      }
    }
  `),
)

export const LikePostMutation = forService(
  'feed',
  graphql(`
    mutation LikePost($postId: ID!) {
      likePost(postId: $postId) {
        errors { field code message }
        post { id likeCount likedByMe }
      }
    }
  `),
)

export const UnlikePostMutation = forService(
  'feed',
  graphql(`
    mutation UnlikePost($postId: ID!) {
      unlikePost(postId: $postId) {
        errors { field code message }
        post { id likeCount likedByMe }
      }
    }
  `),
)

export const AddCommentMutation = forService(
  'feed',
  graphql(`
    mutation AddComment($postId: ID!, $content: String!) {
      addComment(postId: $postId, content: $content) {
        errors { field code message }
        comment { id content createdAt author { id username displayName } }
        post { id commentCount }
      }
    }
  `),
)

export const DeleteCommentMutation = forService(
  'feed',
  graphql(`
    mutation DeleteComment($commentId: ID!) {
      deleteComment(commentId: $commentId) {
        errors { field code message }
        deletedCommentId
        post { id commentCount }
      }
    }
  `),
)
