// Uploading one image with a progress figure. With S3 configured the file goes straight to storage
// through the presigned POST (requestImageUpload, then completeImageUpload); otherwise the server says
// `direct_upload_unavailable` and it goes as multipart to `POST /api/media/images`. XHR, not fetch,
// because only XHR reports upload progress.
import type { Client } from '@urql/core'
import {
  CompleteImageUploadMutation,
  MediaStatusQuery,
  RequestImageUploadMutation,
  UpdateMediaMutation,
} from '@/api/media'
import { fromRestResponse, mutationErrors, type ShownError } from './errors'

export type UploadResult = { mediaId: string } | { errors: ShownError[] }

export interface XhrResponse {
  status: number
  body: string
}

/** POSTs a form with progress callbacks (0..1). */
export function postFormWithProgress(
  url: string,
  form: FormData,
  onProgress: (fraction: number) => void,
  headers: Record<string, string> = {},
): Promise<XhrResponse> {
  return new Promise((resolve) => {
    const xhr = new XMLHttpRequest()
    xhr.open('POST', url)
    for (const [name, value] of Object.entries(headers)) xhr.setRequestHeader(name, value)
    xhr.upload.onprogress = (event) => {
      if (event.lengthComputable) onProgress(event.loaded / event.total)
    }
    xhr.onload = () => resolve({ status: xhr.status, body: xhr.responseText })
    xhr.onerror = () => resolve({ status: 0, body: '' })
    xhr.send(form)
  })
}

let directUploadUnavailable = false

export async function uploadImage(options: {
  client: Client
  file: File
  altText: string
  accessToken: () => Promise<string | null>
  onProgress: (fraction: number) => void
}): Promise<UploadResult> {
  const { client, file, altText, onProgress } = options
  let mediaId: string | null = null
  if (!directUploadUnavailable) {
    const requested = await client
      .mutation(RequestImageUploadMutation, { contentType: file.type || 'application/octet-stream' })
      .toPromise()
    const payload = requested.data?.requestImageUpload
    const errors = mutationErrors(requested, payload)
    if (errors.some((error) => error.code === 'direct_upload_unavailable')) {
      directUploadUnavailable = true
    } else if (errors.length) {
      return { errors }
    } else if (payload?.upload) {
      const form = new FormData()
      for (const field of payload.upload.fields) form.append(field.name, field.value)
      form.append('file', file)
      const response = await postFormWithProgress(payload.upload.url, form, onProgress)
      if (response.status < 200 || response.status >= 300) {
        return {
          errors: [
            response.status === 0
              ? { code: 'network_error', field: 'file', message: 'The upload to storage failed. Try again.' }
              : { code: 'storage_refused', field: 'file', message: `Storage refused the upload (HTTP ${response.status}); the image may be too large.` },
          ],
        }
      }
      const completed = await client
        .mutation(CompleteImageUploadMutation, { uploadId: payload.upload.uploadId })
        .toPromise()
      const completion = completed.data?.completeImageUpload
      const completeErrors = mutationErrors(completed, completion)
      if (completeErrors.length || !completion?.media) return { errors: completeErrors }
      mediaId = completion.media.id
      if (altText.trim()) {
        const updated = await client.mutation(UpdateMediaMutation, { id: mediaId, altText }).toPromise()
        const updateErrors = mutationErrors(updated, updated.data?.updateMedia)
        if (updateErrors.length) return { errors: updateErrors }
      }
    }
  }
  if (mediaId === null) {
    const form = new FormData()
    form.append('file', file)
    if (altText.trim()) form.append('alt_text', altText)
    const token = await options.accessToken()
    const response = await postFormWithProgress(
      '/api/media/images',
      form,
      onProgress,
      token ? { Authorization: `Bearer ${token}` } : {},
    )
    if (response.status < 200 || response.status >= 300) return { errors: fromRestResponse(response.status, response.body) }
    try {
      const body = JSON.parse(response.body) as { id?: string; media?: { id?: string } }
      mediaId = body.id ?? body.media?.id ?? null
    } catch {
      mediaId = null
    }
    if (!mediaId) return { errors: [{ code: 'error', field: 'file', message: 'The server did not say which media it made.' }] }
  }
  onProgress(1)
  return waitUntilReady(client, mediaId)
}

/** A post takes only READY media: wait for processing (inline in the embedded default, so usually at once). */
async function waitUntilReady(client: Client, mediaId: string): Promise<UploadResult> {
  for (let attempt = 0; attempt < 40; attempt += 1) {
    const result = await client.query(MediaStatusQuery, { id: mediaId }, { requestPolicy: 'network-only' }).toPromise()
    const media = result.data?.media
    if (media?.status === 'READY') return { mediaId }
    if (media?.status === 'FAILED') {
      return { errors: [{ code: media.failure?.code ?? 'failed', field: 'file', message: media.failure?.message ?? 'The image could not be processed.' }] }
    }
    await new Promise((resolve) => setTimeout(resolve, Math.min(250 * (attempt + 1), 2_000)))
  }
  return { errors: [{ code: 'timeout', field: 'file', message: 'The image is still being processed. Try posting again in a moment.' }] }
}
