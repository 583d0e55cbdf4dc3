"""Each service's tables live in its own database, and nothing relates across them."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import connections
from django.db.models import ForeignKey, ManyToManyField, OneToOneField

from apps.feed.models import OutboxMessage as FeedOutbox
from apps.users.models import InboxMessage as UsersInbox
from socialapp.db_router import ServiceDatabaseRouter, UnroutedModelError, alias_for_model
from tests.conftest import ALL_DATABASES
from tests.eventing_app.models import CrossServiceLink, Effect, Thing

SERVICE_APPS = {
    "auth": "identity",
    "users": "users",
    "feed": "feed",
    "media": "media",
    "notifications": "notifications",
}


@pytest.mark.django_db(databases=ALL_DATABASES)
@pytest.mark.parametrize("alias", ALL_DATABASES)
def test_each_database_holds_exactly_its_own_apps_tables(alias: str) -> None:
    with connections[alias].cursor() as cursor:
        tables = set(connections[alias].introspection.table_names(cursor))
    own_label = SERVICE_APPS[alias]
    assert f"{own_label}_outboxmessage" in tables
    assert f"{own_label}_inboxmessage" in tables
    for other_alias, other_label in SERVICE_APPS.items():
        if other_alias != alias:
            assert not any(t.startswith(f"{other_label}_") for t in tables), (alias, other_label)


@pytest.mark.django_db(databases=ALL_DATABASES)
def test_databases_are_distinct_postgresql_databases() -> None:
    names = set()
    for alias in ALL_DATABASES:
        assert connections[alias].vendor == "postgresql"
        with connections[alias].cursor() as cursor:
            cursor.execute("SELECT current_database()")
            names.add(cursor.fetchone()[0])
    assert len(names) == 5


def test_every_model_is_routed_to_its_apps_database() -> None:
    for model in apps.get_models():
        assert alias_for_model(model) == settings.DATABASE_APP_ALIASES[model._meta.app_label]


def test_no_model_relation_crosses_databases() -> None:
    for model in apps.get_models():
        for field in model._meta.get_fields():
            if model is CrossServiceLink:
                continue  # the deliberate offender of the test below
            if isinstance(field, ForeignKey | OneToOneField | ManyToManyField):
                related = field.related_model
                assert not isinstance(related, str)
                assert alias_for_model(related) == alias_for_model(model), (model, field.name)


def test_router_refuses_a_relation_between_two_services_objects() -> None:
    router = ServiceDatabaseRouter()
    assert router.allow_relation(FeedOutbox(), UsersInbox()) is False
    assert router.allow_relation(FeedOutbox(), Effect()) is True  # the test app lives in feed's database


@pytest.mark.django_db(databases=ALL_DATABASES)
def test_assigning_a_cross_database_relation_raises() -> None:
    content_type = ContentType.objects.get_for_model(Thing)  # lives in the auth database
    link = CrossServiceLink()  # lives in the feed database
    with pytest.raises(ValueError, match="router prevents this relation"):
        link.content_type = content_type


def test_migrations_are_allowed_only_on_the_apps_own_database() -> None:
    router = ServiceDatabaseRouter()
    for alias, label in SERVICE_APPS.items():
        for other in ALL_DATABASES:
            assert router.allow_migrate(other, label) is (other == alias)
    assert router.allow_migrate("auth", "contenttypes") is True
    assert router.allow_migrate("feed", "contenttypes") is False


def test_a_model_of_an_unrouted_app_is_an_error() -> None:
    class FakeMeta:
        app_label = "nowhere"

    class FakeModel:
        _meta = FakeMeta

    with pytest.raises(UnroutedModelError):
        alias_for_model(FakeModel)  # type: ignore[arg-type]
