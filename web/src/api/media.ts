// Operations of the media service (/graphql/media/).
import { graphql } from '@/gql/media'
import { forService } from './routing'

export const RequestImageUploadMutation = forService(
  'media',
  graphql(`
    mutation RequestImageUpload($contentType: String!) {
      requestImageUpload(contentType: $contentType) {
        errors { field code message }
        upload { uploadId url fields { name value } maxBytes }
      }
    }
  `),
)

export const CompleteImageUploadMutation = forService(
  'media',
  graphql(`
    mutation CompleteImageUpload($uploadId: ID!) {
      completeImageUpload(uploadId: $uploadId) {
        errors { field code message }
        media { id status }
      }
    }
  `),
)

export const UpdateMediaMutation = forService(
  'media',
  graphql(`
    mutation UpdateMedia($id: ID!, $altText: String!) {
      updateMedia(id: $id, altText: $altText) {
        errors { field code message }
        media { id altText }
      }
    }
  `),
)

export const MediaStatusQuery = forService(
  'media',
  graphql(`
    query MediaStatus($id: ID!) {
      media(id: $id) { id status failure { code message } }
    }
  `),
)
