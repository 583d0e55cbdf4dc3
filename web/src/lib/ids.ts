// Post ids are time-ordered integers (as strings, possibly beyond 2^53): a newer post has a greater id.
export function isNewer(id: string, than: string): boolean {
  if (id.length !== than.length) return id.length > than.length
  return id > than
}
