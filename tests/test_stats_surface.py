"""The statistics part's public surface, its JSON output, and the real metrics going through it."""

from __future__ import annotations

import dataclasses
import json

import numpy as np

import xtremer_robust.stats as stats
from xtremer_robust.metrics.registry import get_metric
from xtremer_robust.stats.resampling import is_mean_decomposable

PUBLIC = {
    "Aggregate", "CellGap", "GapDifference", "Interval", "McNemarResult", "PairedCell", "ScoreCI",
    "SecondaryMetric", "Stratum", "TrendSlope", "adjust_family", "benjamini_hochberg", "bootstrap_interval",
    "difference_of_gaps", "holm", "mcnemar_exact", "mcnemar_exact_counts", "mde_mcnemar", "mde_paired",
    "paired_gap", "paired_gaps", "score_cis", "secondary_metric", "stratified_aggregate", "trend_slope_ci",
    "xtreme_weights",
}


def test_public_surface_is_exactly_all() -> None:
    assert set(stats.__all__) == PUBLIC
    for name in stats.__all__:
        # each public name is the object its own statistics module defines, not a stand-in
        value = getattr(stats, name)
        assert value.__name__ == name and value.__module__.startswith("xtremer_robust.stats."), name


def test_result_types_are_frozen() -> None:
    for cls in (stats.CellGap, stats.Aggregate, stats.ScoreCI, stats.GapDifference, stats.TrendSlope):
        assert dataclasses.is_dataclass(cls) and cls.__dataclass_params__.frozen  # type: ignore[attr-defined]


def test_registry_metrics_take_the_fast_path_and_the_right_test() -> None:
    rng = np.random.default_rng(0)
    n = 120
    acc = get_metric("accuracy")
    clean = (rng.random(n) < 0.8).astype(float)[:, None]
    pert = np.where(rng.random((n, 1)) < 0.1, 1 - clean, clean)
    tp = rng.integers(0, 3, n)
    f1_clean = np.c_[tp, tp + rng.integers(0, 2, n), tp + rng.integers(0, 2, n)].astype(float)
    f1_pert = f1_clean.copy()
    f1_pert[:, 0] = np.maximum(tp - rng.integers(0, 2, n), 0)
    seqeval = get_metric("f1")
    qa = get_metric("em_f1")
    f1 = rng.beta(4, 2, n)
    qa_clean = np.c_[(f1 > 0.8).astype(float), f1]
    qa_pert = np.c_[(f1 > 0.9).astype(float), f1 * 0.9]
    for metric, s in ((acc, clean), (seqeval, f1_clean), (qa, qa_clean), (get_metric("map20"), f1[:, None])):
        assert is_mean_decomposable(metric, s), metric.name
    results = stats.adjust_family(stats.paired_gaps(
        [stats.PairedCell("xnli/de", clean, pert, acc, (clean != pert)[:, 0]),
         stats.PairedCell("panx/de", f1_clean, f1_pert, seqeval),
         stats.PairedCell("xquad/de", qa_clean, qa_pert, qa)],
        n_resamples=300, n_permutations=200, seed=1,
    ))
    assert [r.test for r in results] == ["mcnemar_exact", "paired_permutation", "paired_permutation"]
    assert results[1].gap == seqeval.score(f1_clean) - seqeval.score(f1_pert)
    assert all(r.p_holm is not None and r.p_holm >= r.p_value for r in results)
    text = json.dumps([r.to_dict() for r in results], allow_nan=False)
    assert '"p_bh"' in text
