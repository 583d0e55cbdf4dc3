"""GraphQL types shared by every app's schema."""

from __future__ import annotations

import graphene
from django.conf import settings
from graphene.utils.str_converters import to_camel_case

from socialapp.errors import DomainError


class FieldError(graphene.ObjectType):
    """A typed error in a mutation payload: which input, a stable code, a human message."""

    field = graphene.String(description="The input field at fault, or null for the whole request.")
    code = graphene.String(required=True, description="Stable machine-readable code, e.g. `invalid`.")
    message = graphene.String(required=True)


def field_errors(error: DomainError) -> list[FieldError]:
    """Services name fields as Python does (`display_name`); clients sent `displayName`."""
    field = to_camel_case(error.field) if error.field else None
    return [FieldError(field=field, code=error.code, message=error.message)]


class ServiceInfo(graphene.ObjectType):
    """Which service answered: lets a client (or a test) see where Istio routed it."""

    name = graphene.String(required=True)
    version = graphene.String(required=True)


def service_info_field(name: str) -> graphene.Field:
    """The `<service>Service` root field every schema has: which service answered, and its version."""

    def resolve(root: object, info: graphene.ResolveInfo) -> ServiceInfo:
        return ServiceInfo(name=name, version=settings.SOCIALAPP_VERSION)

    return graphene.Field(ServiceInfo, required=True, resolver=resolve, description="The service answering.")
