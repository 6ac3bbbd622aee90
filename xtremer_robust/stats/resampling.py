"""Resampling of per-item statistics: bootstrap, jackknife and paired permutations, vectorised.

Habits 1 and 2 of STYLE.md: items are scored once into rows of ``stats`` (shape ``(n, k)``),
and every resample is a reweighting of those rows. The bootstrap draws ONE ``(B, n)`` index
matrix from ``np.random.default_rng(seed)`` (in row chunks, which yields the same stream as
one draw, and the same draws as ``scipy.stats.bootstrap(..., rng=seed)``), and applies it to
every condition that shares the items: clean and perturbed, model A and model B.

Fast path: most corpus scores are functions of the *column means* of the per-item
statistics (accuracy, EM, SQuAD F1 and AP are means of a column; seqeval F1 is
``2 tp / (n_pred + n_gold)``, a ratio of sums and so of means). For those, a resample is a
count vector ``c`` (how often each item was drawn), the resampled column means are
``c @ stats / n``, and many conditions go through one matrix product. The score is then
``metric.aggregate`` of one pseudo-item holding those means. Whether a metric qualifies is
checked on the data itself (:func:`is_mean_decomposable`); others take the general path
(``stats[idx]`` then ``aggregate``), which is slower but exact.

The jackknife (leave-one-out, for the BCa acceleration) is closed-form on the fast path:
leave-one-out column means are ``(S - x_i) / (n - 1)``, O(n k).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator, Sequence

import numpy as np

from xtremer_robust.errors import ConfigError
from xtremer_robust.metrics.base import Metric

__all__ = [
    "Condition",
    "PERMUTATION_STREAM",
    "as_stats",
    "is_mean_decomposable",
    "bootstrap_index_chunks",
    "counts_from_indices",
    "resampled_means",
    "bootstrap_scores",
    "jackknife_scores",
    "permutation_gaps",
    "chunk_rows",
    "Seed",
    "seed_words",
]

#: Entropy word mixed with the seed for the permutation stream, so that sign flips are not
#: the same random numbers as the bootstrap indices drawn from ``default_rng(seed)``.
PERMUTATION_STREAM = 0x7065726D  # "perm"

#: A seed is an int, or a tuple of ints when a stream is derived (a stratum of a stratified
#: bootstrap uses ``(seed, crc32(stratum label))``). ``default_rng`` accepts both.
Seed = int | tuple[int, ...]


def seed_words(seed: Seed) -> tuple[int, ...]:
    """The seed as a tuple of ints, to be prefixed with a stream constant."""
    return (int(seed),) if isinstance(seed, (int, np.integer)) else tuple(int(s) for s in seed)


#: Up to this many stacked columns, resampled means are gathered column by column; beyond,
#: a count matrix and a matrix product are cheaper (measured: about 50 ms per gathered column
#: against about 100 ms for the counts, per 4M indices).
_GATHER_MAX_COLUMNS = 2

#: Upper bound on the elements of one chunk's work array (about 32 MB of float64).
_CHUNK_ELEMENTS = 1 << 22


def chunk_rows(n_cols: int, n_rows: int) -> int:
    """Rows per chunk so that a ``(rows, n_cols)`` float64 array stays near 32 MB."""
    return max(1, min(n_rows, _CHUNK_ELEMENTS // max(1, n_cols)))


def as_stats(stats: np.ndarray | Sequence, name: str) -> np.ndarray:
    """Per-item statistics as a float64 ``(n, k)`` array; a 1-D array is one column."""
    arr = np.asarray(stats, dtype=np.float64)
    if arr.ndim == 1:
        arr = arr[:, None]
    if arr.ndim != 2:
        raise ConfigError(f"{name}: expected per-item statistics of shape (n_items, n_stats), got shape {arr.shape}")
    if arr.shape[0] < 2:
        raise ConfigError(f"{name}: a bootstrap needs at least 2 items, got {arr.shape[0]}")
    if not np.isfinite(arr).all():
        raise ConfigError(f"{name}: per-item statistics must be finite; found NaN or infinity")
    return arr


@dataclass(frozen=True)
class Condition:
    """One side of a comparison: per-item statistics ``(n, k)`` and the metric that scores them."""

    stats: np.ndarray
    metric: Metric


def _score_means(metric: Metric, means: np.ndarray) -> np.ndarray:
    """Score from column means ``(..., k)`` via one pseudo-item: ``aggregate(means[..., None, :])``."""
    return np.asarray(metric.aggregate(means[..., None, :]), dtype=np.float64)


def is_mean_decomposable(metric: Metric, stats: np.ndarray) -> bool:
    """True when ``metric``'s score on these data is a function of the column means.

    Checked on the full sample and on two fixed reweightings of the rows (every third row;
    the first half counted twice), so a metric such as a median fails the check and takes
    the general path. Deterministic: no randomness is drawn.
    """
    n = stats.shape[0]
    weights = np.stack([np.ones(n), (np.arange(n) % 3 == 0).astype(float), np.where(np.arange(n) < n // 2 + 1, 2.0, 1.0)])
    try:
        for w in weights:
            direct = float(metric.aggregate(np.repeat(stats, w.astype(int), axis=0)))
            via_means = float(_score_means(metric, (w @ stats) / w.sum()))
            if not np.isclose(direct, via_means, rtol=1e-9, atol=1e-12, equal_nan=True):
                return False
    except Exception:  # noqa: BLE001 - a metric that cannot take a pseudo-item is simply not decomposable
        return False
    return True


def bootstrap_index_chunks(n: int, n_resamples: int, seed: Seed) -> Iterator[np.ndarray]:
    """Yield row chunks of the ``(B, n)`` index matrix drawn from ``default_rng(seed)``."""
    rng = np.random.default_rng(list(seed_words(seed)) if not isinstance(seed, (int, np.integer)) else int(seed))
    rows = chunk_rows(n, n_resamples)
    for start in range(0, n_resamples, rows):
        yield rng.integers(0, n, (min(rows, n_resamples - start), n))


def counts_from_indices(idx: np.ndarray, n: int) -> np.ndarray:
    """``counts[b, i]``: how often item ``i`` is in resample ``b`` (``np.bincount`` on row-offset indices)."""
    b = idx.shape[0]
    flat = (idx + (np.arange(b, dtype=np.int64) * n)[:, None]).ravel()
    return np.bincount(flat, minlength=b * n).reshape(b, n).astype(np.float64)


def resampled_means(idx: np.ndarray, stacked: np.ndarray) -> np.ndarray:
    """Column means ``(b, cols)`` of ``stacked`` (n, cols) under each resample row of ``idx``.

    Few columns: gather each column (``stacked[idx, j]``), cheapest for one cell. Many: one
    count matrix and one matrix product serve every column, which is what makes 100 cells
    cost little more than one.
    """
    n, cols = stacked.shape
    if cols <= _GATHER_MAX_COLUMNS:
        return np.stack([np.take(stacked[:, j], idx).sum(axis=1) for j in range(cols)], axis=1) / n
    return (counts_from_indices(idx, n) @ stacked) / n


def bootstrap_scores(conditions: Sequence[Condition], n_resamples: int, seed: Seed) -> np.ndarray:
    """Bootstrap scores ``(B, len(conditions))``; all conditions share items and the index matrix.

    Mean-decomposable conditions are stacked column-wise and resampled by one matrix
    product per chunk; the others by fancy indexing with the same indices.
    """
    if not conditions:
        return np.empty((n_resamples, 0))
    n = conditions[0].stats.shape[0]
    for c in conditions:
        if c.stats.shape[0] != n:
            raise ConfigError(f"paired conditions must have the same items: got {n} and {c.stats.shape[0]} rows")
    fast = [i for i, c in enumerate(conditions) if is_mean_decomposable(c.metric, c.stats)]
    slow = [i for i in range(len(conditions)) if i not in set(fast)]
    stacked = np.concatenate([conditions[i].stats for i in fast], axis=1) if fast else np.empty((n, 0))
    bounds = np.cumsum([0] + [conditions[i].stats.shape[1] for i in fast])
    out = np.empty((n_resamples, len(conditions)))
    row = 0
    for idx in bootstrap_index_chunks(n, n_resamples, seed):
        b = idx.shape[0]
        if fast:
            means = resampled_means(idx, stacked)
            for j, i in enumerate(fast):
                out[row : row + b, i] = _score_means(conditions[i].metric, means[:, bounds[j] : bounds[j + 1]])
        for i in slow:
            out[row : row + b, i] = _slow_scores(conditions[i], idx)
        row += b
    return out


def _slow_scores(condition: Condition, idx: np.ndarray) -> np.ndarray:
    """General path: ``aggregate(stats[idx])`` in sub-chunks that bound memory."""
    n, k = condition.stats.shape
    rows = chunk_rows(n * k, idx.shape[0])
    parts = [condition.metric.aggregate(condition.stats[idx[s : s + rows]]) for s in range(0, idx.shape[0], rows)]
    return np.concatenate([np.asarray(p, dtype=np.float64).reshape(-1) for p in parts])


def jackknife_scores(condition: Condition) -> np.ndarray:
    """Leave-one-out scores ``(n,)``: closed form on column means, else chunked ``aggregate``."""
    stats, metric = condition.stats, condition.metric
    n = stats.shape[0]
    if is_mean_decomposable(metric, stats):
        loo_means = (stats.sum(axis=0)[None, :] - stats) / (n - 1)
        return _score_means(metric, loo_means)
    keep = np.ones((n, n), dtype=bool)
    np.fill_diagonal(keep, False)
    loo_idx = np.broadcast_to(np.arange(n), (n, n))[keep].reshape(n, n - 1)
    return _slow_scores(condition, loo_idx)


def permutation_gaps(
    pairs: Sequence[tuple[Condition, Condition]], n_permutations: int, seed: Seed
) -> np.ndarray:
    """Gaps ``(P, len(pairs))`` under random per-item swaps of the two conditions of each pair.

    Under the null hypothesis that the perturbation changes nothing, the clean and perturbed
    statistics of an item are exchangeable, so each item's two rows are swapped with
    probability 1/2 (for a mean metric this is a random sign flip of the per-item
    difference). One ``(P, n)`` swap matrix from ``default_rng([PERMUTATION_STREAM, seed])``
    serves every pair that shares the items.
    """
    n = pairs[0][0].stats.shape[0]
    rng = np.random.default_rng([PERMUTATION_STREAM, *seed_words(seed)])
    fast = [i for i, (a, b) in enumerate(pairs) if is_mean_decomposable(a.metric, a.stats) and is_mean_decomposable(b.metric, b.stats)]
    fast_set = set(fast)
    sums_a = [pairs[i][0].stats.sum(axis=0) for i in fast]
    sums_b = [pairs[i][1].stats.sum(axis=0) for i in fast]
    diffs = np.concatenate([pairs[i][1].stats - pairs[i][0].stats for i in fast], axis=1) if fast else np.empty((n, 0))
    bounds = np.cumsum([0] + [pairs[i][0].stats.shape[1] for i in fast])
    out = np.empty((n_permutations, len(pairs)))
    rows = chunk_rows(n, n_permutations)
    for start in range(0, n_permutations, rows):
        p = min(rows, n_permutations - start)
        swap = rng.integers(0, 2, (p, n)).astype(np.float64)
        if fast:
            moved = swap @ diffs
            for j, i in enumerate(fast):
                d = moved[:, bounds[j] : bounds[j + 1]]
                a = _score_means(pairs[i][0].metric, (sums_a[j] + d) / n)
                b = _score_means(pairs[i][1].metric, (sums_b[j] - d) / n)
                out[start : start + p, i] = a - b
        for i in range(len(pairs)):
            if i in fast_set:
                continue
            a, b = pairs[i]
            mask = swap.astype(bool)[..., None]
            sa = a.metric.aggregate(np.where(mask, b.stats[None], a.stats[None]))
            sb = b.metric.aggregate(np.where(mask, a.stats[None], b.stats[None]))
            out[start : start + p, i] = np.asarray(sa) - np.asarray(sb)
    return out
