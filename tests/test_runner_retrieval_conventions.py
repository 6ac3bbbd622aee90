"""Retrieval conventions of the runner that a score depends on: prefixes per task, the top 20 kept."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np

from xtremer_robust.families.retrieval import ranking_from_prediction
from xtremer_robust.metrics.retrieval import MapAtKWithFull, average_precision
from xtremer_robust.models.info import Prefixes
from xtremer_robust.runner.retrieval import TOP_K, rank_queries, side_prefixes

E5 = SimpleNamespace(info=SimpleNamespace(prefixes=Prefixes(query="query: ", passage="passage: ", symmetric="query: ")))


def test_translation_pairs_take_the_symmetric_prefix_on_both_sides() -> None:
    # E5's recipe: "query: " on both sides for bitext mining, query/passage for QA retrieval
    assert side_prefixes(E5, "tatoeba") == ("query: ", "query: ")
    assert side_prefixes(E5, "lareqa") == ("query: ", "passage: ")
    assert side_prefixes(E5, "lareqa_monolingual") == ("query: ", "passage: ")


def _pool(n: int) -> tuple[np.ndarray, list[str]]:
    """Unit vectors whose cosine with the query falls as the index grows (candidate i at rank i+1)."""
    angles = np.linspace(0.0, 1.5, n)
    return np.stack([np.cos(angles), np.sin(angles)], axis=1), [f"c{i:02d}" for i in range(n)]


def test_the_stored_ranking_keeps_the_top_20_and_exact_ranks() -> None:
    pool, ids = _pool(30)
    query = np.array([[1.0, 0.0]])
    (result,) = rank_queries(query, pool, ids, [["c03", "c24"]])
    assert TOP_K == 20
    assert result["top"] == ids[:20]  # the leaderboard's Mewsli-X / LAReQA files need 20 ids
    assert result["relevant_ranks"] == [4, 25] and result["pool_size"] == 30
    # mAP@20 and full mAP from the compact form equal those of the full ranking
    ranking = ranking_from_prediction(result, ["c03", "c24"])
    reference = SimpleNamespace(relevant=("c03", "c24"))
    at20, full = MapAtKWithFull().item_stats(prediction=ranking, reference=reference)
    assert at20 == average_precision(ids, {"c03", "c24"}, 20) == (1 / 4) / 2
    assert full == average_precision(ids, {"c03", "c24"}) == (1 / 4 + 2 / 25) / 2
