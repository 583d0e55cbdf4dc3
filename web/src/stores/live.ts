// What arrives over the notifications socket: the unread count, the grouped notifications, and the
// new posts of followed accounts waiting behind the home feed's "Show N new posts" banner.
import { defineStore } from 'pinia'
import { ref } from 'vue'
import { NotificationSocket, type NotificationGroup, type ServerMessage } from '@/lib/socket'
import { useSessionStore } from './session'

export const useLiveStore = defineStore('live', () => {
  const unreadCount = ref(0)
  const status = ref<'idle' | 'connecting' | 'open' | 'waiting'>('idle')
  /** Latest activity first; filled by the notifications page and kept current by the socket. */
  const groups = ref<NotificationGroup[]>([])
  /** Set when the socket could not replay (resync): the page re-reads the list. */
  const listStale = ref(0)
  /** Ids of new posts announced by `home.update` that the home feed does not show yet. */
  const pendingPostIds = ref<string[]>([])
  /** Bumped on reconnect: the home feed looks for posts it missed (home.update is not replayed). */
  const reconnects = ref(0)
  let socket: NotificationSocket | null = null

  function apply(message: ServerMessage): void {
    switch (message.type) {
      case 'hello':
        unreadCount.value = message.unreadCount
        break
      case 'notification': {
        unreadCount.value = message.unreadCount
        const rest = groups.value.filter((group) => group.id !== message.group.id)
        groups.value = [message.group, ...rest]
        break
      }
      case 'notification.removed':
        unreadCount.value = message.unreadCount
        groups.value = groups.value.filter((group) => group.id !== message.groupId)
        break
      case 'read': {
        unreadCount.value = message.unreadCount
        const ids = message.groupIds ? new Set(message.groupIds) : null
        groups.value = groups.value.map((group) =>
          (ids ? ids.has(group.id) : message.upTo === null || group.position <= message.upTo)
            ? { ...group, read: true }
            : group,
        )
        break
      }
      case 'home.update':
        if (!pendingPostIds.value.includes(message.postId)) pendingPostIds.value = [...pendingPostIds.value, message.postId]
        break
      case 'resync':
        listStale.value += 1
        break
      default:
        break
    }
  }

  function connect(): void {
    if (socket) return
    const session = useSessionStore()
    const tokens = session.tokens()
    const origin = window.location.origin.replace(/^http/, 'ws')
    socket = new NotificationSocket(
      {
        baseUrl: origin,
        getToken: () => tokens.freshAccessToken(),
        renewToken: async () => (await tokens.renew())?.accessToken ?? null,
        createSocket: (url) => new WebSocket(url),
      },
      {
        onMessage: apply,
        onReconnected: () => {
          reconnects.value += 1
          listStale.value += 1
        },
        onAuthFailed: () => disconnect(),
        onStatus: (value) => {
          status.value = value
        },
      },
    )
    socket.start()
    window.addEventListener('online', reconnectNow)
  }

  function reconnectNow(): void {
    socket?.reconnectNow()
  }

  function disconnect(): void {
    socket?.stop()
    socket = null
    window.removeEventListener('online', reconnectNow)
    status.value = 'idle'
    unreadCount.value = 0
    groups.value = []
    pendingPostIds.value = []
  }

  /** The notifications list was re-read over GraphQL: show it and resume the socket from there. */
  function setList(list: NotificationGroup[], unread: number, streamPosition: number): void {
    groups.value = list
    unreadCount.value = unread
    socket?.setPosition(streamPosition)
  }

  function takePending(): string[] {
    const ids = pendingPostIds.value
    pendingPostIds.value = []
    return ids
  }

  function dropPending(ids: Iterable<string>): void {
    const known = new Set(ids)
    pendingPostIds.value = pendingPostIds.value.filter((id) => !known.has(id))
  }

  return {
    unreadCount,
    status,
    groups,
    listStale,
    pendingPostIds,
    reconnects,
    apply,
    connect,
    disconnect,
    setList,
    takePending,
    dropPending,
  }
})
