"""Retrieval metrics by hand: top-1 accuracy, AP / AP@k, and LAReQA's sklearn-based AP."""

from __future__ import annotations

import numpy as np
import pytest

from xtremer_robust.families.records import RetrievalItem
from xtremer_robust.errors import ConfigError
from xtremer_robust.metrics import MeanAveragePrecision, TopOneAccuracy, average_precision

#: Hand-computed AP values: relevant {r1, r2}; ranks of relevant ids -> mean of precision@rank.
HAND_AP = {
    ("r1", "x", "r2"): (1 / 1 + 2 / 3) / 2,
    ("x", "r1", "y", "r2"): (1 / 2 + 2 / 4) / 2,
    ("x", "y", "r2"): (1 / 3) / 2,  # r1 never ranked: adds 0
    ("x", "y"): 0.0,
}


@pytest.mark.parametrize("ranking", sorted(HAND_AP))
def test_average_precision_by_hand(ranking):
    assert average_precision(list(ranking), {"r1", "r2"}) == pytest.approx(HAND_AP[ranking])


def test_ap_at_k_is_the_reciprocal_rank_for_one_gold_id():
    """Mewsli-X: one gold entity; utils_mewslix scores 1/rank within the top 20, else 0."""
    ranking = [f"Q{i}" for i in range(30)]
    metric = MeanAveragePrecision(k=20)
    assert metric.item_stats(prediction=ranking, reference=["Q15"]) == (1 / 16,)
    assert metric.item_stats(prediction=ranking, reference=["Q19"]) == (1 / 20,)
    assert metric.item_stats(prediction=ranking, reference=["Q20"]) == (0.0,)  # rank 21: cut off
    assert MeanAveragePrecision().item_stats(prediction=ranking, reference=["Q20"]) == (1 / 21,)


def test_ap_at_k_divides_by_min_of_relevant_and_k():
    assert average_precision(["a", "b"], {"a", "b", "c"}, k=2) == pytest.approx((1 + 1) / 2)


def test_duplicate_ids_in_a_ranking_count_once():
    assert average_precision(["r", "r", "x"], {"r"}) == 1.0
    assert average_precision(["x", "x", "r"], {"r"}) == pytest.approx(1 / 3)


def test_full_ranking_ap_equals_sklearn_as_lareqa_computes_it():
    """utils_lareqa.mean_avg_prec: sklearn average_precision_score on all candidate scores."""
    sklearn_metrics = pytest.importorskip("sklearn.metrics")
    rng = np.random.default_rng(7)
    for _ in range(50):
        n = int(rng.integers(2, 30))
        scores = rng.permutation(n).astype(float)  # a strict ranking, no ties
        y_true = np.zeros(n)
        y_true[rng.choice(n, size=int(rng.integers(1, n)), replace=False)] = 1
        ranking = [str(i) for i in np.argsort(-scores)]
        relevant = {str(i) for i in np.flatnonzero(y_true)}
        expected = sklearn_metrics.average_precision_score(y_true, scores)
        assert average_precision(ranking, relevant) == pytest.approx(expected, abs=1e-12)


def test_top1_accepts_an_id_or_a_ranking_and_retrieval_items():
    metric = TopOneAccuracy()
    item = RetrievalItem(id="q", query="Hallo", relevant=("en-7",))
    assert metric.item_stats(prediction=["en-7", "en-1"], reference=item) == (1.0,)
    assert metric.item_stats(prediction="en-1", reference=item) == (0.0,)
    assert metric.item_stats(prediction=308, reference="308") == (1.0,)  # tatoeba line indices
    assert metric.item_stats(prediction=[], reference=item) == (0.0,)
    stats = metric.batch_stats(predictions=[["a"], ["b"], ["c"], ["a"]], references=["a", "a", "c", "b"])
    assert metric.score(stats) == pytest.approx(0.5)


def test_map_headlines_and_errors():
    assert MeanAveragePrecision(k=20).headline == "map@20"
    assert MeanAveragePrecision().name == "map"
    with pytest.raises(ConfigError, match="k must be a positive integer"):
        MeanAveragePrecision(k=0)
    with pytest.raises(ConfigError, match="at least one relevant id"):
        MeanAveragePrecision().item_stats(prediction=["a"], reference=[])
    with pytest.raises(ConfigError, match="ranked list of candidate ids"):
        MeanAveragePrecision().item_stats(prediction={"a": 1}, reference=["a"])


def _naive_ap_at_k(targets: set[str], ranked: list[str], k: int | None) -> float:
    """AP@k as utils_lareqa.average_precision_at_k describes it, written as a plain loop."""
    ranked = ranked[:k] if k else ranked
    hits, score = 0, 0.0
    for i, pred in enumerate(ranked):
        if pred in targets and pred not in ranked[:i]:
            hits += 1
            score += hits / (i + 1)
    return score / (min(len(targets), k) if k else len(targets))


def test_lareqa_map_at_20_and_full_map_equal_the_naive_loop():
    import numpy as np

    from xtremer_robust.metrics.retrieval import MapAtKWithFull

    rng = np.random.default_rng(0)
    metric = MapAtKWithFull()
    predictions, references = [], []
    for _ in range(200):
        pool = [f"c{i}" for i in range(60)]
        ranking = [pool[j] for j in rng.permutation(60)]
        relevant = set(rng.choice(pool, size=11, replace=False))  # 11 relevant, as XTREME-R's LAReQA
        predictions.append(ranking)
        references.append(sorted(relevant))
    stats = metric.batch_stats(predictions=predictions, references=references)
    at20 = [_naive_ap_at_k(set(r), p, 20) for p, r in zip(predictions, references)]
    full = [_naive_ap_at_k(set(r), p, None) for p, r in zip(predictions, references)]
    assert metric.scores(stats) == pytest.approx({"map@20": np.mean(at20), "map": np.mean(full)}, abs=1e-12)
    assert metric.headline == "map@20" and metric.secondary_names == ("map",)
