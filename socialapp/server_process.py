"""What a server worker does once its application is loaded, whichever server runs it."""

from __future__ import annotations

from django.conf import settings
from django.urls import get_resolver

from socialapp.eventing.inprocess import start_sweeper
from socialapp.gc_tuning import tune_garbage_collector
from socialapp.production import refuse_unsafe_production


def server_process_ready() -> None:
    """Refuse settings unsafe in production, load the URL conf, start the in-process sweeper (if
    configured), then freeze what start-up loaded.

    Django loads the URL conf, and with it every enabled service's GraphQL schema, on the first
    request; loading it here takes that cost off the first request and lets it be frozen with
    the rest. In-process mode: the sweeper delivers what a previous process left undelivered,
    then keeps sweeping. The collector comes last: everything loaded so far lives as long as
    the worker (ADR 0010).
    """
    refuse_unsafe_production()
    get_resolver().url_patterns  # noqa: B018 - imports socialapp.urls and the schemas
    if getattr(settings, "EVENTS_START_SWEEPER", True):
        start_sweeper()
    tune_garbage_collector()
