"""Bootstrap replicates for what the statistics part does not compute per cell.

Cell intervals, gaps and tests come from :mod:`xtremer_robust.stats` (BCa with a
percentile fallback, exact McNemar, paired permutation). Two things need raw replicate
vectors instead: the stratified aggregates (each language cell resampled on its own, then
macro-averaged; Efron & Tibshirani 1993, section 3.7 on stratified sampling) and the
difference of two models' gaps in ``compare`` (four arrays resampled with one index
matrix). Each cell's generator is seeded from (seed, cell name), so a cell's replicates do
not depend on which other cells are present or their order, and different languages never
share an index matrix (they would not be resampled independently if they did).
"""

from __future__ import annotations

import hashlib
from typing import Iterator

import numpy as np

from xtremer_robust.metrics import Metric

__all__ = ["cell_rng", "chunks", "replicates", "percentile_ci"]

_CHUNK_ELEMENTS = 4_000_000  # indices per chunk (B x n), about 32 MB of int64


def cell_rng(seed: int, *name: object) -> np.random.Generator:
    """A generator for one named cell: same (seed, name) -> same draws, whatever the order."""
    digest = hashlib.sha256("\x1f".join(str(part) for part in name).encode("utf-8")).digest()
    return np.random.default_rng([int(seed), int.from_bytes(digest[:8], "little")])


def chunks(n_resamples: int, n_items: int) -> Iterator[int]:
    """Sizes of resample chunks that keep a ``(size, n_items)`` index matrix near 32 MB."""
    step = max(1, _CHUNK_ELEMENTS // max(n_items, 1))
    for start in range(0, n_resamples, step):
        yield min(step, n_resamples - start)


def replicates(stats: np.ndarray, metric: Metric, n_resamples: int, rng: np.random.Generator) -> np.ndarray:
    """Bootstrap replicates of one cell's headline score, shape ``(n_resamples,)``."""
    n = stats.shape[0]
    parts = [np.asarray(metric.aggregate(stats[rng.integers(0, n, size=(size, n))])) for size in chunks(n_resamples, n)]
    return np.concatenate(parts)


def percentile_ci(reps: np.ndarray, level: float = 0.95) -> tuple[float, float]:
    """The central ``level`` percentile interval of replicates."""
    alpha = (1.0 - level) / 2.0
    low, high = np.quantile(reps, [alpha, 1.0 - alpha])
    return float(low), float(high)


def paired_difference_replicates(
    first: np.ndarray, second: np.ndarray, metric: Metric, n_resamples: int, rng: np.random.Generator
) -> np.ndarray:
    """Replicates of ``score(first) - score(second)`` on the same items (one index matrix for both)."""
    n = first.shape[0]
    parts = []
    for size in chunks(n_resamples, n):
        idx = rng.integers(0, n, size=(size, n))
        parts.append(np.asarray(metric.aggregate(first[idx])) - np.asarray(metric.aggregate(second[idx])))
    return np.concatenate(parts)
