"""Where the search package (apps/feed/search/, built separately) plugs into the feed app.

The feed imports these modules when they exist, so search can be added, or left out, without
editing the feed's own modules:

- `apps.feed.search.models`: its tables (imported with the feed's models, so migrations see them);
- `apps.feed.search.handlers`: its event handlers, e.g. the indexer on `post-events` (imported
  when the app is ready, beside apps.feed.events);
- `apps.feed.search.graphql`: a `Query` type whose fields join the feed's root query.

The search package uses the feed's doors inside the app: `apps.feed.selectors` (post
documents, page size checks), `apps.feed.snapshots.posts_by_ids` and
`apps.feed.graphql.types.post_connection` to show hits as posts.
"""

from __future__ import annotations

import importlib
import importlib.util
from types import ModuleType

SEARCH_PACKAGE = "apps.feed.search"


def search_module(name: str) -> ModuleType | None:
    """`apps.feed.search.<name>`, imported, or None when search (or that module) is not there."""
    if importlib.util.find_spec(SEARCH_PACKAGE) is None:
        return None
    qualified = f"{SEARCH_PACKAGE}.{name}"
    if importlib.util.find_spec(qualified) is None:
        return None
    return importlib.import_module(qualified)
