"""Home timelines: fan-out on write into one capped list of post ids per reader.

- `store`: the `TimelineStore` protocol and the configured store (Redis or the database).
- `fanout`: pushing a post to its author's and followers' timelines, backfill on follow,
  purge on unfollow, removal on delete.
- `reading`: a reader's page of post ids, with cold timelines rebuilt from the posts and the
  posts of authors too big to fan out merged in at read time.
"""
