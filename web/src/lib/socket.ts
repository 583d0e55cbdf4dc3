// The notifications socket (docs/asyncapi/notifications.yaml): connects with the access token,
// remembers the last stream position it saw, and on any drop reconnects by itself with exponential
// backoff and `?since=<position>` so what happened meanwhile is replayed. `home.update` is not
// replayed, so a reconnect tells the home feed to look again (onReconnected).

export interface NotificationActor {
  id: string
  username: string
  displayName: string
  avatarMediaId?: string | null
}

export interface NotificationGroup {
  id: string
  kind: string
  position: number
  postId?: string | null
  post: { id: string; excerpt: string } | null
  actorCount: number
  actors: NotificationActor[]
  latestAt: string
  read: boolean
}

export type ServerMessage =
  | { type: 'hello'; position: number; unreadCount: number; heartbeatSeconds: number }
  | { type: 'notification'; position: number; group: NotificationGroup; unreadCount: number }
  | { type: 'notification.removed'; position: number; groupId: string; unreadCount: number }
  | { type: 'read'; position: number; groupIds: string[] | null; upTo: number | null; unreadCount: number }
  | { type: 'home.update'; postId: string; authorId: string }
  | { type: 'resync'; position: number }
  | { type: 'pong' }
  | { type: 'error'; code: string; message: string }

export interface SocketHandlers {
  onMessage(message: ServerMessage): void
  /** Connected again after a drop (not the first time): re-read what is not replayed. */
  onReconnected?(): void
  /** The token was refused and could not be renewed: the session is over. */
  onAuthFailed?(): void
  onStatus?(status: 'connecting' | 'open' | 'waiting'): void
}

export interface WebSocketLike {
  onopen: ((event: Event) => void) | null
  onmessage: ((event: MessageEvent) => void) | null
  onclose: ((event: CloseEvent) => void) | null
  onerror: ((event: Event) => void) | null
  send(data: string): void
  close(code?: number): void
  readyState: number
}

export interface NotificationSocketOptions {
  /** ws(s)://host — the page's origin by default. */
  baseUrl: string
  /** A fresh access token, or null when logged out. */
  getToken(): Promise<string | null>
  /** Renew the access token after the server refused it; null when the login is over. */
  renewToken(): Promise<string | null>
  createSocket(url: string): WebSocketLike
  setTimer?: (fn: () => void, ms: number) => unknown
  clearTimer?: (handle: unknown) => void
  random?: () => number
  baseDelayMs?: number
  maxDelayMs?: number
}

/** Close codes of the service (x-close-codes). */
export const CLOSE_TOKEN_EXPIRED = 4001
export const CLOSE_TOKEN_INVALID = 4401
export const CLOSE_TOKEN_REVOKED = 4403

/** Delay before reconnect attempt `attempt` (0-based): doubling from base, capped, with ±25 % jitter. */
export function backoffDelay(attempt: number, baseMs: number, maxMs: number, random: () => number): number {
  const raw = Math.min(maxMs, baseMs * 2 ** Math.min(attempt, 16))
  return Math.round(raw * (0.75 + random() * 0.5))
}

export class NotificationSocket {
  private socket: WebSocketLike | null = null
  private position: number | null = null
  private attempt = 0
  private reconnectTimer: unknown = null
  private pingTimer: unknown = null
  private stopped = true
  private everOpened = false
  private readonly setTimer: (fn: () => void, ms: number) => unknown
  private readonly clearTimer: (handle: unknown) => void
  private readonly random: () => number

  constructor(
    private readonly options: NotificationSocketOptions,
    private readonly handlers: SocketHandlers,
  ) {
    this.setTimer = options.setTimer ?? ((fn, ms) => setTimeout(fn, ms))
    this.clearTimer = options.clearTimer ?? ((handle) => clearTimeout(handle as ReturnType<typeof setTimeout>))
    this.random = options.random ?? Math.random
  }

  /** The last stream position seen (what a reconnect resumes from). */
  get lastPosition(): number | null {
    return this.position
  }

