// Token renewal: ahead of expiry, single-flight, cross-tab safe, and a refused refresh ends the session.
import { describe, expect, it, vi } from 'vitest'
import { TokenManager, type RefreshFn, type TokenPair, type TokenStorage } from '@/lib/tokens'

const MINUTE = 60_000

function pair(n: number, now: number): TokenPair {
  return { accessToken: `access-${n}`, refreshToken: `refresh-${n}`, accessExpiresAt: now + 10 * MINUTE, refreshExpiresAt: now + 60 * MINUTE }
}

function memoryStorage(initial: TokenPair | null = null): TokenStorage & { value: TokenPair | null } {
  return {
    value: initial,
    load() {
      return this.value
    },
    save(next) {
      this.value = next
    },
  }
}

/** Timers the test fires by hand: nothing runs on the wall clock. */
function manualTimers() {
  const pending = new Map<number, { fn: () => void; ms: number }>()
  let id = 0
  return {
    pending,
    setTimer: (fn: () => void, ms: number) => {
      pending.set(++id, { fn, ms })
      return id
    },
    clearTimer: (handle: unknown) => {
      pending.delete(handle as number)
    },
    fireAll() {
      const due = [...pending.values()]
      pending.clear()
      for (const timer of due) timer.fn()
    },
  }
}

describe('TokenManager', () => {
  it('schedules renewal one minute before the access token expires', () => {
    const now = 1_000_000
    const timers = manualTimers()
    new TokenManager({ storage: memoryStorage(pair(1, now)), refresh: vi.fn(), now: () => now, ...timers })
    expect([...timers.pending.values()].map((timer) => timer.ms)).toEqual([9 * MINUTE])
  })

  it('returns the stored token while it is fresh, without refreshing', async () => {
    const now = 1_000_000
    const refresh = vi.fn<RefreshFn>()
    const manager = new TokenManager({ storage: memoryStorage(pair(1, now)), refresh, now: () => now, ...manualTimers() })
    expect(await manager.freshAccessToken()).toBe('access-1')
    expect(refresh).not.toHaveBeenCalled()
  })

  it('renews a token about to expire, once for concurrent callers, and stores the new pair', async () => {
    let now = 1_000_000
    const storage = memoryStorage(pair(1, now))
    const refresh = vi.fn<RefreshFn>(async () => pair(2, now))
    const manager = new TokenManager({ storage, refresh, now: () => now, ...manualTimers() })
    now += 9.5 * MINUTE
    const tokens = await Promise.all([manager.freshAccessToken(), manager.freshAccessToken(), manager.freshAccessToken()])
    expect(tokens).toEqual(['access-2', 'access-2', 'access-2'])
    expect(refresh).toHaveBeenCalledTimes(1)
    expect(refresh).toHaveBeenCalledWith('refresh-1')
    expect(storage.value?.refreshToken).toBe('refresh-2')
  })

  it('renews when the scheduled timer fires', async () => {
    const now = 1_000_000
    const timers = manualTimers()
    const refresh = vi.fn<RefreshFn>(async () => pair(2, now))
    const manager = new TokenManager({ storage: memoryStorage(pair(1, now)), refresh, now: () => now, ...timers })
    timers.fireAll()
    await vi.waitFor(() => expect(manager.accessToken).toBe('access-2'))
  })

  it('ends the session when the refresh is refused (a reused or revoked token)', async () => {
    let now = 1_000_000
    const storage = memoryStorage(pair(1, now))
    const manager = new TokenManager({ storage, refresh: async () => ({ error: 'token_reused' }), now: () => now, ...manualTimers() })
    const changes: (string | undefined)[] = []
    manager.onChange((current, reason) => changes.push(current ? 'pair' : `cleared:${reason}`))
    now += 10 * MINUTE
    expect(await manager.freshAccessToken()).toBeNull()
    expect(manager.current).toBeNull()
    expect(storage.value).toBeNull()
    expect(changes).toEqual(['cleared:token_reused'])
  })

  it('keeps the session and retries when the network fails during a refresh', async () => {
    let now = 1_000_000
    const timers = manualTimers()
    const manager = new TokenManager({
      storage: memoryStorage(pair(1, now)),
      refresh: async () => {
        throw new TypeError('Failed to fetch')
      },
      now: () => now,
      ...timers,
    })
    now += 9.5 * MINUTE
    await manager.renew()
    expect(manager.current?.refreshToken).toBe('refresh-1')
    expect([...timers.pending.values()].map((timer) => timer.ms)).toEqual([5_000])
  })

  it('adopts a pair another tab already rotated instead of spending the old refresh token again', async () => {
    let now = 1_000_000
    const storage = memoryStorage(pair(1, now))
    const refresh = vi.fn<RefreshFn>()
    const manager = new TokenManager({ storage, refresh, now: () => now, ...manualTimers() })
    now += 9.5 * MINUTE
    storage.value = pair(7, now) // the other tab renewed meanwhile
    expect(await manager.freshAccessToken()).toBe('access-7')
    expect(refresh).not.toHaveBeenCalled()
  })

  it('runs the refresh inside the cross-tab lock', async () => {
    let now = 1_000_000
    const order: string[] = []
    const manager = new TokenManager({
      storage: memoryStorage(pair(1, now)),
      refresh: async () => {
        order.push('refresh')
        return pair(2, now)
      },
      lock: async (task) => {
        order.push('lock')
        const result = await task()
        order.push('unlock')
        return result
      },
      now: () => now,
      ...manualTimers(),
    })
    now += 9.5 * MINUTE
    await manager.freshAccessToken()
    expect(order).toEqual(['lock', 'refresh', 'unlock'])
  })

  it('forgets a stored login whose refresh token has expired', () => {
    const now = 1_000_000
    const stale = { ...pair(1, now - 2 * 60 * MINUTE), refreshExpiresAt: now - 1 }
    const manager = new TokenManager({ storage: memoryStorage(stale), refresh: vi.fn(), now: () => now, ...manualTimers() })
    expect(manager.current).toBeNull()
  })
})
