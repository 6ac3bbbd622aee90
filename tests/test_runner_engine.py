"""Batching: length-sorted plans, token budgets, out-of-memory back-off, padding; the cache file."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from xtremer_robust.runner.cache import PredictionCache
from xtremer_robust.runner.engine import Feature, RunSettings, collate, plan_batches, run_features


def test_plan_batches_respects_budget_and_covers_everything() -> None:
    rng = np.random.default_rng(3)
    lengths = [int(x) for x in rng.integers(3, 120, size=300)]
    batches = plan_batches(lengths, budget=1000, max_items=64, fixed=None)
    assert sorted(i for b in batches for i in b) == list(range(300))
    for batch in batches:
        assert len(batch) * max(lengths[i] for i in batch) <= 1000 or len(batch) == 1
        assert len(batch) <= 64
    widths = [max(lengths[i] for i in b) for b in batches]
    assert widths == sorted(widths, reverse=True)  # longest first: memory trouble shows at once


def test_fixed_batch_size() -> None:
    assert [len(b) for b in plan_batches([5] * 10, budget=1, max_items=64, fixed=4)] == [4, 4, 2]


def _features(n: int) -> list[Feature]:
    return [Feature(owner=i, inputs={"input_ids": [1] * (i % 9 + 1), "attention_mask": [1] * (i % 9 + 1)}, length=i % 9 + 1) for i in range(n)]


def test_out_of_memory_halves_the_budget_and_loses_nothing() -> None:
    seen: dict[int, float] = {}

    def forward(model, batch):
        if batch["input_ids"].numel() > 40:
            raise RuntimeError("CUDA out of memory. Tried to allocate 2.00 GiB")
        return [row.sum().float().numpy() for row in batch["attention_mask"]]

    def on_batch(ids, outputs):
        seen.update({i: float(o) for i, o in zip(ids, outputs)})

    settings = RunSettings(cpu_token_budget=400)
    features = _features(50)
    run_features(None, features, forward=forward, on_batch=on_batch, pad_id=0, device="cpu", settings=settings)
    assert seen == {f.owner: float(f.length) for f in features}
    assert settings.stats["token_budget"] <= 50


def test_fixed_batch_size_does_not_hide_out_of_memory() -> None:
    def forward(model, batch):
        raise RuntimeError("CUDA out of memory")

    with pytest.raises(RuntimeError, match="out of memory"):
        run_features(None, _features(3), forward=forward, on_batch=lambda *a: None, pad_id=0, device="cpu", settings=RunSettings(batch_size=2))


def test_collate_pads_to_the_longest_member() -> None:
    batch = collate(_features(3), pad_id=7, device="cpu")
    assert batch["input_ids"].tolist() == [[1, 7, 7], [1, 1, 7], [1, 1, 1]]
    assert batch["attention_mask"].tolist() == [[1, 0, 0], [1, 1, 0], [1, 1, 1]]


def test_cache_round_trip_and_keys_are_separate(tmp_path: Path) -> None:
    with PredictionCache(tmp_path / "c.sqlite") as cache:
        cache.put_many("m1", "head", "", {"h1": ["B-PER", "O"], "h2": "entailment"})
        assert cache.get_many("m1", "head", "", ["h1", "h2", "h3"]) == {"h1": ["B-PER", "O"], "h2": "entailment"}
        assert cache.get_many("m2", "head", "", ["h1"]) == {}
        assert cache.get_many("m1", "other-head", "", ["h1"]) == {}
        cache.put_embeddings("m1", {"t": np.arange(4, dtype=np.float32)})
        np.testing.assert_array_equal(cache.get_embeddings("m1", ["t"])["t"], np.arange(4, dtype=np.float32))
    with PredictionCache(tmp_path / "c.sqlite") as again:  # persisted
        assert again.get_many("m1", "head", "", ["h2"]) == {"h2": "entailment"}
