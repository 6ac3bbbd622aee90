"""Retrieval metrics on ranked lists: top-1 accuracy, mean average precision (at k).

- Tatoeba (XTREME ``evaluate.py``): accuracy of the single retrieved English sentence.
- Mewsli-X (XTREME-R; ``third_party/utils_mewslix.py``): mAP@20 over the top 20 ranked
  entity ids. Each mention has one gold entity, so its AP@20 is the reciprocal rank of the
  gold id within the first 20 (0 when absent), which is exactly what that file computes
  (``mean_reciprocal_rank`` on predictions truncated to ``TOP_K = 20``).
- LAReQA (Roy et al. 2020) as XTREME-R scores it (``third_party/evaluate_retrieval.py``
  calls ``utils_lareqa.mean_avg_prec_at_k(..., k=20)``): mAP@20 over one multilingual pool,
  each question having 11 relevant answers (its answer sentence in every language), AP@20
  dividing by ``min(|relevant|, 20)``, exactly ``utils_lareqa.average_precision_at_k``.
  :class:`MapAtKWithFull` reports it as the headline and the full-ranking mAP (the LAReQA
  paper's figure) beside it, from the same per-item rows.

Per item the stat is the query's AP (or its 0/1 hit for top-1); the corpus score is the
mean. AP@k divides by ``min(|relevant|, k)`` (the usual convention; identical to the
scripts when there is one relevant id). Relevant ids missing from a truncated ranking add 0.
"""

from __future__ import annotations

from typing import Any, ClassVar, Sequence

import numpy as np

from xtremer_robust.errors import ConfigError
from xtremer_robust.metrics.accuracy import labels_equal
from xtremer_robust.metrics.base import Metric, column_mean

__all__ = ["average_precision", "TopOneAccuracy", "MeanAveragePrecision", "MapAtKWithFull"]


def _ranking(prediction: Any) -> list[str]:
    """A ranked list of ids from a list/tuple (best first); a single id is a list of one."""
    if prediction is None:
        return []
    if isinstance(prediction, (str, int, np.integer)):
        return [str(prediction)]
    if isinstance(prediction, Sequence) or isinstance(prediction, np.ndarray):
        return [str(p) for p in prediction]
    raise ConfigError(f"retrieval prediction: expected a ranked list of candidate ids, got {type(prediction).__name__}")


def _relevant(reference: Any) -> set[str]:
    """Relevant ids from a RetrievalItem, a list of ids, or a single id."""
    relevant = getattr(reference, "relevant", reference)
    ids = {str(r) for r in _ranking(relevant)}
    if not ids:
        raise ConfigError(f"retrieval reference: expected at least one relevant id, got {reference!r}")
    return ids


def average_precision(ranking: Sequence[str], relevant: set[str], k: int | None = None) -> float:
    """AP of one ranked list: mean over relevant ids of precision at their rank (0 if unranked).

    Duplicated ids in the ranking count at their first position only.
    """
    if k is not None:
        ranking = ranking[:k]
    hits, total, seen = 0, 0.0, set()
    for rank, cid in enumerate(ranking, start=1):
        if cid in relevant and cid not in seen:
            hits += 1
            total += hits / rank
        seen.add(cid)
    denominator = len(relevant) if k is None else min(len(relevant), k)
    return total / denominator


class TopOneAccuracy(Metric):
    """1 when the first-ranked candidate is relevant (Tatoeba's accuracy)."""

    name: ClassVar[str] = "top1"
    headline: ClassVar[str] = "accuracy"
    stat_names: ClassVar[tuple[str, ...]] = ("hit",)

    def item_stats(self, *, prediction: Any, reference: Any) -> tuple[float, ...]:
        ranking = _ranking(prediction)
        if not ranking:
            return (0.0,)
        return (1.0 if any(labels_equal(ranking[0], r) for r in _relevant(reference)) else 0.0,)

    def aggregate(self, stats: np.ndarray) -> np.ndarray:
        return column_mean(stats, 0)


class MeanAveragePrecision(Metric):
    """Mean over queries of AP (at ``k`` when given): ``map`` (LAReQA), ``map20`` (Mewsli-X)."""

    name: ClassVar[str] = "map"
    headline: ClassVar[str] = "map"
    stat_names: ClassVar[tuple[str, ...]] = ("ap",)

    def __init__(self, k: int | None = None):
        if k is not None and k < 1:
            raise ConfigError(f"mAP@k: k must be a positive integer or None, got {k}")
        self.k = k
        self.name = "map" if k is None else f"map{k}"  # type: ignore[misc]
        self.headline = "map" if k is None else f"map@{k}"  # type: ignore[misc]

    def item_stats(self, *, prediction: Any, reference: Any) -> tuple[float, ...]:
        return (average_precision(_ranking(prediction), _relevant(reference), self.k),)

    def aggregate(self, stats: np.ndarray) -> np.ndarray:
        return column_mean(stats, 0)

    def __repr__(self) -> str:
        return f"MeanAveragePrecision(k={self.k})"


class MapAtKWithFull(Metric):
    """mAP@k as the headline (LAReQA in XTREME-R: k = 20) and full-ranking mAP beside it.

    Stats per query: ``(AP@k, AP)``; both need the exact ranks of the relevant ids (the
    runner stores them), so the full mAP is exact although only the top k ids are kept.
    """

    name: ClassVar[str] = "map20_full"
    headline: ClassVar[str] = "map@20"
    stat_names: ClassVar[tuple[str, ...]] = ("ap_at_k", "ap")
    secondary_names: ClassVar[tuple[str, ...]] = ("map",)
    k: ClassVar[int] = 20

    def item_stats(self, *, prediction: Any, reference: Any) -> tuple[float, ...]:
        ranking, relevant = _ranking(prediction), _relevant(reference)
        return (average_precision(ranking, relevant, self.k), average_precision(ranking, relevant))

    def aggregate(self, stats: np.ndarray) -> np.ndarray:
        return column_mean(stats, 0)

    def aggregate_secondary(self, name: str, stats: np.ndarray) -> np.ndarray:
        if name == "map":
            return column_mean(stats, 1)
        return super().aggregate_secondary(name, stats)
