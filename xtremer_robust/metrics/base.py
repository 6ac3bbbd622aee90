"""The metric contract: score each item once into a small numeric vector, aggregate rows.

Following sacrebleu's ``_extract_corpus_statistics`` / ``_compute_score_from_stats``: the
runner turns every item into ``item_stats`` (a fixed-length float vector); a corpus score
is ``aggregate(stats)`` over the item axis. ``aggregate`` is vectorised over any leading
axes, so the statistics part can resample rows (shape ``(B, n, k)``) without ever going
back to the model.

Two numbers for one task (QA reports F1 as the headline and exact match beside it): the
stat columns carry both (``("em", "f1")``), ``aggregate`` returns the headline and
``aggregate_secondary(name, stats)`` the others, listed in ``secondary_names``. One Metric
object per task therefore keeps one set of per-item rows, and a bootstrap resample of those
rows yields both numbers from the same draw.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any, ClassVar, Sequence

import numpy as np

from xtremer_robust.errors import ConfigError

__all__ = ["Metric", "column_mean", "safe_ratio"]


def safe_ratio(numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
    """``numerator / denominator`` with 0 where the denominator is 0 (seqeval's zero_division=0)."""
    numerator = np.asarray(numerator, dtype=np.float64)
    denominator = np.asarray(denominator, dtype=np.float64)
    out = np.zeros(np.broadcast_shapes(numerator.shape, denominator.shape), dtype=np.float64)
    np.divide(numerator, denominator, out=out, where=denominator != 0)
    return out


def column_mean(stats: np.ndarray, column: int) -> np.ndarray:
    """Mean of one stat column over the item axis, vectorised over leading axes.

    An empty set (zero items) has no score: NaN, without numpy's empty-slice warning.
    """
    stats = np.asarray(stats, dtype=np.float64)
    n = stats.shape[-2]
    if n == 0:
        return np.full(stats.shape[:-2], np.nan)
    return stats[..., column].sum(axis=-1) / n


class Metric(ABC):
    """A metric declares itself: name, direction, the per-item statistics it needs."""

    name: ClassVar[str]
    higher_is_better: ClassVar[bool] = True
    #: Names of the per-item statistics columns, e.g. ("correct",) or ("tp", "n_pred", "n_gold").
    stat_names: ClassVar[tuple[str, ...]]
    #: True when the corpus score is the plain mean of one per-item column (accuracy, EM, F1,
    #: AP): paired tests may then work on per-item differences directly.
    is_mean: ClassVar[bool] = True
    #: The name the headline score is reported under ("accuracy", "f1", "map@20"...).
    headline: ClassVar[str]
    #: Further scores computed from the same stats (QA: ("exact_match",)).
    secondary_names: ClassVar[tuple[str, ...]] = ()

    @abstractmethod
    def item_stats(self, *, prediction: Any, reference: Any) -> tuple[float, ...]:
        """The per-item statistics of one prediction against its reference."""

    @abstractmethod
    def aggregate(self, stats: np.ndarray) -> np.ndarray:
        """Corpus score(s) from stats of shape ``(..., n_items, len(stat_names))``; returns shape ``(...)``.

        Scores are fractions in [0, 1] (reports multiply by 100 where XTREME does).
        """

    def batch_stats(self, *, predictions: Sequence[Any], references: Sequence[Any]) -> np.ndarray:
        """Stats of a whole set, shape ``(n_items, len(stat_names))``, rows in input order.

        Call this rather than looping over ``item_stats`` when the whole set is at hand: a
        metric whose official scorer looks across item boundaries (seqeval on flattened
        sentences) overrides it so that the corpus score is exactly the official one.
        """
        if len(predictions) != len(references):
            raise ConfigError(
                f"metric {self.name}: {len(predictions)} predictions but {len(references)} references; "
                "pass one prediction per reference, in the same order"
            )
        rows = [self.item_stats(prediction=p, reference=r) for p, r in zip(predictions, references)]
        return np.asarray(rows, dtype=np.float64).reshape(len(rows), len(self.stat_names))

    def aggregate_secondary(self, name: str, stats: np.ndarray) -> np.ndarray:
        """A secondary score (see ``secondary_names``), vectorised like ``aggregate``."""
        raise ConfigError(
            f"metric {self.name} has no secondary score '{name}'; available: {list(self.secondary_names) or 'none'}"
        )

    def score(self, stats: np.ndarray) -> float:
        """The headline corpus score of one set of stats, shape ``(n_items, k)``."""
        return float(self.aggregate(np.asarray(stats, dtype=np.float64)))

    def scores(self, stats: np.ndarray) -> dict[str, float]:
        """Headline first, then every secondary score, as plain floats in [0, 1]."""
        stats = np.asarray(stats, dtype=np.float64)
        out = {self.headline: float(self.aggregate(stats))}
        for name in self.secondary_names:
            out[name] = float(self.aggregate_secondary(name, stats))
        return out

    def __repr__(self) -> str:
        return f"{type(self).__name__}(name={self.name!r})"
