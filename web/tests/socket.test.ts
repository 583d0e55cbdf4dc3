// The notifications socket: resume by position, reconnect with backoff, token renewal on 4001.
import { describe, expect, it, vi } from 'vitest'
import { backoffDelay, NotificationSocket, type ServerMessage, type WebSocketLike } from '@/lib/socket'

class FakeSocket implements WebSocketLike {
  onopen: WebSocketLike['onopen'] = null
  onmessage: WebSocketLike['onmessage'] = null
  onclose: WebSocketLike['onclose'] = null
  onerror: WebSocketLike['onerror'] = null
  readyState = 1
  sent: string[] = []
  closedWith: number | null = null
  constructor(readonly url: string) {}
  send(data: string) {
    this.sent.push(data)
  }
  close(code?: number) {
    this.closedWith = code ?? 1000
  }
  receive(message: object) {
    this.onmessage?.({ data: JSON.stringify(message) } as MessageEvent)
  }
  drop(code: number) {
    this.readyState = 3
    this.onclose?.({ code } as CloseEvent)
  }
}

function harness(options: { renew?: () => Promise<string | null> } = {}) {
  const sockets: FakeSocket[] = []
  const messages: ServerMessage[] = []
  const timers: { fn: () => void; ms: number }[] = []
  const onReconnected = vi.fn()
  const onAuthFailed = vi.fn()
  const socket = new NotificationSocket(
    {
      baseUrl: 'ws://app.test',
      getToken: async () => 'tok-1',
      renewToken: options.renew ?? (async () => 'tok-2'),
      createSocket: (url) => {
        const fake = new FakeSocket(url)
        sockets.push(fake)
        return fake
      },
      setTimer: (fn, ms) => {
        timers.push({ fn, ms })
        return timers.length
      },
      clearTimer: () => undefined,
      random: () => 0.5, // no jitter
    },
    { onMessage: (message) => messages.push(message), onReconnected, onAuthFailed },
  )
  return { socket, sockets, messages, timers, onReconnected, onAuthFailed }
}

const hello = (position: number, unreadCount = 0) => ({ type: 'hello', position, unreadCount, heartbeatSeconds: 30 })
const group = (id: string, position: number) => ({
  type: 'notification',
  position,
  unreadCount: 1,
  group: { id, kind: 'like', position, postId: '1', post: { id: '1', excerpt: 'hi' }, actorCount: 1, actors: [], latestAt: '2026-01-01T00:00:00Z', read: false },
})

/** The reconnect timer (not the heartbeat's): the last one scheduled after a drop. */
function lastTimer(timers: { fn: () => void; ms: number }[]) {
  return timers[timers.length - 1]!
}

describe('backoffDelay', () => {
  it('doubles from the base and stops at the cap', () => {
    const delays = [0, 1, 2, 3, 4, 5, 6].map((attempt) => backoffDelay(attempt, 1_000, 30_000, () => 0.5))
    expect(delays).toEqual([1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000])
  })

  it('jitters within ±25 %', () => {
    expect(backoffDelay(2, 1_000, 30_000, () => 0)).toBe(3_000)
    expect(backoffDelay(2, 1_000, 30_000, () => 1)).toBe(5_000)
  })
})

