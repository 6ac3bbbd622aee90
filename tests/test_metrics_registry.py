"""Conformance: every registered metric loads, declares itself, scores a tiny input, and its
``aggregate`` over leading (resample) axes equals a loop over them."""

from __future__ import annotations

import numpy as np
import pytest

from xtremer_robust.errors import ConfigError
from xtremer_robust.metrics import Metric, available_metrics, get_metric, metric_for_task
from xtremer_robust.tasks import all_tasks

#: One tiny (predictions, references) set per metric; hand-checked expected headline scores.
TINY = {
    "accuracy": (["a", "b", "c", "a"], ["a", "b", "a", "c"], 0.5),
    "f1": ([["B-PER", "I-PER", "O"], ["O", "B-LOC"]], [["B-PER", "I-PER", "O"], ["B-LOC", "O"]], 2 * 1 / (2 + 2)),
    "em_f1": (["the cat", "dog house"], [["Cat"], ["a dog"]], (1.0 + 2 / 3) / 2),
    "mlqa_em_f1": (["北京", "北京 大学"], [["北京市"], ["北京大学"]], (0.8 + 1.0) / 2),
    "top1": ([["3", "1"], ["2"], ["9", "2"]], [["3"], ["2"], ["2"]], 2 / 3),
    "map20": ([["x", "g"], ["g"], ["a"] * 20 + ["g"]], [["g"], ["g"], ["g"]], (0.5 + 1.0 + 0.0) / 3),
    "map": ([["r1", "x", "r2"], ["x", "y", "r"]], [["r1", "r2"], ["r"]], ((1 + 2 / 3) / 2 + 1 / 3) / 2),
    # AP@20: "g" at rank 21 is past the cut (AP@20 0, full AP 1/21)
    "map20_full": ([["r1", "x", "r2"], ["a"] * 20 + ["g"]], [["r1", "r2"], ["g"]], ((1 + 2 / 3) / 2 + 0.0) / 2),
    "bucc_f1": ([["e1"], ["e3"], []], [["e1"], ["e2"], ["e4"]], 2 * 1 / (2 + 3)),
}


def _metric(name: str) -> Metric:
    return get_metric(name, language="zh" if name == "mlqa_em_f1" else None)


def test_every_registered_metric_has_a_tiny_case():
    assert set(TINY) == set(available_metrics())


@pytest.mark.parametrize("name", sorted(TINY))
def test_metric_declares_itself_and_scores_tiny_input(name: str):
    metric = _metric(name)
    assert isinstance(metric, Metric)
    assert metric.higher_is_better is True
    assert metric.stat_names and all(isinstance(s, str) for s in metric.stat_names)
    assert isinstance(metric.headline, str) and metric.headline
    predictions, references, expected = TINY[name]
    stats = metric.batch_stats(predictions=predictions, references=references)
    assert stats.shape == (len(predictions), len(metric.stat_names))
    assert metric.score(stats) == pytest.approx(expected, abs=1e-12)
    scores = metric.scores(stats)
    assert list(scores)[0] == metric.headline
    assert all(0.0 <= v <= 1.0 for v in scores.values())
    # item_stats on each item equals batch_stats rows for these well-formed inputs
    rows = [metric.item_stats(prediction=p, reference=r) for p, r in zip(predictions, references)]
    np.testing.assert_allclose(np.asarray(rows), stats)


@pytest.mark.parametrize("name", sorted(TINY))
def test_aggregate_over_leading_axes_equals_a_loop(name: str):
    metric = _metric(name)
    predictions, references, _ = TINY[name]
    stats = metric.batch_stats(predictions=predictions, references=references)
    rng = np.random.default_rng(0)
    index = rng.integers(0, len(stats), size=(3, 4, len(stats)))
    resampled = stats[index]  # (3, 4, n, k)
    vectorised = metric.aggregate(resampled)
    assert vectorised.shape == (3, 4)
    looped = np.array([[metric.score(resampled[i, j]) for j in range(4)] for i in range(3)])
    np.testing.assert_allclose(vectorised, looped)
    for secondary in metric.secondary_names:
        vec = metric.aggregate_secondary(secondary, resampled)
        loop = np.array(
            [[float(metric.aggregate_secondary(secondary, resampled[i, j])) for j in range(4)] for i in range(3)]
        )
        np.testing.assert_allclose(vec, loop)


def test_every_task_has_a_metric():
    for name, spec in all_tasks().items():
        metric = metric_for_task(spec, language=spec.languages[0])
        assert isinstance(metric, Metric), name
        assert metric_for_task(name, language=spec.languages[0]).name == metric.name


def test_task_metrics_follow_xtreme():
    assert metric_for_task("xquad").name == "em_f1"
    assert metric_for_task("tydiqa").name == "em_f1"
    assert metric_for_task("mlqa", "zh").name == "mlqa_em_f1"
    assert metric_for_task("mewslix").headline == "map@20"
    assert metric_for_task("lareqa").headline == "map@20"  # XTREME-R: evaluate_retrieval.py, k=20
    assert metric_for_task("lareqa").secondary_names == ("map",)
    assert metric_for_task("lareqa_monolingual").name == "map20_full"
    assert metric_for_task("tatoeba").name == "top1"


def test_unknown_metric_suggests_the_close_name():
    with pytest.raises(ConfigError, match=r"Unknown metric 'acuracy'. Did you mean 'accuracy'\?"):
        get_metric("acuracy")


def test_mlqa_needs_a_known_language():
    with pytest.raises(ConfigError, match="needs the answer language"):
        get_metric("mlqa_em_f1")
    with pytest.raises(ConfigError, match="unknown answer language 'fr'"):
        metric_for_task("mlqa", "fr")


def test_mismatched_lengths_are_refused():
    with pytest.raises(ConfigError, match="2 predictions but 1 references"):
        get_metric("accuracy").batch_stats(predictions=["a", "b"], references=["a"])


def test_empty_set_scores_nan_without_warning():
    for name in ("accuracy", "em_f1", "top1", "map"):
        metric = _metric(name)
        empty = np.zeros((0, len(metric.stat_names)))
        assert np.isnan(metric.score(empty))
    assert get_metric("f1").score(np.zeros((0, 3))) == 0.0
