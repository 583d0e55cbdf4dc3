"""Post search, a part of the feed service.

- `query.py`: what a query may say (a typed error otherwise), parsed into terms.
- `backends.py`: the `SearchBackend` port and `search_backend()`, which picks the adapter:
  Elasticsearch (`elastic.py`) when `ELASTICSEARCH_URL` is set, else the feed database
  (`database.py`: PostgreSQL full-text search, a substring fallback on SQLite).
- `handlers.py`: the indexer, fed by `post-events` in the feed's consumer group.
- `selectors.py`: `search_posts`, what the GraphQL field (`graphql.py`) calls.
- `reindex.py`: rebuilding the index from the posts (`manage.py reindex_search`).
"""
