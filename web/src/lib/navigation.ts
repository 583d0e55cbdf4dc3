// Where to go after logging in: `next` when it is a path of this site, else home (no open redirect).
export function safeNext(next: unknown): string {
  const value = Array.isArray(next) ? next[0] : next
  if (typeof value !== 'string' || !value.startsWith('/') || value.startsWith('//') || value.startsWith('/\\')) return '/'
  if (value.startsWith('/login') || value.startsWith('/signup')) return '/'
  return value
}
