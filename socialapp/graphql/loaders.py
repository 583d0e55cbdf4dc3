"""Batched lookups for one GraphQL request: every node of a page asks, one query answers them all.

graphene-django executes synchronously, so instead of promise-based DataLoaders the list
resolvers announce what their page will need (`expect`), and the first `load` answers the whole
announced batch with one `batch_load`. Mutations `prime` what they already know. One loader of
each class per request (`for_request`), so nothing leaks between requests.

    class AuthorLoader(BatchLoader[uuid.UUID, AuthorSnapshot]):
        def batch_load(self, keys): return selectors.authors_by_ids(keys)

    AuthorLoader.for_request(info.context).expect(ids); ...; AuthorLoader.for_request(info.context).load(id)
"""

from __future__ import annotations

import abc
from collections.abc import Iterable
from typing import Any, Generic, Self, TypeVar

K = TypeVar("K")
V = TypeVar("V")

_REGISTRY_ATTRIBUTE = "_socialapp_batch_loaders"


class BatchLoader(abc.ABC, Generic[K, V]):
    def __init__(self, request: Any) -> None:
        self.request = request
        self._known: dict[K, V] = {}
        self._pending: set[K] = set()

    @classmethod
    def for_request(cls, request: Any) -> Self:
        """This request's loader of this class, made on first use."""
        loaders: dict[type[BatchLoader[Any, Any]], BatchLoader[Any, Any]] | None = getattr(
            request, _REGISTRY_ATTRIBUTE, None
        )
        if loaders is None:
            loaders = {}
            setattr(request, _REGISTRY_ATTRIBUTE, loaders)
        loader = loaders.get(cls)
        if loader is None:
            loader = loaders[cls] = cls(request)
        return loader  # type: ignore[return-value]  # the registry is keyed by the class it holds

    @abc.abstractmethod
    def batch_load(self, keys: set[K]) -> dict[K, V]:
        """The value of every one of `keys`, in one round trip."""

    def expect(self, keys: Iterable[K]) -> None:
        self._pending.update(key for key in keys if key not in self._known)

    def prime(self, key: K, value: V) -> None:
        self._known[key] = value

    def load(self, key: K) -> V:
        if key not in self._known:
            batch = self._pending | {key}
            self._pending = set()
            answered = self.batch_load(batch)
            missing = batch - answered.keys()
            if missing:
                raise KeyError(f"{type(self).__name__}.batch_load left out {sorted(map(str, missing))[:3]}")
            self._known.update(answered)
        return self._known[key]
