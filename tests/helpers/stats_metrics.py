"""Small metrics used by the statistics tests (kept here so the tests need no metric registry).

They follow the contract of ``xtremer_robust.metrics.base.Metric``: per-item statistics,
``aggregate`` vectorised over leading axes.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from xtremer_robust.metrics.base import Metric


class Accuracy(Metric):
    """Share of items right: one 0/1 column."""

    name = "accuracy"
    stat_names = ("correct",)

    def item_stats(self, *, prediction: Any, reference: Any) -> tuple[float, ...]:
        return (float(prediction == reference),)

    def aggregate(self, stats: np.ndarray) -> np.ndarray:
        return stats[..., 0].mean(axis=-1)


class MeanScore(Metric):
    """Mean of a graded per-item score (SQuAD-style F1, AP)."""

    name = "mean_f1"
    stat_names = ("f1",)

    def item_stats(self, *, prediction: Any, reference: Any) -> tuple[float, ...]:
        return (float(prediction),)

    def aggregate(self, stats: np.ndarray) -> np.ndarray:
        return stats[..., 0].mean(axis=-1)


class RatioF1(Metric):
    """Micro F1 from summed (tp, n_pred, n_gold), as seqeval: a ratio of sums, not a mean."""

    name = "micro_f1"
    stat_names = ("tp", "n_pred", "n_gold")
    is_mean = False

    def item_stats(self, *, prediction: Any, reference: Any) -> tuple[float, ...]:
        return tuple(float(v) for v in prediction)

    def aggregate(self, stats: np.ndarray) -> np.ndarray:
        s = stats.sum(axis=-2)
        den = s[..., 1] + s[..., 2]
        return np.where(den > 0, 2.0 * s[..., 0] / np.where(den > 0, den, 1.0), 0.0)


class MedianScore(Metric):
    """Median of a graded score: NOT a function of column means, so it takes the general path."""

    name = "median_score"
    stat_names = ("score",)

    def item_stats(self, *, prediction: Any, reference: Any) -> tuple[float, ...]:
        return (float(prediction),)

    def aggregate(self, stats: np.ndarray) -> np.ndarray:
        return np.median(stats[..., 0], axis=-1)


def paired_binary(rng: np.random.Generator, n: int, p_clean: float, p_flip: float) -> tuple[np.ndarray, np.ndarray]:
    """Clean 0/1 correctness, and a perturbed copy where each item flips with ``p_flip``."""
    clean = (rng.random(n) < p_clean).astype(float)
    pert = np.where(rng.random(n) < p_flip, 1.0 - clean, clean)
    return clean, pert


def paired_counts(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Per-item (tp, n_pred, n_gold) for a clean side and a perturbed side that loses some tp."""
    tp = rng.integers(0, 4, n)
    n_pred = tp + rng.integers(0, 2, n)
    n_gold = tp + rng.integers(0, 2, n)
    lost = np.minimum(tp, rng.integers(0, 2, n))
    clean = np.c_[tp, n_pred, n_gold].astype(float)
    pert = np.c_[tp - lost, n_pred, n_gold].astype(float)
    return clean, pert
