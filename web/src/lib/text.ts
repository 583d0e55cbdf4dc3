// Post text: counting characters as the server does, and finding @mentions and #hashtags to link.
// The patterns mirror apps/feed/text_rules.py so a link shows exactly where the server sees a tag.

/** From apps/feed/text_rules.py. */
export const POST_MAX_LENGTH = 5_000
export const COMMENT_MAX_LENGTH = 2_000
export const MAX_MEDIA = 4
export const ALT_TEXT_MAX_LENGTH = 1_500

/**
 * Characters as the server counts them: Python's len() of the trimmed text counts code points, so an
 * emoji outside the BMP is one (JavaScript's .length would say two).
 */
export function countCharacters(text: string): number {
  let count = 0
  for (const _ of text.trim()) count += 1
  return count
}

export type TextPart =
  | { kind: 'text'; text: string }
  | { kind: 'mention'; text: string; username: string }
  | { kind: 'hashtag'; text: string; tag: string }

// `#tag`: word characters with at least one that is not a digit, not glued to a word before it.
// `@username`: 3 to 30 of A-Z a-z 0-9 _, not inside an e-mail address.
const TOKEN = /(?<![\p{L}\p{N}_#&])#([\p{L}\p{N}_]*[\p{L}_][\p{L}\p{N}_]*)|(?<![\p{L}\p{N}_@])@([A-Za-z0-9_]{3,30})(?![A-Za-z0-9_])/gu

/** Splits text into plain runs, mentions and hashtags (rendered as links by RichText). */
export function splitText(text: string): TextPart[] {
  const parts: TextPart[] = []
  let last = 0
  for (const match of text.matchAll(TOKEN)) {
    const start = match.index
    if (start > last) parts.push({ kind: 'text', text: text.slice(last, start) })
    if (match[1] !== undefined) parts.push({ kind: 'hashtag', text: match[0], tag: match[1].toLowerCase() })
    else parts.push({ kind: 'mention', text: match[0], username: match[2]! })
    last = start + match[0].length
  }
  if (last < text.length) parts.push({ kind: 'text', text: text.slice(last) })
  return parts
}
