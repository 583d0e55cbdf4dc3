import { createPinia } from 'pinia'
import { createApp } from 'vue'
import urql from '@urql/vue'
import type { Client } from '@urql/core'
import App from './App.vue'
import { createApiClient } from './lib/client'
import { createAppRouter } from './router'
import { createTokenManager, useSessionStore } from './stores/session'
import './styles.css'

let client: Client | null = null
const tokens = createTokenManager(() => client!)
client = createApiClient(
  () => tokens.accessToken,
  () => tokens.freshAccessToken(),
  {
    onTokenExpired: () => void tokens.renew(),
    onTokenRefused: (code) => {
      if (tokens.current) tokens.clear(code)
    },
  },
)

const app = createApp(App)
const pinia = createPinia()
app.use(pinia)
app.use(urql, client)
useSessionStore().init(client, tokens)
app.use(createAppRouter())
app.mount('#app')
