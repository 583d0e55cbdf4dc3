"""The base of every mutation: domain errors come back as data in the payload.

    class FollowUser(DomainMutation):
        class Arguments:
            user_id = graphene.ID(required=True)

        followed = graphene.Field(ProfileType)

        @classmethod
        def perform(cls, root, info, *, user_id):
            viewer = require_viewer(info.context)
            return cls(followed=follow_create(...))

A `DomainError` raised by a service becomes `errors: [{field, code, message}]` with the
other fields null; anything else is a bug and surfaces as a GraphQL error. A mutation its app
rate-limits (socialapp/ratelimits.py) is counted, and refused, before it performs.
"""

from __future__ import annotations

from typing import Any

import graphene

from socialapp.errors import DomainError
from socialapp.graphql.types import FieldError, field_errors
from socialapp.ratelimits import check_mutation_allowed


class DomainMutation(graphene.Mutation):
    errors = graphene.List(graphene.NonNull(FieldError), required=True, description="Empty when it succeeded.")

    class Meta:
        abstract = True

    @classmethod
    def perform(cls, root: Any, info: graphene.ResolveInfo, **arguments: Any) -> DomainMutation:
        raise NotImplementedError

    @classmethod
    def mutate(cls, root: Any, info: graphene.ResolveInfo, **arguments: Any) -> DomainMutation:
        try:
            check_mutation_allowed(info.context, info.field_name)
            payload = cls.perform(root, info, **arguments)
        except DomainError as error:
            return cls(errors=field_errors(error))
        if getattr(payload, "errors", None) is None:
            payload.errors = []
        return payload
