"""The garbage collector of long-running processes: what start-up loaded is frozen out of
collections and the thresholds come from GC_THRESHOLDS (socialapp/gc_tuning.py, ADR 0010)."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.test import override_settings

from socialapp.gc_tuning import tune_garbage_collector
from tests.fresh_process import probe_fresh_process

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def _restore_collector() -> Iterator[None]:
    thresholds = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*thresholds)


def test_tuning_freezes_what_is_alive_and_sets_the_thresholds() -> None:
    gc.unfreeze()
    kept = [object() for _ in range(3)]  # alive before tuning: frozen with the rest

    with override_settings(GC_FREEZE_AFTER_STARTUP=True, GC_THRESHOLDS=[5_000, 20, 30]):
        tune_garbage_collector()

    assert gc.get_threshold() == (5_000, 20, 30)
    assert gc.get_freeze_count() > len(kept)
    assert not any(obj is kept for obj in gc.get_objects())  # frozen objects are not tracked in passes


def test_empty_thresholds_keep_pythons_and_freezing_can_be_turned_off() -> None:
    gc.unfreeze()
    gc.set_threshold(700, 10, 10)

    with override_settings(GC_FREEZE_AFTER_STARTUP=False, GC_THRESHOLDS=[]):
        tune_garbage_collector()

    assert gc.get_threshold() == (700, 10, 10)
    assert gc.get_freeze_count() == 0


PROBE = """
import gc, json, sys
import socialapp.asgi
print(json.dumps({
    "frozen": gc.get_freeze_count(),
    "thresholds": gc.get_threshold(),
    "loaded_before_any_request": [m for m in ("socialapp.urls", "apps.feed.graphql.schema") if m in sys.modules],
}))
"""


def _load_asgi_module(tmp_path: Path, **env: str) -> dict[str, object]:
    return probe_fresh_process(PROBE, tmp_path, EVENTS_START_SWEEPER="false", **env)


def test_a_server_worker_loading_the_asgi_application_is_tuned_by_default(tmp_path: Path) -> None:
    tuned = _load_asgi_module(tmp_path)

    assert tuned["thresholds"] == [700, 10, 10]  # CPython 3.11's own, unless GC_THRESHOLDS says
    # The URL conf and the schemas, which Django would load on the first request, are frozen too.
    assert tuned["loaded_before_any_request"] == ["socialapp.urls", "apps.feed.graphql.schema"]
    # Django, the URL conf and every GraphQL schema: far more than a bare interpreter's objects.
    assert isinstance(tuned["frozen"], int)
    assert tuned["frozen"] > 50_000


def test_the_environment_sets_the_workers_thresholds_or_turns_freezing_off(tmp_path: Path) -> None:
    untuned = _load_asgi_module(tmp_path, GC_FREEZE_AFTER_STARTUP="false", GC_THRESHOLDS="20000,50,100")

    assert untuned["frozen"] == 0
    assert untuned["thresholds"] == [20_000, 50, 100]


@pytest.mark.parametrize("value", ["1,2,3,4", "-1"])
def test_thresholds_that_python_cannot_take_stop_the_process_at_start(tmp_path: Path, value: str) -> None:
    with pytest.raises(AssertionError, match="GC_THRESHOLDS takes up to three counts"):
        _load_asgi_module(tmp_path, GC_THRESHOLDS=value)
