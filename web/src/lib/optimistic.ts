// Like/unlike shown at once and put back if the server refuses (or cannot be reached).

export interface Likeable {
  likedByMe: boolean | null
  likeCount: number
}

export interface LikeOutcome {
  ok: boolean
  /** The server's view after the change, when it answered with one. */
  server?: { likedByMe: boolean | null; likeCount: number } | null
  error?: string
}

/**
 * Flip `target`'s like now, call `send(liked)`, then keep the server's figures or roll back to what
 * was there before. Returns the error message on failure.
 */
export async function toggleLikeOptimistically(
  target: Likeable,
  send: (liked: boolean) => Promise<LikeOutcome>,
): Promise<string | null> {
  const before = { likedByMe: target.likedByMe, likeCount: target.likeCount }
  const liked = !before.likedByMe
  target.likedByMe = liked
  target.likeCount = Math.max(0, before.likeCount + (liked ? 1 : -1))
  let outcome: LikeOutcome
  try {
    outcome = await send(liked)
  } catch (error) {
    outcome = { ok: false, error: error instanceof Error ? error.message : String(error) }
  }
  if (!outcome.ok) {
    target.likedByMe = before.likedByMe
    target.likeCount = before.likeCount
    return outcome.error ?? 'Could not update the like.'
  }
  if (outcome.server) {
    target.likedByMe = outcome.server.likedByMe
    target.likeCount = outcome.server.likeCount
  }
  return null
}