  /** Resume from this position (e.g. the list's `streamPosition` just read over GraphQL). */
  setPosition(position: number): void {
    if (this.position === null || position > this.position) this.position = position
  }

  start(): void {
    if (!this.stopped) return
    this.stopped = false
    this.attempt = 0
    this.everOpened = false
    void this.connect()
  }

  stop(): void {
    this.stopped = true
    this.position = null
    if (this.reconnectTimer !== null) this.clearTimer(this.reconnectTimer)
    this.reconnectTimer = null
    this.stopPing()
    const socket = this.socket
    this.socket = null
    if (socket) {
      socket.onclose = null
      socket.close(1000)
    }
  }

  /** Reconnect now (the page came back online or to the foreground). */
  reconnectNow(): void {
    if (this.stopped || this.socket) return
    if (this.reconnectTimer !== null) this.clearTimer(this.reconnectTimer)
    this.reconnectTimer = null
    void this.connect()
  }

  urlFor(token: string): string {
    const query = new URLSearchParams({ access_token: token })
    if (this.position !== null) query.set('since', String(this.position))
    return `${this.options.baseUrl}/ws/notifications/?${query.toString()}`
  }

  private async connect(renewFirst = false): Promise<void> {
    if (this.stopped) return
    this.handlers.onStatus?.('connecting')
    const token = renewFirst ? await this.options.renewToken() : await this.options.getToken()
    if (this.stopped) return
    if (!token) {
      this.stopped = true
      this.handlers.onAuthFailed?.()
      return
    }
    const socket = this.options.createSocket(this.urlFor(token))
    this.socket = socket
    socket.onmessage = (event) => this.receive(event.data)
    socket.onclose = (event) => this.closed(socket, event.code)
    socket.onerror = () => undefined // onclose follows and decides
  }

  private receive(data: unknown): void {
    if (typeof data !== 'string') return
    let message: ServerMessage
    try {
      message = JSON.parse(data) as ServerMessage
    } catch {
      return
    }
    if (message.type === 'hello') {
      // Authenticated: the connection counts as good, so the next drop starts backing off afresh.
      this.attempt = 0
      if (this.position === null) this.position = message.position
      this.startPing(message.heartbeatSeconds)
      this.handlers.onStatus?.('open')
      const reconnected = this.everOpened
      this.everOpened = true
      this.handlers.onMessage(message)
      if (reconnected) this.handlers.onReconnected?.()
      return
    }
    if ('position' in message && typeof message.position === 'number') {
      if (message.type === 'resync') this.position = message.position
      else this.setPosition(message.position)
    }
    this.handlers.onMessage(message)
  }

  private closed(socket: WebSocketLike, code: number): void {
    if (socket !== this.socket) return
    this.socket = null
    this.stopPing()
    if (this.stopped) return
    this.handlers.onStatus?.('waiting')
    const tokenProblem = code === CLOSE_TOKEN_EXPIRED || code === CLOSE_TOKEN_INVALID || code === CLOSE_TOKEN_REVOKED
    const delay = backoffDelay(this.attempt, this.options.baseDelayMs ?? 1_000, this.options.maxDelayMs ?? 30_000, this.random)
    this.attempt += 1
    // An expired token is renewed and retried at once; other drops wait their backoff.
    const wait = code === CLOSE_TOKEN_EXPIRED && this.attempt === 1 ? 0 : delay
    this.reconnectTimer = this.setTimer(() => {
      this.reconnectTimer = null
      void this.connect(tokenProblem)
    }, wait)
  }

  private startPing(heartbeatSeconds: number): void {
    this.stopPing()
    const everyMs = Math.max(5, heartbeatSeconds || 30) * 1000
    const tick = () => {
      this.pingTimer = this.setTimer(() => {
        if (this.socket && this.socket.readyState === 1) this.socket.send(JSON.stringify({ type: 'ping' }))
        tick()
      }, everyMs)
    }
    tick()
  }

  private stopPing(): void {
    if (this.pingTimer !== null) this.clearTimer(this.pingTimer)
    this.pingTimer = null
  }
}
