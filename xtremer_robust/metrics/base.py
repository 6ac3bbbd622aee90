"""The metric contract: score each item once into a small numeric vector, aggregate rows.

Following sacrebleu's ``_extract_corpus_statistics`` / ``_compute_score_from_stats``: the
runner turns every item into ``item_stats`` (a fixed-length float vector); a corpus score
is ``aggregate(stats)`` over the item axis. ``aggregate`` is vectorised over any leading
axes, so the statistics part can resample rows (shape ``(B, n, k)``) without ever going
back to the model.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any, ClassVar

import numpy as np

__all__ = ["Metric"]


class Metric(ABC):
    """A metric declares itself: name, direction, the per-item statistics it needs."""

    name: ClassVar[str]
    higher_is_better: ClassVar[bool] = True
    #: Names of the per-item statistics columns, e.g. ("correct",) or ("tp", "n_pred", "n_gold").
    stat_names: ClassVar[tuple[str, ...]]
    #: True when the corpus score is the plain mean of one per-item column (accuracy, EM, F1,
    #: AP): paired tests may then work on per-item differences directly.
    is_mean: ClassVar[bool] = True

    @abstractmethod
    def item_stats(self, *, prediction: Any, reference: Any) -> tuple[float, ...]:
        """The per-item statistics of one prediction against its reference."""

    @abstractmethod
    def aggregate(self, stats: np.ndarray) -> np.ndarray:
        """Corpus score(s) from stats of shape ``(..., n_items, len(stat_names))``; returns shape ``(...)``.

        Scores are fractions in [0, 1] (reports multiply by 100 where XTREME does).
        """

    def score(self, stats: np.ndarray) -> float:
        return float(self.aggregate(np.asarray(stats, dtype=np.float64)))