describe('NotificationSocket', () => {
  it('connects with the access token and no position the first time', async () => {
    const { socket, sockets } = harness()
    socket.start()
    await vi.waitFor(() => expect(sockets).toHaveLength(1))
    expect(sockets[0]!.url).toBe('ws://app.test/ws/notifications/?access_token=tok-1')
  })

  it('remembers the last position and resumes from it after a drop', async () => {
    const { socket, sockets, timers, messages } = harness()
    socket.start()
    await vi.waitFor(() => expect(sockets).toHaveLength(1))
    sockets[0]!.receive(hello(5))
    sockets[0]!.receive(group('10', 6))
    sockets[0]!.receive(group('11', 7))
    expect(socket.lastPosition).toBe(7)
    sockets[0]!.drop(1006)
    lastTimer(timers).fn()
    await vi.waitFor(() => expect(sockets).toHaveLength(2))
    expect(sockets[1]!.url).toBe('ws://app.test/ws/notifications/?access_token=tok-1&since=7')
    expect(messages.map((message) => message.type)).toEqual(['hello', 'notification', 'notification'])
  })

  it('backs off exponentially while the server stays away, and starts afresh after a good connection', async () => {
    const { socket, sockets, timers } = harness()
    socket.start()
    await vi.waitFor(() => expect(sockets).toHaveLength(1))
    const delays: number[] = []
    for (let attempt = 0; attempt < 4; attempt += 1) {
      sockets[sockets.length - 1]!.drop(1006)
      delays.push(lastTimer(timers).ms)
      lastTimer(timers).fn()
      await vi.waitFor(() => expect(sockets).toHaveLength(attempt + 2))
    }
    expect(delays).toEqual([1_000, 2_000, 4_000, 8_000])
    sockets[sockets.length - 1]!.receive(hello(0))
    sockets[sockets.length - 1]!.drop(1006)
    expect(lastTimer(timers).ms).toBe(1_000)
  })

  it('tells the page it reconnected (home.update is not replayed), but not on the first connection', async () => {
    const { socket, sockets, timers, onReconnected } = harness()
    socket.start()
    await vi.waitFor(() => expect(sockets).toHaveLength(1))
    sockets[0]!.receive(hello(1))
    expect(onReconnected).not.toHaveBeenCalled()
    sockets[0]!.drop(1006)
    lastTimer(timers).fn()
    await vi.waitFor(() => expect(sockets).toHaveLength(2))
    sockets[1]!.receive(hello(1))
    expect(onReconnected).toHaveBeenCalledTimes(1)
  })

  it('renews the token and reconnects at once when the server says it expired (4001)', async () => {
    const renew = vi.fn(async () => 'tok-2')
    const { socket, sockets, timers } = harness({ renew })
    socket.start()
    await vi.waitFor(() => expect(sockets).toHaveLength(1))
    sockets[0]!.receive(hello(3))
    sockets[0]!.drop(4001)
    expect(lastTimer(timers).ms).toBe(0)
    lastTimer(timers).fn()
    await vi.waitFor(() => expect(sockets).toHaveLength(2))
    expect(renew).toHaveBeenCalledTimes(1)
    expect(sockets[1]!.url).toBe('ws://app.test/ws/notifications/?access_token=tok-2&since=3')
  })

  it('gives up and reports it when the token cannot be renewed (the login is over)', async () => {
    const { socket, sockets, timers, onAuthFailed } = harness({ renew: async () => null })
    socket.start()
    await vi.waitFor(() => expect(sockets).toHaveLength(1))
    sockets[0]!.drop(4403)
    lastTimer(timers).fn()
    await vi.waitFor(() => expect(onAuthFailed).toHaveBeenCalled())
    expect(sockets).toHaveLength(1)
  })

  it('takes the server position after a resync', async () => {
    const { socket, sockets } = harness()
    socket.start()
    await vi.waitFor(() => expect(sockets).toHaveLength(1))
    sockets[0]!.receive(hello(2))
    sockets[0]!.receive({ type: 'resync', position: 40 })
    expect(socket.lastPosition).toBe(40)
  })

  it('pings at the heartbeat interval', async () => {
    const { socket, sockets, timers } = harness()
    socket.start()
    await vi.waitFor(() => expect(sockets).toHaveLength(1))
    sockets[0]!.receive(hello(0))
    const ping = timers.find((timer) => timer.ms === 30_000)!
    ping.fn()
    expect(sockets[0]!.sent).toEqual(['{"type":"ping"}'])
  })

  it('does not reconnect after stop()', async () => {
    const { socket, sockets, timers } = harness()
    socket.start()
    await vi.waitFor(() => expect(sockets).toHaveLength(1))
    const before = timers.length
    socket.stop()
    expect(sockets[0]!.closedWith).toBe(1000)
    expect(timers.length).toBe(before)
  })
})
