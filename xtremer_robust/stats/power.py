"""Minimum detectable effect (MDE): the smallest true gap a cell could detect.

Two-sided test at level ``alpha`` with power ``power``; ``z_a = Phi^-1(1 - alpha/2)``,
``z_b = Phi^-1(power)`` (alpha 0.05 and power 0.8 give ``z_a + z_b = 2.80``).

* Paired design (any metric): ``MDE = (z_a + z_b) * SE``, with ``SE`` the jackknife
  standard error of the gap. For a mean metric the jackknife SE equals
  ``sd(d) / sqrt(n)`` exactly (``d`` the per-item differences, ``ddof=1``), the textbook
  paired-t formula; for ratio metrics (seqeval F1) it is the delta-method SE.
* McNemar (Connor 1987, Biometrics 43:207): with discordant rate ``p_d = (b + c) / n``,
  the detectable difference of accuracies ``delta`` solves
  ``delta sqrt(n) = z_a sqrt(p_d) + z_b sqrt(p_d - delta^2)``, i.e. the larger root of
  ``(n + z_b^2) delta^2 - 2 z_a sqrt(n p_d) delta + (z_a^2 - z_b^2) p_d = 0``.
  With no discordant items the rate is 0 and nothing can be estimated: ``None``.
"""

from __future__ import annotations

import math

import numpy as np
from scipy.special import ndtri

__all__ = ["z_sum", "mde_paired", "mde_mcnemar", "jackknife_se"]


def z_sum(alpha: float, power: float) -> tuple[float, float]:
    return float(ndtri(1.0 - alpha / 2.0)), float(ndtri(power))


def jackknife_se(jackknife: np.ndarray) -> float:
    """``sqrt((n - 1) / n * sum((theta_i - mean)^2))``."""
    jack = np.asarray(jackknife, dtype=np.float64)
    n = jack.size
    return float(math.sqrt((n - 1) / n * np.sum((jack - jack.mean()) ** 2)))


def mde_paired(se: float, alpha: float = 0.05, power: float = 0.8) -> float | None:
    """``(z_a + z_b) * se``; ``None`` when the SE is zero or non-finite (nothing varies)."""
    if not np.isfinite(se) or se <= 0.0:
        return None
    za, zb = z_sum(alpha, power)
    return (za + zb) * se


def mde_mcnemar(n_discordant: int, n: int, alpha: float = 0.05, power: float = 0.8) -> float | None:
    """Connor's (1987) detectable accuracy difference from the discordant rate; ``None`` without discordance."""
    if n <= 0 or n_discordant <= 0:
        return None
    pd = n_discordant / n
    za, zb = z_sum(alpha, power)
    qa = n + zb**2
    qb = -2.0 * za * math.sqrt(n * pd)
    # qb^2 - 4 qa qc, simplified by hand: at power 0.5 (z_b = 0) it is exactly 0, which the
    # subtraction of two nearly equal terms rounded below 0 (no MDE) or to noise.
    disc = 4.0 * pd * zb**2 * (n - za**2 + zb**2)
    if disc < 0:
        return None
    delta = (-qb + math.sqrt(disc)) / (2.0 * qa)
    return float(delta)
