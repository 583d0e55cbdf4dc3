// A cursor-paginated list that grows page by page (infinite scroll): each `loadMore` asks for the
// page after the last `endCursor`, and items already shown are not repeated.
import { ref, shallowRef, type Ref } from 'vue'
import type { ShownError } from './errors'

export interface Page<T> {
  items: T[]
  hasNextPage: boolean
  endCursor: string | null
  errors: ShownError[]
}

export interface PagedList<T> {
  items: Ref<T[]>
  loading: Ref<boolean>
  done: Ref<boolean>
  errors: Ref<ShownError[]>
  loaded: Ref<boolean>
  loadMore(): Promise<void>
  reset(): Promise<void>
  prepend(newItems: T[]): void
  remove(predicate: (item: T) => boolean): void
}

export function usePagedList<T extends { id: string }>(
  fetchPage: (after: string | null) => Promise<Page<T>>,
): PagedList<T> {
  const items = ref([]) as Ref<T[]>
  const loading = ref(false)
  const done = ref(false)
  const loaded = ref(false)
  const errors = shallowRef<ShownError[]>([])
  let cursor: string | null = null
  let generation = 0

  async function loadMore(): Promise<void> {
    if (loading.value || done.value) return
    loading.value = true
    const mine = generation
    try {
      const page = await fetchPage(cursor)
      if (mine !== generation) return
      errors.value = page.errors
      if (page.errors.length) return
      const seen = new Set(items.value.map((item) => item.id))
      items.value = [...items.value, ...page.items.filter((item) => !seen.has(item.id))]
      cursor = page.endCursor
      done.value = !page.hasNextPage
      loaded.value = true
    } finally {
      if (mine === generation) loading.value = false
    }
  }

  async function reset(): Promise<void> {
    generation += 1
    items.value = []
    cursor = null
    done.value = false
    loaded.value = false
    loading.value = false
    errors.value = []
    await loadMore()
  }

  function prepend(newItems: T[]): void {
    const fresh = newItems.filter((item) => !items.value.some((shown) => shown.id === item.id))
    items.value = [...fresh, ...items.value]
  }

  function remove(predicate: (item: T) => boolean): void {
    items.value = items.value.filter((item) => !predicate(item))
  }

  return { items, loading, done, errors, loaded, loadMore, reset, prepend, remove }
}
