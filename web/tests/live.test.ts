// How socket messages change what the app shows: unread count, groups, pending new posts.
import { createPinia, setActivePinia } from 'pinia'
import { beforeEach, describe, expect, it } from 'vitest'
import type { NotificationGroup } from '@/lib/socket'
import { useLiveStore } from '@/stores/live'

const group = (id: string, position: number, read = false): NotificationGroup => ({
  id,
  kind: 'like',
  position,
  post: { id: '9', excerpt: 'hi' },
  actorCount: 1,
  actors: [{ id: 'u', username: 'ana', displayName: 'Ana' }],
  latestAt: '2026-01-01T00:00:00Z',
  read,
})

describe('live store', () => {
  beforeEach(() => setActivePinia(createPinia()))

  it('takes the unread count from hello and every change', () => {
    const live = useLiveStore()
    live.apply({ type: 'hello', position: 3, unreadCount: 2, heartbeatSeconds: 30 })
    expect(live.unreadCount).toBe(2)
    live.apply({ type: 'notification', position: 4, group: group('1', 4), unreadCount: 3 })
    expect(live.unreadCount).toBe(3)
  })

  it('puts a changed group on top, once', () => {
    const live = useLiveStore()
    live.setList([group('1', 1), group('2', 2)], 2, 2)
    live.apply({ type: 'notification', position: 3, group: { ...group('1', 3), actorCount: 2 }, unreadCount: 2 })
    expect(live.groups.map((item) => [item.id, item.actorCount])).toEqual([
      ['1', 2],
      ['2', 1],
    ])
  })

  it('removes a group that is gone', () => {
    const live = useLiveStore()
    live.setList([group('1', 1), group('2', 2)], 2, 2)
    live.apply({ type: 'notification.removed', position: 3, groupId: '1', unreadCount: 1 })
    expect(live.groups.map((item) => item.id)).toEqual(['2'])
    expect(live.unreadCount).toBe(1)
  })

  it('marks read the named groups, or everything up to a position', () => {
    const live = useLiveStore()
    live.setList([group('3', 7), group('2', 5), group('1', 2)], 3, 7)
    live.apply({ type: 'read', position: 8, groupIds: ['2'], upTo: null, unreadCount: 2 })
    expect(live.groups.map((item) => item.read)).toEqual([false, true, false])
    live.apply({ type: 'read', position: 9, groupIds: null, upTo: 6, unreadCount: 1 })
    expect(live.groups.map((item) => item.read)).toEqual([false, true, true])
  })

  it('collects new posts for the banner, each once, and hands them over', () => {
    const live = useLiveStore()
    live.apply({ type: 'home.update', postId: '10', authorId: 'a' })
    live.apply({ type: 'home.update', postId: '11', authorId: 'a' })
    live.apply({ type: 'home.update', postId: '10', authorId: 'a' })
    expect(live.pendingPostIds).toEqual(['10', '11'])
    live.dropPending(['11'])
    expect(live.takePending()).toEqual(['10'])
    expect(live.pendingPostIds).toEqual([])
  })

  it('asks the page to re-read the list on resync', () => {
    const live = useLiveStore()
    const before = live.listStale
    live.apply({ type: 'resync', position: 50 })
    expect(live.listStale).toBe(before + 1)
  })
})
