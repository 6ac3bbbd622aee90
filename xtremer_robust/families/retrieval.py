"""Retrieval (Tatoeba, LAReQA, Mewsli-X): a query ranked against a candidate pool.

The model is a bare encoder (every checkpoint has one); the runner embeds queries and
candidates and ranks by cosine (:mod:`xtremer_robust.runner.retrieval`), so this family has
no per-item featurizer. Predictions are stored compactly (top ids + exact ranks of the
relevant ids); the metrics take a ranked list, so :func:`ranking_from_prediction` rebuilds
one with every known id at its exact rank and fillers elsewhere, which gives the exact AP,
top-1 and AP@k of the full ranking. Only the query may be perturbed or attacked; a ranking
has no single gold score, so the scoring runner's attack target refuses the family.
"""

from __future__ import annotations

from typing import Any, Sequence

from xtremer_robust.families.base import Family, Head, ReaderRule
from xtremer_robust.families.records import Record, RetrievalItem

__all__ = ["RETRIEVAL", "ranking_from_prediction"]

_FILLER = "\x00"


def ranking_from_prediction(prediction: dict[str, Any], relevant: Sequence[str]) -> list[str]:
    """A ranked list with the top ids and every relevant id at its exact 1-based rank."""
    ranks = [r for r in prediction["relevant_ranks"] if r is not None]
    ranking = [_FILLER] * max([len(prediction["top"]), *ranks])
    ranking[: len(prediction["top"])] = prediction["top"]
    for rid, rank in zip(relevant, prediction["relevant_ranks"]):
        if rank is not None:
            ranking[rank - 1] = rid
    return ranking


def relevant_references(items: Sequence[Record]) -> list[Any]:
    """The item itself (the metrics read its relevant ids); None where it has none."""
    return [item if item.relevant else None for item in items]  # type: ignore[union-attr]


def rankings(items: Sequence[Record], predictions: Sequence[Any]) -> list[Any]:
    return [ranking_from_prediction(p, item.relevant) for item, p in zip(items, predictions)]  # type: ignore[union-attr]


RETRIEVAL = Family(
    name="retrieval",
    record_type=RetrievalItem,
    # Tatoeba pair files are named <xxx>-eng.<xxx>; XQuAD-R (LAReQA) files are JSON.
    readers=(ReaderRule(r"\.json$", "xquad_r"), ReaderRule(r"-eng\.[a-z]{3}$", "tatoeba")),
    head=Head("AutoModel", "", task_labels=False),
    perturbable=("query",),
    attack_fields=("query",),  # searchable with a ranking-aware target; gold_score None: not by the runner
    featurizer=None,
    uses_candidates=True,
    references=relevant_references,
    metric_inputs=rankings,
    gold_score=None,
    # Tatoeba: the index of the retrieved English line; LAReQA, Mewsli-X: ranked id lists.
    layouts=(("tsv", "index"), ("json", "ranked")),
)
