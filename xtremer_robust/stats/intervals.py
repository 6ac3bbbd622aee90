"""Bootstrap confidence intervals: BCa, with the percentile interval where BCa degenerates.

BCa follows Efron & Tibshirani, *An Introduction to the Bootstrap* (1993), 14.3 and
eq. 14.15 (acceleration from the jackknife), exactly as ``scipy.stats.bootstrap`` does:
bias correction ``z0 = Phi^-1(share of bootstrap values below the estimate, ties counted
half)``, acceleration ``a = sum(u^3) / (6 (sum(u^2))^1.5)`` with ``u = mean(jack) - jack``,
then the percentile levels ``Phi(z0 + (z0 + z) / (1 - a (z0 + z)))`` of the bootstrap
distribution (linear interpolation, as ``np.quantile``).

One difference from scipy: ties between a bootstrap value and the estimate are judged with a
tolerance of ``1e-12`` (plus ``1e-12`` relative), because per-item statistics are often
0/1 and the same gap reached through a different sum can differ in the last bit.

Degenerate cases fall back to the percentile interval and say why (``method_note``): all
bootstrap values equal (zero variance), an estimate outside the bootstrap distribution
(``z0`` infinite), a jackknife with no spread or a non-finite acceleration.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np
from scipy.special import ndtr, ndtri

__all__ = ["Interval", "acceleration", "bootstrap_interval", "percentile_of_score"]

_TIE_ATOL = 1e-12
_TIE_RTOL = 1e-12


@dataclass(frozen=True)
class Interval:
    low: float
    high: float
    method: str  # "bca" or "percentile"
    note: str | None


def percentile_of_score(boot: np.ndarray, estimate: float) -> float:
    """Share of bootstrap values below ``estimate``, ties counted half (scipy's 'mean' kind)."""
    tol = _TIE_ATOL + _TIE_RTOL * abs(estimate)
    below = np.count_nonzero(boot < estimate - tol)
    ties = np.count_nonzero(np.abs(boot - estimate) <= tol)
    return (below + 0.5 * ties) / boot.size


def _percentile(boot: np.ndarray, confidence: float, note: str | None) -> Interval:
    alpha = (1.0 - confidence) / 2.0
    low, high = np.quantile(boot, [alpha, 1.0 - alpha])
    return Interval(float(low), float(high), "percentile", note)


def acceleration(jackknives: Sequence[np.ndarray]) -> float:
    """BCa acceleration from leave-one-out values of one or several independent samples.

    One sample: ``a = sum(u^3) / (6 (sum(u^2))^1.5)`` with ``u = mean(jack) - jack``. Several
    (a stratified bootstrap: each stratum resampled on its own), as scipy does for
    multi-sample statistics: ``u_j = (n_j - 1)(mean(jack_j) - jack_j)`` and
    ``a = sum_j sum(u_j^3) / n_j^3 / (6 (sum_j sum(u_j^2) / n_j^2)^1.5)``. NaN when undefined.
    """
    num = den = 0.0
    for jack in jackknives:
        jack = np.asarray(jack, dtype=np.float64)
        n = float(jack.size)
        u = (n - 1.0) * (jack.mean() - jack)
        num += float(np.sum(u**3)) / n**3
        den += float(np.sum(u**2)) / n**2
    if den == 0.0 or not np.isfinite(den) or not np.isfinite(num):
        return float("nan")
    return num / (6.0 * den**1.5)


def bootstrap_interval(
    estimate: float,
    boot: np.ndarray,
    jackknife: np.ndarray | Sequence[np.ndarray] | None,
    confidence: float = 0.95,
) -> Interval:
    """Two-sided interval for ``estimate`` from its bootstrap values and leave-one-out values.

    ``jackknife`` is one array of leave-one-out values, or a list of them (one per stratum)
    for a stratified bootstrap; ``None`` asks for the percentile interval directly.
    """
    boot = np.asarray(boot, dtype=np.float64)
    finite = np.isfinite(boot)
    if not finite.all():
        dropped = int((~finite).sum())
        if dropped == boot.size:
            return Interval(float("nan"), float("nan"), "percentile", "every bootstrap value is non-finite")
        return _percentile(boot[finite], confidence, f"{dropped} non-finite bootstrap values dropped; BCa not attempted")
    if jackknife is None:
        return _percentile(boot, confidence, None)
    if np.ptp(boot) == 0.0:
        return _percentile(boot, confidence, "all bootstrap values are equal (zero variance)")
    if not np.isfinite(estimate):
        return _percentile(boot, confidence, "the estimate is non-finite")
    share = percentile_of_score(boot, estimate)
    if share <= 0.0 or share >= 1.0:
        return _percentile(boot, confidence, "the estimate lies outside the bootstrap distribution (infinite bias correction)")
    z0 = float(ndtri(share))
    jacks = [jackknife] if isinstance(jackknife, np.ndarray) else list(jackknife)
    if not all(np.isfinite(np.asarray(j, dtype=np.float64)).all() for j in jacks):
        return _percentile(boot, confidence, "non-finite jackknife values")
    accel = acceleration(jacks)
    if not np.isfinite(accel):
        return _percentile(boot, confidence, "the jackknife values have no spread (acceleration undefined)")
    z = float(ndtri((1.0 - confidence) / 2.0))
    levels = []
    for zz in (z, -z):
        num = z0 + zz
        levels.append(float(ndtr(z0 + num / (1.0 - accel * num))))
    if not all(np.isfinite(levels)):
        return _percentile(boot, confidence, "non-finite BCa levels")
    low, high = np.quantile(boot, levels)
    return Interval(float(low), float(high), "bca", None)
