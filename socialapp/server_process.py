"""What a server worker does once its application is loaded, whichever server runs it."""

from __future__ import annotations

from django.conf import settings

from socialapp.eventing.inprocess import start_sweeper
from socialapp.gc_tuning import tune_garbage_collector


def server_process_ready() -> None:
    """Start the in-process sweeper (if configured), then freeze what start-up loaded.

    In-process mode: deliver what a previous process left undelivered, then keep sweeping.
    The collector comes last: everything loaded so far lives as long as the worker (ADR 0010).
    """
    if getattr(settings, "EVENTS_START_SWEEPER", True):
        start_sweeper()
    tune_garbage_collector()
