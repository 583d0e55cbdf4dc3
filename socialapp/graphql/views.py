"""The GraphQL HTTP view with the project's limits."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from graphene.validation import depth_limit_validator
from graphene_django.views import GraphQLView
from graphql import specified_rules


class LimitedGraphQLView(GraphQLView):
    """graphene-django's view, refusing queries nested deeper than GRAPHQL_MAX_DEPTH."""

    def __init__(self, **kwargs: Any) -> None:
        # graphene-django replaces graphql's standard rules with these, so keep them first.
        kwargs.setdefault(
            "validation_rules",
            (*specified_rules, depth_limit_validator(max_depth=settings.GRAPHQL_MAX_DEPTH)),
        )
        kwargs.setdefault("graphiql", settings.GRAPHIQL)
        super().__init__(**kwargs)
