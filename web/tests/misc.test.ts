import { describe, expect, it } from 'vitest'
import { isNewer } from '@/lib/ids'
import { fallbackSrc, srcsetOf } from '@/lib/media'
import { safeNext } from '@/lib/navigation'
import { groupText } from '@/lib/notificationText'

describe('groupText', () => {
  const ana = { username: 'ana', displayName: '' }
  const bo = { username: 'bo', displayName: 'Bo B' }
  it('names one actor', () => expect(groupText({ kind: 'LIKE', actorCount: 1, actors: [ana] })).toBe('ana liked your post'))
  it('names two actors', () => expect(groupText({ kind: 'comment', actorCount: 2, actors: [ana, bo] })).toBe('ana and Bo B commented on your post'))
  it('counts the others', () => expect(groupText({ kind: 'like', actorCount: 4, actors: [ana, bo] })).toBe('ana and 3 others liked your post'))
  it('says follow and mention', () => {
    expect(groupText({ kind: 'follow', actorCount: 1, actors: [bo] })).toBe('Bo B followed you')
    expect(groupText({ kind: 'MENTION', actorCount: 1, actors: [] })).toBe('Someone mentioned you')
  })
})

describe('renditions', () => {
  const urls = {
    small: { url: 's.webp', width: 320, height: 240 },
    large: { url: 'l.webp', width: 1080, height: 810 },
    original: { url: 'o.png', width: 1080, height: 810 },
  }
  it('lists each width once for srcset', () => expect(srcsetOf(urls)).toBe('s.webp 320w, l.webp 1080w'))
  it('falls back to the large rendition', () => expect(fallbackSrc(urls)).toBe('l.webp'))
  it('copes with missing renditions', () => expect(srcsetOf({ small: null, original: urls.original })).toBe('o.png 1080w'))
})

describe('isNewer', () => {
  it('compares ids beyond 2^53 as numbers', () => {
    expect(isNewer('378195189913006', '378195189913005')).toBe(true)
    expect(isNewer('99', '100')).toBe(false)
    expect(isNewer('90071992547409930', '90071992547409929')).toBe(true)
  })
})

describe('safeNext', () => {
  it('accepts a path of this site', () => expect(safeNext('/notifications')).toBe('/notifications'))
  it('refuses other sites and login loops', () => {
    expect(safeNext('//evil.example')).toBe('/')
    expect(safeNext('https://evil.example')).toBe('/')
    expect(safeNext('/\\evil.example')).toBe('/')
    expect(safeNext('/login?next=/x')).toBe('/')
    expect(safeNext(undefined)).toBe('/')
  })
})
