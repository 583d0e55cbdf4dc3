"""The garbage collector of a long-running process (server worker, relay, consumer).

CPython's cycle collector runs a young-generation pass every 700 net container allocations
and, every so often, a full pass over every object the process holds. A Django process holds
a few hundred thousand objects from start-up (modules, the URL conf, the GraphQL schemas,
settings) that live until it exits, so each full pass walks all of them while requests
wait. `gc.freeze()` once start-up is done moves every object alive then into a permanent
generation that collections skip (as long-running Python services do it; Instagram's
"Dismissing Python garbage collection" is the best known account).

Measured on the 2-core bench machine with wrk, 32 connections, 2 uvicorn workers, alternating
runs (docs/adr/0010-garbage-collector-of-long-running-processes.md): GET /healthz p99
136-212 ms -> 46-69 ms; a hydrated homeFeed page p99 484-738 ms -> 426-528 ms. Throughput moved
with the machine more than with the setting. GC_THRESHOLDS is there to try larger thresholds;
they gave no gain that stood out from that noise.
"""

from __future__ import annotations

import gc
import logging

from django.conf import settings

logger = logging.getLogger(__name__)


def tune_garbage_collector() -> None:
    """Freeze what start-up left alive and apply GC_THRESHOLDS (empty: Python's own).

    Call it once the process has loaded what it keeps (`server_process_ready()` in the ASGI and
    WSGI modules, the start of a long-running command). Calling it again only freezes what is alive by then.
    """
    thresholds: tuple[int, ...] = tuple(settings.GC_THRESHOLDS)
    if thresholds:
        gc.set_threshold(*thresholds)
    if settings.GC_FREEZE_AFTER_STARTUP:
        # Collect first: cycles that are already garbage would otherwise be frozen for good.
        gc.collect()
        gc.freeze()
    logger.debug(
        "garbage collector tuned", extra={"gc_thresholds": gc.get_threshold(), "gc_frozen": gc.get_freeze_count()}
    )
