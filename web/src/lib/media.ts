// Choosing an image's rendition: `srcset` lists the renditions by width so the browser takes the one
// that fits the slot described by `sizes`.

export interface Rendition {
  url: string
  width: number
  height: number
}

export interface RenditionSet {
  small?: Rendition | null
  large?: Rendition | null
  original?: Rendition | null
}

export function srcsetOf(urls: RenditionSet): string {
  const seen = new Set<number>()
  return [urls.small, urls.large, urls.original]
    .filter((rendition): rendition is Rendition => !!rendition)
    .filter((rendition) => (seen.has(rendition.width) ? false : (seen.add(rendition.width), true)))
    .map((rendition) => `${rendition.url} ${rendition.width}w`)
    .join(', ')
}

/** The fallback `src`: the large rendition, else whatever exists. */
export function fallbackSrc(urls: RenditionSet): string | undefined {
  return (urls.large ?? urls.original ?? urls.small)?.url
}
