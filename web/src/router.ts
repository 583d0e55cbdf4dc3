// Routes (docs: /work contract): every page is its own lazily loaded chunk, so the first load carries
// only the shell. Pages that need a login send a visitor to /login?next=<path>.
import { createRouter, createWebHistory, type RouteRecordRaw } from 'vue-router'
import { useSessionStore } from './stores/session'

const routes: RouteRecordRaw[] = [
  { path: '/login', name: 'login', component: () => import('./pages/LoginPage.vue'), meta: { guest: true, title: 'Log in' } },
  { path: '/signup', name: 'signup', component: () => import('./pages/SignupPage.vue'), meta: { guest: true, title: 'Sign up' } },
  { path: '/', name: 'home', component: () => import('./pages/HomePage.vue'), meta: { auth: true, title: 'Home' } },
  { path: '/posts/:id', name: 'post', component: () => import('./pages/PostPage.vue'), meta: { auth: true, title: 'Post' } },
  { path: '/u/:username', name: 'profile', component: () => import('./pages/ProfilePage.vue'), meta: { auth: true, title: 'Profile' } },
  {
    path: '/u/:username/:which(followers|following)',
    name: 'follows',
    component: () => import('./pages/FollowListPage.vue'),
    meta: { auth: true, title: 'Follows' },
  },
  { path: '/tags/:tag', name: 'tag', component: () => import('./pages/TagPage.vue'), meta: { auth: true, title: 'Hashtag' } },
  { path: '/search', name: 'search', component: () => import('./pages/SearchPage.vue'), meta: { auth: true, title: 'Search' } },
  {
    path: '/notifications',
    name: 'notifications',
    component: () => import('./pages/NotificationsPage.vue'),
    meta: { auth: true, title: 'Notifications' },
  },
  {
    path: '/settings/profile',
    name: 'edit-profile',
    component: () => import('./pages/EditProfilePage.vue'),
    meta: { auth: true, title: 'Edit profile' },
  },
  { path: '/:rest(.*)*', name: 'not-found', component: () => import('./pages/NotFoundPage.vue'), meta: { title: 'Not found' } },
]

export function createAppRouter() {
  const router = createRouter({
    history: createWebHistory(),
    routes,
    scrollBehavior: (_to, _from, saved) => saved ?? { top: 0 },
  })
  router.beforeEach((to) => {
    const session = useSessionStore()
    if (to.meta.auth && !session.loggedIn) return { path: '/login', query: { next: to.fullPath } }
    if (to.meta.guest && session.loggedIn) return { path: '/' }
    return true
  })
  router.afterEach((to) => {
    document.title = `${String(to.meta.title ?? '')} · socialapp`
  })
  return router
}
