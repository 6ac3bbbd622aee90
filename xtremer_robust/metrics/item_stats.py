"""The range of every per-item statistic, checked wherever per-item rows are read back.

A row that no metric could have produced (a hit of 0.7, a negative true-positive count, an
F1 of 1.2) would still give a number when aggregated, so it is refused where it is read:
results files, shards and submission sidecars. The ranges follow from each metric's
definition, which is why they live in the metrics part (below the runner, which merges
shards, and the report, which reads results and sidecars):

- ``correct``, ``hit``, ``em``: 0 or 1 (one item is right or wrong);
- ``f1``, ``ap``: a fraction in [0, 1];
- ``tp``, ``n_pred``, ``n_gold``: whole counts >= 0, with ``tp <= n_pred`` and ``tp <= n_gold``.
"""

from __future__ import annotations

import math
from typing import Sequence

from xtremer_robust.errors import SchemaError

__all__ = ["STAT_RANGES", "check_item_stats"]

#: name -> (kind, low, high); kind "binary" (exactly low or high), "fraction" or "count" (integer >= low).
STAT_RANGES: dict[str, tuple[str, float, float]] = {
    "correct": ("binary", 0.0, 1.0),
    "hit": ("binary", 0.0, 1.0),
    "em": ("binary", 0.0, 1.0),
    "f1": ("fraction", 0.0, 1.0),
    "ap": ("fraction", 0.0, 1.0),
    "tp": ("count", 0.0, math.inf),
    "n_pred": ("count", 0.0, math.inf),
    "n_gold": ("count", 0.0, math.inf),
}


def _fits(kind: str, low: float, high: float, value: float) -> bool:
    if not math.isfinite(value):
        return False
    if kind == "binary":
        return value == low or value == high
    if kind == "count":
        return value >= low and value == int(value)
    return low <= value <= high


def _expected(kind: str, low: float, high: float) -> str:
    if kind == "binary":
        return f"{low:g} or {high:g}"
    if kind == "count":
        return "a whole count >= 0"
    return f"a number in [{low:g}, {high:g}]"


def check_item_stats(stat_names: Sequence[str], values: Sequence[float], *, where: str) -> None:
    """Refuse one per-item row whose values fall outside their statistic's range."""
    for name, value in zip(stat_names, values):
        spec = STAT_RANGES.get(name)
        if spec is None:
            continue  # a statistic this table does not know: the metric checks it
        if not _fits(*spec, float(value)):
            raise SchemaError(f"{where}: '{name}' = {value!r}, but it must be {_expected(*spec)}")
    if len(stat_names) == 3 and tuple(stat_names) == ("tp", "n_pred", "n_gold"):
        tp, n_pred, n_gold = (float(v) for v in values)
        if tp > n_pred or tp > n_gold:
            raise SchemaError(f"{where}: tp = {tp:g} exceeds n_pred = {n_pred:g} or n_gold = {n_gold:g}; tp counts matches of both")
