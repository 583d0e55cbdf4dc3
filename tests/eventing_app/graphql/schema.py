from __future__ import annotations

from typing import Any

import graphene


class Nested(graphene.ObjectType):
    """A self-referencing type, to build queries of any depth."""

    depth = graphene.Int(required=True)
    child = graphene.Field(lambda: Nested)

    @staticmethod
    def resolve_child(root: Nested, info: graphene.ResolveInfo) -> Nested:
        return Nested(depth=root.depth + 1)


class Query(graphene.ObjectType):
    eventtests_ping = graphene.String(default_value="pong")
    nested = graphene.Field(Nested, required=True)

    @staticmethod
    def resolve_nested(root: Any, info: graphene.ResolveInfo) -> Nested:
        return Nested(depth=1)
