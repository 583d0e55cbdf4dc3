import { describe, expect, it } from 'vitest'
import { toggleLikeOptimistically } from '@/lib/optimistic'

describe('toggleLikeOptimistically', () => {
  it('shows the like before the server answers, then keeps the server figures', async () => {
    const post = { likedByMe: false, likeCount: 4 }
    let seenDuringCall: { likedByMe: boolean | null; likeCount: number } | null = null
    const error = await toggleLikeOptimistically(post, async (liked) => {
      seenDuringCall = { ...post }
      expect(liked).toBe(true)
      return { ok: true, server: { likedByMe: true, likeCount: 9 } }
    })
    expect(error).toBeNull()
    expect(seenDuringCall).toEqual({ likedByMe: true, likeCount: 5 })
    expect(post).toEqual({ likedByMe: true, likeCount: 9 })
  })

  it('rolls back when the server refuses', async () => {
    const post = { likedByMe: true, likeCount: 3 }
    const error = await toggleLikeOptimistically(post, async (liked) => {
      expect(liked).toBe(false)
      expect(post).toEqual({ likedByMe: false, likeCount: 2 })
      return { ok: false, error: 'There is no such post.' }
    })
    expect(error).toBe('There is no such post.')
    expect(post).toEqual({ likedByMe: true, likeCount: 3 })
  })

  it('rolls back when the request throws (network down)', async () => {
    const post = { likedByMe: false, likeCount: 0 }
    const error = await toggleLikeOptimistically(post, async () => {
      throw new Error('Failed to fetch')
    })
    expect(error).toBe('Failed to fetch')
    expect(post).toEqual({ likedByMe: false, likeCount: 0 })
  })

  it('never shows a negative count', async () => {
    const post = { likedByMe: true, likeCount: 0 }
    await toggleLikeOptimistically(post, async () => {
      expect(post.likeCount).toBe(0)
      return { ok: true }
    })
  })
})
