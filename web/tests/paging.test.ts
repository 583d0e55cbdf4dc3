import { describe, expect, it, vi } from 'vitest'
import { usePagedList, type Page } from '@/lib/paging'

const page = (ids: string[], endCursor: string | null, hasNextPage = endCursor !== null): Page<{ id: string }> => ({
  items: ids.map((id) => ({ id })),
  endCursor,
  hasNextPage,
  errors: [],
})

describe('usePagedList (infinite scroll)', () => {
  it('asks for each page after the previous endCursor and stops at the last', async () => {
    const fetchPage = vi
      .fn()
      .mockResolvedValueOnce(page(['5', '4'], 'c1'))
      .mockResolvedValueOnce(page(['3', '2'], 'c2'))
      .mockResolvedValueOnce(page(['1'], null))
    const list = usePagedList(fetchPage)
    await list.loadMore()
    await list.loadMore()
    await list.loadMore()
    await list.loadMore() // done: no fourth request
    expect(fetchPage.mock.calls.map((call) => call[0])).toEqual([null, 'c1', 'c2'])
    expect(list.items.value.map((item) => item.id)).toEqual(['5', '4', '3', '2', '1'])
    expect(list.done.value).toBe(true)
  })

  it('does not repeat a post that moved onto the next page (a new post pushed it down)', async () => {
    const fetchPage = vi.fn().mockResolvedValueOnce(page(['5', '4'], 'c1')).mockResolvedValueOnce(page(['4', '3'], null))
    const list = usePagedList(fetchPage)
    await list.loadMore()
    await list.loadMore()
    expect(list.items.value.map((item) => item.id)).toEqual(['5', '4', '3'])
  })

  it('runs one request at a time', async () => {
    let resolve: (value: Page<{ id: string }>) => void = () => undefined
    const fetchPage = vi.fn(() => new Promise<Page<{ id: string }>>((done) => (resolve = done)))
    const list = usePagedList(fetchPage)
    const first = list.loadMore()
    void list.loadMore()
    resolve(page(['1'], null))
    await first
    expect(fetchPage).toHaveBeenCalledTimes(1)
  })

  it('keeps what it has and shows the error when a page fails', async () => {
    const fetchPage = vi
      .fn()
      .mockResolvedValueOnce(page(['2'], 'c1'))
      .mockResolvedValueOnce({ items: [], endCursor: null, hasNextPage: false, errors: [{ code: 'network_error', field: null, message: 'offline' }] })
      .mockResolvedValueOnce(page(['1'], null))
    const list = usePagedList(fetchPage)
    await list.loadMore()
    await list.loadMore()
    expect(list.errors.value[0]!.code).toBe('network_error')
    expect(list.done.value).toBe(false)
    await list.loadMore() // retry from the same cursor
    expect(fetchPage.mock.calls.map((call) => call[0])).toEqual([null, 'c1', 'c1'])
    expect(list.items.value.map((item) => item.id)).toEqual(['2', '1'])
  })

  it('prepends new posts once', async () => {
    const list = usePagedList(vi.fn().mockResolvedValue(page(['2', '1'], null)))
    await list.loadMore()
    list.prepend([{ id: '3' }, { id: '2' }])
    expect(list.items.value.map((item) => item.id)).toEqual(['3', '2', '1'])
  })
})
