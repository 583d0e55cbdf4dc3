"""The base of this app's mutations."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import graphene
from graphene.utils.str_converters import to_camel_case

from socialapp.errors import DomainError
from socialapp.graphql.mutations import DomainMutation


class UsersMutation(DomainMutation):
    """A `DomainMutation` whose error fields are named as the client sent them.

    Services name fields as Python does (`display_name`); the client sent `displayName`.
    """

    class Meta:
        abstract = True

    @classmethod
    def mutate(cls, root: Any, info: graphene.ResolveInfo, **arguments: Any) -> DomainMutation:
        payload = super().mutate(root, info, **arguments)
        for error in payload.errors:
            if error.field:
                error.field = to_camel_case(error.field)
        return payload


@contextmanager
def error_field_renamed(service_field: str, argument: str) -> Iterator[None]:
    """Errors a service raises about `service_field` name the argument the client used instead."""
    try:
        yield
    except DomainError as error:
        if error.field == service_field:
            error.field = argument
        raise
