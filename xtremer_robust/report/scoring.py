"""The metric of a cell, resolved from what a results or submission file says about it.

A cell names its metric (``accuracy``, ``f1``, ``em_f1``, ``mlqa_em_f1``, ``top1``, ``map20``,
``map``...) and its per-item columns (``stat_names``). The report part never re-implements
a metric: it asks the metrics registry for the object, so a submission's numbers are the
runner's numbers, and refuses a cell whose columns are not the ones that metric produces
(a file from another version, or a tampered one).
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from xtremer_robust.errors import SchemaError, XtremerError
from xtremer_robust.metrics import Metric, available_metrics, get_metric
from xtremer_robust.metrics.registry import LANGUAGE_AWARE

__all__ = ["metric_for_cell", "headline_and_secondary"]


@lru_cache(maxsize=256)
def _metric(name: str, language: str | None) -> Metric:
    return get_metric(name, language=language)


def metric_for_cell(name: str, stat_names: list[str] | tuple[str, ...], language: str) -> Metric:
    """The registered metric ``name`` (language-aware where it must be), checked against ``stat_names``."""
    try:
        metric = _metric(name, language if name in LANGUAGE_AWARE else None)
    except XtremerError as exc:
        raise SchemaError(f"metric '{name}': {exc}. Known metrics: {', '.join(available_metrics())}") from None
    if tuple(stat_names) != tuple(metric.stat_names):
        raise SchemaError(
            f"metric '{name}' has per-item statistics {list(metric.stat_names)}, but the cell says {list(stat_names)}"
        )
    return metric


def headline_and_secondary(metric: Metric, stats: np.ndarray) -> tuple[float, dict[str, float]]:
    """The headline score and the secondary ones (QA: exact match; seqeval: precision, recall)."""
    scores = metric.scores(np.asarray(stats, dtype=np.float64))
    headline = scores.pop(metric.headline)
    return headline, scores
