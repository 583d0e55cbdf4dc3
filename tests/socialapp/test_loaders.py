"""socialapp.graphql.loaders.BatchLoader: one batch per announced page, one loader per request."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from socialapp.graphql.loaders import BatchLoader


class SquareLoader(BatchLoader[int, int]):
    def __init__(self, request: object) -> None:
        super().__init__(request)
        self.batches: list[set[int]] = []

    def batch_load(self, keys: set[int]) -> dict[int, int]:
        self.batches.append(set(keys))
        return {key: key * key for key in keys if key >= 0}


def test_the_first_load_answers_the_whole_announced_page_in_one_batch() -> None:
    loader = SquareLoader(SimpleNamespace())
    loader.expect([1, 2, 3])

    assert [loader.load(key) for key in (1, 2, 3, 2)] == [1, 4, 9, 4]
    assert loader.batches == [{1, 2, 3}]


def test_a_key_nobody_announced_is_loaded_with_what_is_pending() -> None:
    loader = SquareLoader(SimpleNamespace())
    loader.expect([1])

    assert loader.load(5) == 25
    assert loader.load(1) == 1
    assert loader.batches == [{1, 5}]


def test_primed_values_are_not_asked_for() -> None:
    loader = SquareLoader(SimpleNamespace())
    loader.prime(2, 100)
    loader.expect([2, 3])

    assert (loader.load(2), loader.load(3)) == (100, 9)
    assert loader.batches == [{3}]


def test_one_loader_per_class_and_request() -> None:
    first, second = SimpleNamespace(), SimpleNamespace()

    assert SquareLoader.for_request(first) is SquareLoader.for_request(first)
    assert SquareLoader.for_request(first) is not SquareLoader.for_request(second)


def test_a_batch_that_leaves_a_key_out_is_a_bug_said_loudly() -> None:
    loader = SquareLoader(SimpleNamespace())

    with pytest.raises(KeyError, match=r"SquareLoader\.batch_load left out"):
        loader.load(-1)
