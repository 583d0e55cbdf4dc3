// The login's tokens and their renewal (ADR 0004): the access token lives 10 minutes, the refresh token
// is single-use and a reused one revokes the whole login. So renewal is single-flight, cross-tab safe
// (a tab that finds the stored pair already rotated by another tab adopts it instead of spending the
// spent token again), and any failed renewal ends the session.

export interface TokenPair {
  accessToken: string
  refreshToken: string
  /** Epoch milliseconds. */
  accessExpiresAt: number
  refreshExpiresAt: number
}

export interface TokenStorage {
  load(): TokenPair | null
  save(pair: TokenPair | null): void
}

/** Spends `refreshToken` for a new pair, or says why not (the login is then over). */
export type RefreshFn = (refreshToken: string) => Promise<TokenPair | { error: string }>

/** Runs `task` while holding a lock shared by the browser's tabs (navigator.locks), or directly. */
export type LockFn = <T>(task: () => Promise<T>) => Promise<T>

export interface TokenManagerOptions {
  storage: TokenStorage
  refresh: RefreshFn
  now?: () => number
  lock?: LockFn
  /** Renew this long before the access token expires. */
  renewAheadMs?: number
  setTimer?: (fn: () => void, ms: number) => unknown
  clearTimer?: (handle: unknown) => void
}

export type SessionListener = (pair: TokenPair | null, reason?: string) => void

export const DEFAULT_RENEW_AHEAD_MS = 60_000

export class TokenManager {
  private pair: TokenPair | null
  private inflight: Promise<TokenPair | null> | null = null
  private timer: unknown = null
  private readonly listeners = new Set<SessionListener>()
  private readonly now: () => number
  private readonly lock: LockFn
  private readonly renewAheadMs: number
  private readonly setTimer: (fn: () => void, ms: number) => unknown
  private readonly clearTimer: (handle: unknown) => void

  constructor(private readonly options: TokenManagerOptions) {
    this.now = options.now ?? Date.now
    this.lock = options.lock ?? ((task) => task())
    this.renewAheadMs = options.renewAheadMs ?? DEFAULT_RENEW_AHEAD_MS
    this.setTimer = options.setTimer ?? ((fn, ms) => setTimeout(fn, ms))
    this.clearTimer = options.clearTimer ?? ((handle) => clearTimeout(handle as ReturnType<typeof setTimeout>))
    this.pair = options.storage.load()
    if (this.pair && this.pair.refreshExpiresAt <= this.now()) this.pair = null
    this.schedule()
  }

  get current(): TokenPair | null {
    return this.pair
  }

  get accessToken(): string | null {
    return this.pair?.accessToken ?? null
  }

  onChange(listener: SessionListener): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  /** A fresh login (sign-up or log-in). */
  setPair(pair: TokenPair): void {
    this.pair = pair
    this.options.storage.save(pair)
    this.schedule()
    this.emit()
  }

  /** Forget the login (log-out, or a failed renewal). */
  clear(reason?: string): void {
    this.pair = null
    this.options.storage.save(null)
    this.schedule()
    this.emit(reason)
  }

  /** Another tab changed the stored pair: follow it. */
  adoptStored(): void {
    const stored = this.options.storage.load()
    if (stored?.accessToken === this.pair?.accessToken) return
    this.pair = stored
    this.schedule()
    this.emit()
  }

  needsRenewal(): boolean {
    return this.pair !== null && this.pair.accessExpiresAt - this.renewAheadMs <= this.now()
  }

  /** An access token good for at least `renewAheadMs`, renewing first if needed; null when logged out. */
  async freshAccessToken(): Promise<string | null> {
    if (!this.pair) return null
    if (!this.needsRenewal()) return this.pair.accessToken
    const pair = await this.renew()
    return pair?.accessToken ?? null
  }

  /** Renew now (single-flight: concurrent callers share one refresh). */
  renew(): Promise<TokenPair | null> {
    if (!this.inflight) {
      this.inflight = this.lock(() => this.renewHoldingLock()).finally(() => {
        this.inflight = null
      })
    }
    return this.inflight
  }

  private async renewHoldingLock(): Promise<TokenPair | null> {
    const spent = this.pair
    if (!spent) return null
    // Another tab may have rotated the pair while we waited for the lock: spending ours again would
    // be a reuse, which revokes the login.
    const stored = this.options.storage.load()
    if (stored && stored.refreshToken !== spent.refreshToken && stored.accessExpiresAt - this.renewAheadMs > this.now()) {
      this.pair = stored
      this.schedule()
      this.emit()
      return stored
    }
    let result: TokenPair | { error: string }
    try {
      result = await this.options.refresh(spent.refreshToken)
    } catch {
      // The network failed: the refresh token may not have been spent; keep it and retry soon.
      this.scheduleIn(5_000)
      return this.pair
    }
    if ('error' in result) {
      this.clear(result.error)
      return null
    }
    this.setPair(result)
    return result
  }

  private schedule(): void {
    if (!this.pair) {
      this.cancelTimer()
      return
    }
    this.scheduleIn(Math.max(0, this.pair.accessExpiresAt - this.renewAheadMs - this.now()))
  }

  private scheduleIn(ms: number): void {
    this.cancelTimer()
    if (!this.pair) return
    this.timer = this.setTimer(() => {
      this.timer = null
      void this.renew()
    }, ms)
  }

  private cancelTimer(): void {
    if (this.timer !== null) this.clearTimer(this.timer)
    this.timer = null
  }

  private emit(reason?: string): void {
    for (const listener of this.listeners) listener(this.pair, reason)
  }
}

export const STORAGE_KEY = 'socialapp.tokens'

export function localTokenStorage(storage: Storage = window.localStorage): TokenStorage {
  return {
    load() {
      try {
        const raw = storage.getItem(STORAGE_KEY)
        if (!raw) return null
        const value = JSON.parse(raw) as Partial<TokenPair>
        if (
          typeof value.accessToken !== 'string' ||
          typeof value.refreshToken !== 'string' ||
          typeof value.accessExpiresAt !== 'number' ||
          typeof value.refreshExpiresAt !== 'number'
        )
          return null
        return value as TokenPair
      } catch {
        return null
      }
    },
    save(pair) {
      if (pair) storage.setItem(STORAGE_KEY, JSON.stringify(pair))
      else storage.removeItem(STORAGE_KEY)
    },
  }
}

/** navigator.locks where the browser has it (every current one), else no cross-tab lock. */
export function browserLock(name = 'socialapp.refresh'): LockFn {
  return <T>(task: () => Promise<T>) =>
    typeof navigator !== 'undefined' && navigator.locks
      ? (navigator.locks.request(name, task) as Promise<T>)
      : task()
}

/** The API's token payload as a stored pair. */
export function pairFromApi(tokens: {
  accessToken: string
  refreshToken: string
  accessTokenExpiresAt: string
  refreshTokenExpiresAt: string
}): TokenPair {
  return {
    accessToken: tokens.accessToken,
    refreshToken: tokens.refreshToken,
    accessExpiresAt: Date.parse(tokens.accessTokenExpiresAt),
    refreshExpiresAt: Date.parse(tokens.refreshTokenExpiresAt),
  }
}
