// Who is logged in: the token pair (persisted, renewed ahead of expiry) and the viewer's account.
import { defineStore } from 'pinia'
import { computed, ref, shallowRef } from 'vue'
import type { Client } from '@urql/core'
import { LoginMutation, LogoutMutation, MeQuery, RefreshTokenMutation, RegisterMutation } from '@/api/auth'
import { ANONYMOUS } from '@/lib/client'
import { fromCombinedError, mutationErrors, type ShownError } from '@/lib/errors'
import {
  TokenManager,
  browserLock,
  localTokenStorage,
  pairFromApi,
  STORAGE_KEY,
  type TokenPair,
} from '@/lib/tokens'

export interface Viewer {
  id: string
  username: string
}

const VIEWER_KEY = 'socialapp.viewer'

function loadViewer(): Viewer | null {
  try {
    const raw = localStorage.getItem(VIEWER_KEY)
    return raw ? (JSON.parse(raw) as Viewer) : null
  } catch {
    return null
  }
}

export const useSessionStore = defineStore('session', () => {
  const viewer = ref<Viewer | null>(null)
  const loggedIn = ref(false)
  /** Set when the session ended by itself (a failed renewal), shown on the login page. */
  const endedReason = ref<string | null>(null)
  const client = shallowRef<Client | null>(null)
  let manager: TokenManager | null = null

  function init(apiClient: Client, tokenManager: TokenManager): void {
    client.value = apiClient
    manager = tokenManager
    loggedIn.value = tokenManager.current !== null
    viewer.value = loggedIn.value ? loadViewer() : null
    tokenManager.onChange((pair, reason) => {
      loggedIn.value = pair !== null
      if (!pair) {
        viewer.value = null
        localStorage.removeItem(VIEWER_KEY)
        if (reason) endedReason.value = 'Your session has ended. Please log in again.'
      }
    })
    // Another tab logged in, out, or renewed: follow it rather than spend a rotated refresh token.
    window.addEventListener('storage', (event) => {
      if (event.key === STORAGE_KEY) tokenManager.adoptStored()
      if (event.key === VIEWER_KEY) viewer.value = loadViewer()
    })
    // Timers sleep in background tabs: check on return.
    document.addEventListener('visibilitychange', () => {
      if (document.visibilityState === 'visible' && tokenManager.needsRenewal()) void tokenManager.renew()
    })
  }

  function api(): Client {
    if (!client.value) throw new Error('session store used before init')
    return client.value
  }

  function tokens(): TokenManager {
    if (!manager) throw new Error('session store used before init')
    return manager
  }

  function startSession(pair: TokenPair, account: Viewer): void {
    viewer.value = { id: account.id, username: account.username }
    localStorage.setItem(VIEWER_KEY, JSON.stringify(viewer.value))
    endedReason.value = null
    tokens().setPair(pair)
  }

  async function login(login: string, password: string): Promise<ShownError[]> {
    const result = await api().mutation(LoginMutation, { login, password }, ANONYMOUS).toPromise()
    const payload = result.data?.login
    const errors = mutationErrors(result, payload)
    if (errors.length || !payload?.tokens || !payload.account) return errors
    startSession(pairFromApi(payload.tokens), payload.account)
    return []
  }

  async function register(username: string, email: string, password: string): Promise<ShownError[]> {
    const result = await api().mutation(RegisterMutation, { username, email, password }, ANONYMOUS).toPromise()
    const payload = result.data?.register
    const errors = mutationErrors(result, payload)
    if (errors.length || !payload?.tokens || !payload.account) return errors
    startSession(pairFromApi(payload.tokens), payload.account)
    return []
  }

  async function logout(): Promise<void> {
    // Renew first if needed, so the revocation is sent with a valid token and the current refresh token.
    await tokens().freshAccessToken()
    const refreshToken = manager?.current?.refreshToken ?? null
    // Revoke on the server (best effort: the tokens are forgotten here whatever it answers).
    await api()
      .mutation(LogoutMutation, { refreshToken }, { requestPolicy: 'network-only' })
      .toPromise()
      .catch(() => undefined)
    tokens().clear()
  }

  /** Make sure the viewer is known (after a reload with stored tokens but no stored account). */
  async function loadViewerIfMissing(): Promise<ShownError[]> {
    if (!loggedIn.value || viewer.value) return []
    await tokens().freshAccessToken()
    const result = await api().query(MeQuery, {}, { requestPolicy: 'network-only' }).toPromise()
    if (result.data?.me) {
      viewer.value = { id: result.data.me.id, username: result.data.me.username }
      localStorage.setItem(VIEWER_KEY, JSON.stringify(viewer.value))
    }
    return fromCombinedError(result.error)
  }

  const username = computed(() => viewer.value?.username ?? null)

  return { viewer, username, loggedIn, endedReason, init, api, tokens, login, register, logout, loadViewerIfMissing }
})

/** The TokenManager wired to the auth service's refreshToken mutation. */
export function createTokenManager(getClient: () => Client): TokenManager {
  return new TokenManager({
    storage: localTokenStorage(),
    lock: browserLock(),
    refresh: async (refreshToken) => {
      const result = await getClient()
        .mutation(RefreshTokenMutation, { refreshToken }, ANONYMOUS)
        .toPromise()
      if (result.error?.networkError) throw result.error.networkError
      const payload = result.data?.refreshToken
      if (!payload?.tokens) {
        return { error: payload?.errors[0]?.code ?? result.error?.message ?? 'refresh_failed' }
      }
      return pairFromApi(payload.tokens)
    },
  })
}
