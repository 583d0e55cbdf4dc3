import { describe, expect, it } from 'vitest'
import { countCharacters, splitText, POST_MAX_LENGTH } from '@/lib/text'

describe('countCharacters', () => {
  it('counts the trimmed text as the server does', () => {
    expect(countCharacters('  hello \n')).toBe(5)
    expect(countCharacters('')).toBe(0)
  })

  it('counts an emoji outside the BMP once, like Python len()', () => {
    expect('🎉'.length).toBe(2)
    expect(countCharacters('hi 🎉')).toBe(4)
  })

  it('knows the server limit', () => {
    expect(POST_MAX_LENGTH).toBe(5_000)
  })
})

describe('splitText', () => {
  it('links mentions and hashtags, keeping the rest as text', () => {
    expect(splitText('Hi @ana_b, see #Vue3 now')).toEqual([
      { kind: 'text', text: 'Hi ' },
      { kind: 'mention', text: '@ana_b', username: 'ana_b' },
      { kind: 'text', text: ', see ' },
      { kind: 'hashtag', text: '#Vue3', tag: 'vue3' },
      { kind: 'text', text: ' now' },
    ])
  })

  it('does not take an e-mail address for a mention, nor #1 for a tag, nor a#b', () => {
    expect(splitText('mail me@example.com #1 a#b').every((part) => part.kind === 'text')).toBe(true)
  })

  it('takes mentions of 3 to 30 characters only', () => {
    expect(splitText('@ab').map((part) => part.kind)).toEqual(['text'])
    expect(splitText(`@${'a'.repeat(31)}`).map((part) => part.kind)).toEqual(['text'])
    expect(splitText('@abc').map((part) => part.kind)).toEqual(['mention'])
  })

  it('takes unicode hashtags', () => {
    expect(splitText('#café!')).toEqual([
      { kind: 'hashtag', text: '#café', tag: 'café' },
      { kind: 'text', text: '!' },
    ])
  })

  it('keeps the text whole when joined back', () => {
    const text = 'a @bob #x_1 @carol. #y #2 end'
    expect(splitText(text).map((part) => part.text).join('')).toBe(text)
  })
})
