// The avatar shown for a profile without one: a neutral silhouette, inline so it costs no request.
export const placeholderAvatar =
  'data:image/svg+xml,' +
  encodeURIComponent(
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 96 96"><rect width="96" height="96" fill="#8a94a6"/>' +
      '<circle cx="48" cy="38" r="18" fill="#e8ebf0"/><path d="M14 92c4-20 18-30 34-30s30 10 34 30z" fill="#e8ebf0"/></svg>',
  )
