"""Accuracy: the share of items whose prediction equals the gold label.

XTREME's ``evaluate.py`` (``accuracy``) compares the label strings of its .tsv files
exactly; XNLI, PAWS-X, XCOPA and Tatoeba all use it. Predictions and labels are compared
as strings, so ``1`` and ``"1"`` agree, the way two lines of the leaderboard files do.

XCOPA's leaderboard files are JSON lines, and ``evaluate.py`` compares the ``label`` values
as ``json.loads`` returns them (``int(p == l)``): a prediction ``{"label": "0"}`` against
gold ``{"label": 0}`` is WRONG there. :class:`ValueAccuracy` is that comparison, used for
layout files of that kind; the runner's own predictions are integers and never differ.
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np

from xtremer_robust.metrics.base import Metric, column_mean

__all__ = ["Accuracy", "ValueAccuracy", "labels_equal"]


def labels_equal(prediction: Any, reference: Any) -> bool:
    """True when the two labels are the same once written as text (how the .tsv files compare)."""
    if prediction is None or reference is None:
        return False
    return str(prediction).strip() == str(reference).strip()


class Accuracy(Metric):
    """Per item: ``correct`` in {0, 1}; corpus: its mean."""

    name: ClassVar[str] = "accuracy"
    headline: ClassVar[str] = "accuracy"
    stat_names: ClassVar[tuple[str, ...]] = ("correct",)

    def item_stats(self, *, prediction: Any, reference: Any) -> tuple[float, ...]:
        return (1.0 if labels_equal(prediction, reference) else 0.0,)

    def aggregate(self, stats: np.ndarray) -> np.ndarray:
        return column_mean(stats, 0)


class ValueAccuracy(Accuracy):
    """Accuracy on raw values, Python ``==`` as ``evaluate.py`` applies it: ``"0" != 0``, ``0 == 0.0``."""

    name: ClassVar[str] = "value_accuracy"

    def item_stats(self, *, prediction: Any, reference: Any) -> tuple[float, ...]:
        return (1.0 if prediction == reference else 0.0,)
