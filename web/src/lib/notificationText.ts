// A notification group as one sentence: "ana and 3 others liked your post".
export interface GroupLike {
  kind: string
  actorCount: number
  actors: readonly { username: string; displayName: string }[]
}

const VERB: Record<string, string> = {
  like: 'liked your post',
  comment: 'commented on your post',
  mention: 'mentioned you',
  follow: 'followed you',
  post: 'posted',
}

function actorName(actor: { username: string; displayName: string } | undefined): string {
  if (!actor) return 'Someone'
  return actor.displayName || actor.username || 'Someone'
}

export function groupText(group: GroupLike): string {
  const kind = group.kind.toLowerCase()
  const verb = VERB[kind] ?? 'did something'
  const first = actorName(group.actors[0])
  const others = Math.max(0, group.actorCount - 1)
  if (others === 0) return `${first} ${verb}`
  if (others === 1 && group.actors[1]) return `${first} and ${actorName(group.actors[1])} ${verb}`
  return `${first} and ${others} ${others === 1 ? 'other' : 'others'} ${verb}`
}
