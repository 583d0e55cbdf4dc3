"""Builds each service's schema and the union of the enabled ones.

Each app exposes `apps.<app>.graphql.schema.Query` (and optionally `Mutation`). The union
at /graphql/ merges the enabled apps' root types, which is what a monolith client uses;
/graphql/<service>/ serves one app's schema, which is what Istio routes to each deployment.
"""

from __future__ import annotations

from importlib import import_module

import graphene

from socialapp.deployment import all_services, enabled_services, service_module


def _root_types(service: str) -> tuple[type | None, type | None]:
    module = import_module(service_module(service, "graphql.schema"))
    return getattr(module, "Query", None), getattr(module, "Mutation", None)


def build_schema(services: list[str]) -> graphene.Schema:
    queries = [q for q, _ in map(_root_types, services) if q is not None]
    mutations = [m for _, m in map(_root_types, services) if m is not None]
    query = type("Query", tuple(queries), {}) if queries else None
    mutation = type("Mutation", tuple(mutations), {}) if mutations else None
    return graphene.Schema(query=query, mutation=mutation)


def service_schemas() -> dict[str, graphene.Schema]:
    return {service: build_schema([service]) for service in enabled_services()}


# The union of every service, what graphene-django's tooling (graphql_schema) reads.
schema = build_schema(list(all_services()))
