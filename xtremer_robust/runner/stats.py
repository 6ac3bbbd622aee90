"""Bridge between the runner's predictions and the metrics part's per-item statistics.

References per family: the gold label (pair, choice), the gold tags (tagging), the item
itself (QA: its answers; retrieval: its relevant ids). Retrieval predictions are stored
compactly (top ids + exact ranks of the relevant ids); the metrics take a ranked list, so
we rebuild one that has every known id at its exact rank and fillers elsewhere, which
gives the exact AP, top-1 and AP@k of the full ranking.
"""

from __future__ import annotations

from typing import Any, Sequence

from xtremer_robust.tasks import TaskSpec

__all__ = ["item_references", "metric_predictions", "ranking_from_prediction"]

_FILLER = "\x00"


def item_references(task: TaskSpec, items: Sequence[Any]) -> list[Any]:
    """What each item's prediction is compared with (None where the set has no gold)."""
    family = task.family
    if family in ("pair_classification", "multiple_choice"):
        return [item.label for item in items]
    if family == "tagging":
        return [list(item.tags) for item in items]
    if family == "span_qa":
        return [item if item.answers else None for item in items]
    return [item if item.relevant else None for item in items]


def ranking_from_prediction(prediction: dict[str, Any], relevant: Sequence[str]) -> list[str]:
    """A ranked list with the top ids and every relevant id at its exact 1-based rank."""
    ranks = [r for r in prediction["relevant_ranks"] if r is not None]
    ranking = [_FILLER] * max([len(prediction["top"]), *ranks])
    ranking[: len(prediction["top"])] = prediction["top"]
    for rid, rank in zip(relevant, prediction["relevant_ranks"]):
        if rank is not None:
            ranking[rank - 1] = rid
    return ranking


def metric_predictions(task: TaskSpec, items: Sequence[Any], predictions: Sequence[Any]) -> list[Any]:
    if task.family != "retrieval":
        return list(predictions)
    return [ranking_from_prediction(p, item.relevant) for item, p in zip(items, predictions)]
