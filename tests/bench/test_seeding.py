"""The shared bench seeding's graphs (pure: no database): the shape the feed bench's targets rely on."""

import random
from typing import Any

from bench.seeding import build_graph, degrees, graph_from_follows

SIZE: dict[str, Any] = {
    "users": 2_000,
    "edges": 20_000,
    "big": [1_500, 1_200],
    "fanout_target": 1_000,
    "posts_per_author": 2,
    "fanned_rounds": 1,
    "heavy_follows": 200,
    "light_follows": 10,
    "readers_per_group": 8,
    "fanout_reps": 1,
}


def test_degrees_keep_the_head_and_sum_to_about_the_wanted_edges() -> None:
    want = degrees(SIZE)
    assert want[:3] == [1_500, 1_200, 1_000]
    assert want == sorted(want, reverse=True)
    assert abs(sum(want) - SIZE["edges"]) / SIZE["edges"] < 0.02


def test_build_graph_gives_readers_their_follows_and_the_target_its_exact_followers() -> None:
    graph = build_graph(SIZE, random.Random(4))
    followers = graph["followers"]
    follows = {reader: {a for a, fans in enumerate(followers) if reader in fans} for reader in graph["heavy"]}
    assert all(len(f) == SIZE["heavy_follows"] for f in follows.values())
    assert all({0, 1} <= f for f in follows.values())  # every pulled author
    light = {reader: {a for a, fans in enumerate(followers) if reader in fans} for reader in graph["light"]}
    assert all(len(f) == SIZE["light_follows"] for f in light.values())
    assert len(followers[len(SIZE["big"])]) == SIZE["fanout_target"]
    assert all(author not in fans for author, fans in enumerate(followers))


def test_build_graph_is_the_same_for_the_same_seed() -> None:
    first, second = build_graph(SIZE, random.Random(4)), build_graph(SIZE, random.Random(4))
    assert first["users"] == second["users"]
    assert first["followers"] == second["followers"]


def test_graph_from_follows_keeps_each_pair_once_and_drops_self_follows() -> None:
    graph = graph_from_follows(3, [(0, 1), (0, 1), (2, 1), (1, 1), (1, 0)], random.Random(1))
    assert graph["followers"] == [{1}, {0, 2}, set()]
    assert graph["posting"] == 3
    assert len(set(graph["users"])) == 3
