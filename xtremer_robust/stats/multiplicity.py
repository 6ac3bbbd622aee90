"""Adjusting p-values across a family of cells: Holm and Benjamini-Hochberg.

Many languages times many perturbations make many tests. Holm (1979, Scand. J. Stat.
6:65) controls the family-wise error rate under any dependence: use it for "there is a gap
here" claims. Benjamini & Hochberg (1995, JRSS-B 57:289) control the false discovery rate:
use it for maps of many cells. Both return adjusted p-values (compare them with alpha),
clipped at 1 and monotone in the raw p-values, as ``statsmodels``' ``multipletests`` does.
``NaN`` p-values (cells that could not be tested) are left out of the family and stay NaN.
"""

from __future__ import annotations

import dataclasses
from typing import Sequence, TypeVar

import numpy as np

from xtremer_robust.errors import ConfigError

__all__ = ["holm", "benjamini_hochberg", "adjust_family"]

T = TypeVar("T")


def _prepare(p_values: Sequence[float] | np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    p = np.asarray(p_values, dtype=np.float64).reshape(-1)
    ok = ~np.isnan(p)
    if ((p[ok] < 0) | (p[ok] > 1)).any():
        raise ConfigError(f"p-values must lie in [0, 1]; got {p[ok][(p[ok] < 0) | (p[ok] > 1)].tolist()}")
    return p, ok


def holm(p_values: Sequence[float] | np.ndarray) -> np.ndarray:
    """Holm step-down adjusted p-values: ``max_{j <= i} min(1, (m - j + 1) p_(j))`` in sorted order."""
    p, ok = _prepare(p_values)
    out = np.full_like(p, np.nan)
    q = p[ok]
    m = q.size
    if m:
        order = np.argsort(q, kind="stable")
        adjusted = np.maximum.accumulate(np.minimum(1.0, (m - np.arange(m)) * q[order]))
        res = np.empty(m)
        res[order] = adjusted
        out[ok] = res
    return out


def benjamini_hochberg(p_values: Sequence[float] | np.ndarray) -> np.ndarray:
    """BH step-up adjusted p-values: ``min_{j >= i} min(1, m p_(j) / j)`` in sorted order."""
    p, ok = _prepare(p_values)
    out = np.full_like(p, np.nan)
    q = p[ok]
    m = q.size
    if m:
        order = np.argsort(q, kind="stable")
        scaled = q[order] * m / np.arange(1, m + 1)
        adjusted = np.minimum(1.0, np.minimum.accumulate(scaled[::-1])[::-1])
        res = np.empty(m)
        res[order] = adjusted
        out[ok] = res
    return out


def adjust_family(results: Sequence[T]) -> list[T]:
    """Copies of the results (``CellGap``, ``Aggregate``...) with ``p_holm`` and ``p_bh`` filled in.

    The family is exactly the sequence passed: adjust once per family of claims (e.g. all
    cells of a submission), not cell by cell.
    """
    raw = [getattr(r, "p_value") for r in results]
    raw_f = [np.nan if v is None else float(v) for v in raw]
    ph, pb = holm(raw_f), benjamini_hochberg(raw_f)
    return [
        dataclasses.replace(r, p_holm=None if np.isnan(h) else float(h), p_bh=None if np.isnan(b) else float(b))  # type: ignore[type-var]
        for r, h, b in zip(results, ph, pb)
    ]
