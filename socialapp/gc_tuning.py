"""The garbage collector of a long-running process (server worker, relay, consumer).

Start-up leaves a few hundred thousand objects that live until exit, and every full collection
walks them all while requests wait: freezing them once start-up is done keeps that walk off the
tail latency (ADR 0010 has the measurements).
"""

from __future__ import annotations

import gc
import logging

from django.conf import settings

logger = logging.getLogger(__name__)


def tune_garbage_collector() -> None:
    """Freeze what start-up left alive and apply GC_THRESHOLDS (empty: Python's own).

    Call it once the process has loaded what it keeps (`server_process_ready()`, the start of a
    long-running command). Calling it again only freezes what is alive by then.
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
