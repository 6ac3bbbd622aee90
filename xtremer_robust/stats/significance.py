"""Paired significance tests: exact McNemar for binary correctness, permutation otherwise.

Exact McNemar (McNemar 1947; exact form as in Fagerland, Lydersen & Laake 2013, BMC Med.
Res. Methodol. 13:91): among the discordant items, ``b`` are right only on the clean side
and ``c`` only on the perturbed side; under the null each discordant item is equally likely
to fall either way, so ``b ~ Binomial(b + c, 1/2)`` and the two-sided p-value is
``min(1, 2 * P(X <= min(b, c)))`` (identical to ``scipy.stats.binomtest(b, b + c)``, since
the distribution is symmetric). With no discordant items there is no evidence of a gap and
``p = 1`` (no division, no crash).

The paired permutation test (random per-item swaps of the two conditions, see
:func:`xtremer_robust.stats.resampling.permutation_gaps`) gives the Monte-Carlo p-value
``(1 + #{|T*| >= |T|}) / (P + 1)`` (Phipson & Smyth 2010, Stat. Appl. Genet. Mol. Biol.
9:39), which is never 0 and is valid at any number of permutations.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.stats import binom

from xtremer_robust.errors import ConfigError

__all__ = ["McNemarResult", "mcnemar_exact", "mcnemar_exact_counts", "permutation_p_value", "is_binary"]

_TIE_TOL = 1e-12


@dataclass(frozen=True)
class McNemarResult:
    n_clean_only: int
    n_perturbed_only: int
    p_value: float


def mcnemar_exact_counts(n_clean_only: int | np.ndarray, n_perturbed_only: int | np.ndarray) -> np.ndarray:
    """Two-sided exact McNemar p-values from discordant counts (vectorised; ``p = 1`` at ``b + c = 0``)."""
    b = np.asarray(n_clean_only, dtype=np.int64)
    c = np.asarray(n_perturbed_only, dtype=np.int64)
    if (b < 0).any() or (c < 0).any():
        raise ConfigError(f"McNemar: discordant counts must be >= 0, got {b.tolist()} and {c.tolist()}")
    total = b + c
    p = np.minimum(1.0, 2.0 * binom.cdf(np.minimum(b, c), total, 0.5))
    return np.where(total == 0, 1.0, p)


def is_binary(values: np.ndarray) -> bool:
    """True when every value is exactly 0 or 1 (per-item correctness)."""
    return bool(np.isin(values, (0.0, 1.0)).all())


def mcnemar_exact(correct_clean: np.ndarray, correct_perturbed: np.ndarray) -> McNemarResult:
    """Exact McNemar test on two paired 0/1 (or boolean) correctness vectors of the same items."""
    a = np.asarray(correct_clean, dtype=np.float64).reshape(-1)
    p = np.asarray(correct_perturbed, dtype=np.float64).reshape(-1)
    if a.shape != p.shape:
        raise ConfigError(f"McNemar: correct_clean has {a.size} items, correct_perturbed has {p.size}; pass the same items")
    if not (is_binary(a) and is_binary(p)):
        raise ConfigError("McNemar: per-item correctness must be 0/1 or boolean; use the permutation test for graded scores")
    b = int(np.count_nonzero((a == 1) & (p == 0)))
    c = int(np.count_nonzero((a == 0) & (p == 1)))
    return McNemarResult(b, c, float(mcnemar_exact_counts(b, c)))


def permutation_p_value(observed: float, permuted: np.ndarray) -> float:
    """Two-sided Monte-Carlo p-value ``(1 + #{|T*| >= |T|}) / (P + 1)``; ties within 1e-12 count as extreme."""
    permuted = np.asarray(permuted, dtype=np.float64)
    if not np.isfinite(observed):
        return float("nan")
    extreme = np.count_nonzero(np.abs(permuted) >= abs(observed) - _TIE_TOL * (1.0 + abs(observed)))
    return (1.0 + extreme) / (permuted.size + 1.0)
