"""The paired statistics a submission needs, computed on per-item statistics only.

Habits from sacrebleu's ``significance.py``: score each item once, then resample rows of
the numeric array; draw one ``(B, n)`` index matrix from a local generator and apply it to
both sides of a comparison, so every replicate is paired. Seeds are derived from the cell's
name, never from the order cells arrive in, so adding a language does not move another
language's interval.

Methods (Efron & Tibshirani 1993, "An Introduction to the Bootstrap"; Koehn 2004 for the
paired bootstrap over test items; McNemar 1947 in its exact binomial form; Holm 1979;
Benjamini & Hochberg 1995): percentile intervals of the paired bootstrap; exact McNemar on
the discordant pairs when the score is a mean of 0/1 values (p = 1 when there are none);
otherwise a paired permutation test that swaps the two conditions per item. The minimum
detectable effect is (z_{0.975} + z_{0.80}) times the bootstrap standard error of the
difference: the difference a two-sided 5% test detects with 80% power.

When the statistics part (``xtremer_robust.stats``) is present, callers may substitute its
BCa intervals; the result layout here is what the submission schema records.
"""

from __future__ import annotations

import hashlib
from typing import Iterator

import numpy as np
from scipy.stats import binomtest, norm

from xtremer_robust.report.scoring import Scorer

__all__ = [
    "cell_rng",
    "replicates",
    "paired_replicates",
    "percentile_ci",
    "mcnemar_exact",
    "permutation_pvalue",
    "minimum_detectable_effect",
    "holm",
    "benjamini_hochberg",
]

_CHUNK_CELLS = 4_000_000  # indices per chunk (B x n), about 32 MB of int64


def cell_rng(seed: int, *name: object) -> np.random.Generator:
    """A generator for one named cell: same (seed, name) -> same draws, whatever the order."""
    digest = hashlib.sha256("\x1f".join(str(part) for part in name).encode("utf-8")).digest()
    return np.random.default_rng([int(seed), int.from_bytes(digest[:8], "little")])


def _chunks(n_resamples: int, n_items: int) -> Iterator[int]:
    step = max(1, _CHUNK_CELLS // max(n_items, 1))
    for start in range(0, n_resamples, step):
        yield min(step, n_resamples - start)


def replicates(stats: np.ndarray, scorer: Scorer, n_resamples: int, rng: np.random.Generator) -> np.ndarray:
    """Bootstrap replicates of one cell's score, shape ``(n_resamples,)``."""
    n = stats.shape[0]
    out = [scorer.aggregate(stats[rng.integers(0, n, size=(size, n))]) for size in _chunks(n_resamples, n)]
    return np.concatenate(out)


def paired_replicates(
    first: np.ndarray, second: np.ndarray, scorer: Scorer, n_resamples: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Replicates of two scores on the same items: one index matrix applied to both sides."""
    n = first.shape[0]
    a_parts, b_parts = [], []
    for size in _chunks(n_resamples, n):
        idx = rng.integers(0, n, size=(size, n))
        a_parts.append(scorer.aggregate(first[idx]))
        b_parts.append(scorer.aggregate(second[idx]))
    return np.concatenate(a_parts), np.concatenate(b_parts)


def percentile_ci(reps: np.ndarray, level: float = 0.95) -> tuple[float, float]:
    """The central ``level`` percentile interval of bootstrap replicates."""
    alpha = (1.0 - level) / 2.0
    low, high = np.quantile(reps, [alpha, 1.0 - alpha])
    return float(low), float(high)


def mcnemar_exact(first_correct: np.ndarray, second_correct: np.ndarray) -> float:
    """Two-sided exact McNemar p-value; 1.0 when no pair is discordant (nothing to test)."""
    a = first_correct.astype(bool)
    b = second_correct.astype(bool)
    only_first = int(np.sum(a & ~b))
    only_second = int(np.sum(~a & b))
    if only_first + only_second == 0:
        return 1.0
    return float(binomtest(only_first, only_first + only_second, 0.5).pvalue)


def permutation_pvalue(
    first: np.ndarray, second: np.ndarray, scorer: Scorer, n_permutations: int, rng: np.random.Generator
) -> float:
    """Paired permutation test: swap the two conditions of each item at random.

    p = (1 + #{|perm diff| >= |observed diff|}) / (1 + n_permutations), never 0.
    """
    observed = abs(scorer.score(first) - scorer.score(second))
    n = first.shape[0]
    hits = 0
    for size in _chunks(n_permutations, n):
        swap = rng.random((size, n)) < 0.5
        a = np.where(swap[..., None], second[None], first[None])
        b = np.where(swap[..., None], first[None], second[None])
        diff = np.abs(scorer.aggregate(a) - scorer.aggregate(b))
        hits += int(np.sum(diff >= observed - 1e-12))
    return (1 + hits) / (1 + n_permutations)


def minimum_detectable_effect(diff_reps: np.ndarray, *, alpha: float = 0.05, power: float = 0.8) -> float:
    """Smallest true difference a two-sided ``alpha`` test finds with ``power``, from the bootstrap SE."""
    return float((norm.ppf(1 - alpha / 2) + norm.ppf(power)) * np.std(diff_reps, ddof=1)) if diff_reps.size > 1 else 0.0


def holm(p_values: np.ndarray) -> np.ndarray:
    """Holm's step-down adjusted p-values (family-wise error control)."""
    p = np.asarray(p_values, dtype=np.float64)
    m = p.size
    if m == 0:
        return p
    order = np.argsort(p, kind="stable")
    adjusted = np.maximum.accumulate((m - np.arange(m)) * p[order])
    out = np.empty_like(p)
    out[order] = np.minimum(adjusted, 1.0)
    return out


def benjamini_hochberg(p_values: np.ndarray) -> np.ndarray:
    """Benjamini-Hochberg adjusted p-values (false discovery rate control)."""
    p = np.asarray(p_values, dtype=np.float64)
    m = p.size
    if m == 0:
        return p
    order = np.argsort(p, kind="stable")
    scaled = p[order] * m / np.arange(1, m + 1)
    adjusted = np.minimum.accumulate(scaled[::-1])[::-1]
    out = np.empty_like(p)
    out[order] = np.minimum(adjusted, 1.0)
    return out
