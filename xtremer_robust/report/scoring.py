"""How a cell's per-item statistics become a score, for the report part.

The metrics part owns the real definitions (``xtremer_robust.metrics.get_metric``); when it
is importable its ``aggregate`` is used, so a submission's numbers are the runner's numbers.
Otherwise the few shapes the results contract allows are aggregated here from the column
names alone: one column (accuracy, top-1, AP, EM or F1 per item) is a mean; QA's
``(em, f1)`` reports F1 (the XTREME-R convention for aggregates, EM beside it);
``(tp, n_pred, n_gold)`` is micro F1 (seqeval's entity F1). Vectorised over leading axes so
that bootstrap replicates of shape ``(B, n, k)`` aggregate in one call.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from xtremer_robust.errors import SchemaError

__all__ = ["Scorer", "scorer_for"]


@dataclass(frozen=True)
class Scorer:
    """Aggregation of one cell: ``aggregate(stats[..., n, k]) -> scores[...]`` in [0, 1]."""

    metric: str
    stat_names: tuple[str, ...]
    aggregate: Callable[[np.ndarray], np.ndarray]
    #: The score is the mean of one per-item column (paired tests may use per-item differences).
    mean_column: int | None
    #: Secondary scores reported beside the main one (QA: EM), name -> column mean.
    secondary: tuple[tuple[str, int], ...] = ()

    def score(self, stats: np.ndarray) -> float:
        return float(self.aggregate(np.asarray(stats, dtype=np.float64)))

    def is_binary(self, stats: np.ndarray) -> bool:
        """Whether the score is a mean of 0/1 values (then McNemar is the exact test)."""
        if self.mean_column is None or stats.size == 0:
            return False
        column = stats[..., self.mean_column]
        return bool(np.all((column == 0) | (column == 1)))


def _mean_of(column: int) -> Callable[[np.ndarray], np.ndarray]:
    def aggregate(stats: np.ndarray) -> np.ndarray:
        return stats[..., column].mean(axis=-1)

    return aggregate


def _micro_f1(tp: int, n_pred: int, n_gold: int) -> Callable[[np.ndarray], np.ndarray]:
    def aggregate(stats: np.ndarray) -> np.ndarray:
        sums = stats.sum(axis=-2)
        denom = sums[..., n_pred] + sums[..., n_gold]
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(denom > 0, 2.0 * sums[..., tp] / np.where(denom > 0, denom, 1.0), 0.0)

    return aggregate


def _from_metrics_part(metric: str, names: tuple[str, ...]) -> Scorer | None:
    try:
        from xtremer_robust.metrics import get_metric  # type: ignore[attr-defined]
    except ImportError:
        return None
    try:
        impl = get_metric(metric)
    except Exception:  # an unknown name there: fall back to the column conventions
        return None
    if tuple(getattr(impl, "stat_names", ())) != names:
        return None
    mean_column = 0 if getattr(impl, "is_mean", False) and len(names) == 1 else None
    if "f1" in names and "em" in names:
        mean_column = names.index("f1") if getattr(impl, "is_mean", False) else None
    secondary = (("em", names.index("em")),) if "em" in names and "f1" in names else ()
    return Scorer(metric, names, impl.aggregate, mean_column, secondary)


def scorer_for(metric: str, stat_names: list[str] | tuple[str, ...]) -> Scorer:
    """The aggregation of a cell with ``metric`` and per-item columns ``stat_names``."""
    names = tuple(stat_names)
    found = _from_metrics_part(metric, names)
    if found is not None:
        return found
    if len(names) == 1:
        return Scorer(metric, names, _mean_of(0), 0)
    if "f1" in names and "em" in names:
        f1 = names.index("f1")
        return Scorer(metric, names, _mean_of(f1), f1, (("em", names.index("em")),))
    if {"tp", "n_pred", "n_gold"} <= set(names):
        return Scorer(metric, names, _micro_f1(names.index("tp"), names.index("n_pred"), names.index("n_gold")), None)
    raise SchemaError(
        f"metric '{metric}' with statistics {list(names)}: no known aggregation; expected one column, "
        "('em', 'f1') or ('tp', 'n_pred', 'n_gold')"
    )
