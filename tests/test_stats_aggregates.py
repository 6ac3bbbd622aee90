"""Stratified aggregates, difference of gaps, trend of the gap with duration."""

from __future__ import annotations

import json
import zlib

import numpy as np
import pytest
from scipy import stats as sps
from helpers.stats_metrics import Accuracy, MeanScore, RatioF1, paired_binary, paired_counts

from xtremer_robust.errors import ConfigError
from xtremer_robust.metrics.registry import get_metric
from xtremer_robust.stats import (
    Stratum,
    difference_of_gaps,
    paired_gap,
    secondary_metric,
    stratified_aggregate,
    trend_slope_ci,
    xtreme_weights,
)


def _strata(rng: np.random.Generator) -> list[Stratum]:
    out = []
    for lang, n, acc in (("en", 120, 0.85), ("sw", 80, 0.65), ("ur", 100, 0.7)):
        c, p = paired_binary(rng, n, acc, 0.12)
        out.append(Stratum(f"xnli/{lang}", c, p, Accuracy(), group="xnli"))
    for lang, n in (("en", 90), ("yo", 60)):
        c, p = paired_counts(rng, n)
        out.append(Stratum(f"panx/{lang}", c, p, RatioF1(), group="panx"))
    return out


def test_xtreme_weights_mean_over_languages_then_tasks() -> None:
    w = xtreme_weights(_strata(np.random.default_rng(0)))
    assert w["xnli/en"] == pytest.approx(1 / 6) and w["panx/yo"] == pytest.approx(1 / 4)
    assert sum(w.values()) == pytest.approx(1.0)


def _score(s: Stratum, side: str) -> float:
    stats = np.asarray(getattr(s, side), dtype=float)
    return s.metric.score(stats.reshape(len(stats), -1))


def test_aggregate_point_values_are_the_xtreme_macro_average() -> None:
    strata = _strata(np.random.default_rng(1))
    agg = stratified_aggregate(strata, label="overall", n_resamples=500, n_permutations=200, seed=2)
    xnli = np.mean([_score(s, "stats_clean") for s in strata[:3]])
    panx = np.mean([_score(s, "stats_clean") for s in strata[3:]])
    assert agg.clean_score == pytest.approx((xnli + panx) / 2)
    gaps = [_score(s, "stats_clean") - _score(s, "stats_perturbed") for s in strata]
    assert agg.gap == pytest.approx((np.mean(gaps[:3]) + np.mean(gaps[3:])) / 2)
    assert agg.ci_low < agg.gap < agg.ci_high and agg.n == 450 and agg.n_strata == 5
    assert "then unweighted mean over tasks" in agg.convention and agg.test == "stratified_paired_permutation"
    json.dumps(agg.to_dict())


def test_aggregate_does_not_depend_on_the_order_of_strata() -> None:
    strata = _strata(np.random.default_rng(3))
    a = stratified_aggregate(strata, n_resamples=400, n_permutations=100, seed=5)
    b = stratified_aggregate(strata[::-1], n_resamples=400, n_permutations=100, seed=5)
    assert (a.ci_low, a.ci_high, a.p_value) == pytest.approx((b.ci_low, b.ci_high, b.p_value), rel=1e-12)


def test_stratified_interval_agrees_with_scipy_multisample_bootstrap() -> None:
    """scipy resamples each sample independently (paired=False): the stratified bootstrap.

    Its draws differ from ours, so the endpoints agree up to Monte-Carlo error only: the
    tolerance is a tenth of the interval width (about 4 standard errors of an endpoint at
    B = 4000).
    """
    rng = np.random.default_rng(4)
    strata = [Stratum(f"s{i}", *paired_binary(rng, n, 0.7, 0.15), Accuracy()) for i, n in enumerate((150, 90, 60))]
    agg = stratified_aggregate(strata, n_resamples=4000, n_permutations=10, seed=1)

    def macro_gap(*idx: np.ndarray, axis: int) -> np.ndarray:
        parts = [s.stats_clean[i].mean(axis=-1) - s.stats_perturbed[i].mean(axis=-1) for s, i in zip(strata, idx)]
        return sum(parts) / len(parts)

    ref = sps.bootstrap(
        tuple(np.arange(len(s.stats_clean)) for s in strata), macro_gap, paired=False, vectorized=True,
        method="BCa", n_resamples=4000, rng=1,
    )
    width = agg.ci_high - agg.ci_low
    assert agg.method == "bca"
    assert abs(agg.ci_low - ref.confidence_interval.low) < 0.1 * width
    assert abs(agg.ci_high - ref.confidence_interval.high) < 0.1 * width


def test_stratum_streams_are_keyed_by_label() -> None:
    """A one-stratum aggregate is the cell's bootstrap under the seed (seed, crc32(label))."""
    c, p = paired_binary(np.random.default_rng(6), 200, 0.8, 0.1)
    agg = stratified_aggregate([Stratum("xnli/de", c, p, Accuracy())], n_resamples=800, n_permutations=50, seed=3)
    idx = np.random.default_rng([3, zlib.crc32(b"xnli/de")]).integers(0, 200, (800, 200))
    boot = c[idx].mean(axis=1) - p[idx].mean(axis=1)
    assert boot.min() <= agg.ci_low < agg.ci_high <= boot.max()
    assert agg.gap == pytest.approx(c.mean() - p.mean())


def test_qa_aggregate_reports_exact_match_beside_f1() -> None:
    metric = get_metric("em_f1")
    rng = np.random.default_rng(7)
    strata = []
    for lang in ("de", "hi"):
        f1 = rng.beta(4, 2, 70)
        em = (f1 > 0.8).astype(float)
        f1p = np.clip(f1 - rng.normal(0.05, 0.05, 70), 0, 1)
        strata.append(Stratum(f"xquad/{lang}", np.c_[em, f1], np.c_[(f1p > 0.8).astype(float), f1p], metric, "xquad"))
    agg = stratified_aggregate(strata, label="xquad", n_resamples=300, n_permutations=50)
    assert agg.metric == "f1" and [c.metric for c in agg.companions] == ["exact_match"]
    em_gap = np.mean([s.stats_clean[:, 0].mean() - s.stats_perturbed[:, 0].mean() for s in strata])
    assert agg.companions[0].gap == pytest.approx(em_gap)
    assert "exact_match" in agg.convention
    cell = paired_gap(strata[0].stats_clean, strata[0].stats_perturbed, secondary_metric(metric, "exact_match"), n_resamples=200, n_permutations=20)
    assert cell.gap == pytest.approx(strata[0].stats_clean[:, 0].mean() - strata[0].stats_perturbed[:, 0].mean())


def test_aggregate_refuses_bad_weights_and_duplicates() -> None:
    strata = _strata(np.random.default_rng(8))[:2]
    with pytest.raises(ConfigError, match="sum to 1"):
        stratified_aggregate(strata, weights={"xnli/en": 0.5, "xnli/sw": 0.2}, n_resamples=10, n_permutations=10)
    with pytest.raises(ConfigError, match="unique"):
        stratified_aggregate([strata[0], strata[0]], n_resamples=10, n_permutations=10)
    with pytest.raises(ConfigError, match="no strata"):
        stratified_aggregate([], n_resamples=10, n_permutations=10)


def test_difference_of_gaps_matches_scipy_paired_bca() -> None:
    rng = np.random.default_rng(9)
    ac = rng.beta(5, 2, 50)
    ap = np.clip(ac - rng.normal(0.08, 0.1, 50), 0, 1)
    bc = np.clip(ac + rng.normal(0.0, 0.05, 50), 0, 1)
    bp = np.clip(bc - rng.normal(0.03, 0.1, 50), 0, 1)
    res = difference_of_gaps(ac, ap, bc, bp, MeanScore(), n_resamples=2000, seed=21, n_permutations=500)
    ref = sps.bootstrap(
        (ac, ap, bc, bp), lambda a, b, c, d, axis: (a.mean(axis) - b.mean(axis)) - (c.mean(axis) - d.mean(axis)),
        paired=True, vectorized=True, method="BCa", n_resamples=2000, rng=21,
    )
    assert res.difference == pytest.approx((ac.mean() - ap.mean()) - (bc.mean() - bp.mean()))
    np.testing.assert_allclose([res.ci_low, res.ci_high], [ref.confidence_interval.low, ref.confidence_interval.high], rtol=1e-9)
    assert 0 < res.p_value <= 1


def test_difference_of_identical_models_is_zero_with_p_one() -> None:
    c, p = paired_binary(np.random.default_rng(10), 100, 0.7, 0.2)
    res = difference_of_gaps(c, p, c.copy(), p.copy(), Accuracy(), n_resamples=300, n_permutations=100)
    assert res.difference == 0 and res.ci_low == 0 and res.ci_high == 0 and res.p_value == 1.0
    with pytest.raises(ConfigError, match="same items"):
        difference_of_gaps(c, p, c[:50], p[:50], Accuracy(), n_resamples=10, n_permutations=10)


def _runs(rng: np.random.Generator, slope: float, n_seeds: int, n: int) -> tuple[list[float], list]:
    """Gap grows by ``slope`` per unit of log(steps); seeds add their own offset (seed variance)."""
    steps = [1000.0, 4000.0, 16000.0]
    base = rng.random(n)
    runs = []
    for st in steps:
        seeds = []
        for _ in range(n_seeds):
            shift = slope * np.log(st) + rng.normal(0, 0.01)
            clean = (base < 0.8).astype(float)
            pert = np.where(base < 0.8 - shift, 1.0, 0.0)
            seeds.append((clean, pert))
        runs.append(seeds)
    return steps, runs


def test_trend_slope_equals_least_squares_and_its_interval_covers_it() -> None:
    steps, runs = _runs(np.random.default_rng(11), 0.02, 3, 400)
    res = trend_slope_ci(steps, runs, Accuracy(), n_resamples=500, seed=0)
    mean_gaps = [np.mean([c.mean() - p.mean() for c, p in seeds]) for seeds in runs]
    assert res.slope == pytest.approx(np.polyfit(np.log(steps), mean_gaps, 1)[0], rel=1e-10)
    assert res.ci_low <= res.slope <= res.ci_high and res.ci_low > 0  # a real upward trend
    assert res.n_seeds == (3, 3, 3) and res.method == "two_level_percentile"


def test_trend_refuses_bad_durations() -> None:
    steps, runs = _runs(np.random.default_rng(12), 0.0, 1, 20)
    with pytest.raises(ConfigError, match="distinct positive"):
        trend_slope_ci([1000.0, 1000.0, 1000.0], runs, Accuracy(), n_resamples=10)
    with pytest.raises(ConfigError, match="one list of seeds per duration"):
        trend_slope_ci(steps[:2], runs, Accuracy(), n_resamples=10)


def test_aggregate_mde_and_flip_rate() -> None:
    """One stratum: the aggregate's MDE is the cell's paired MDE; flip rates macro-average."""
    rng = np.random.default_rng(14)
    clean = rng.beta(4, 2, 80)
    pert = np.clip(clean - rng.normal(0.03, 0.08, 80), 0, 1)
    cell = paired_gap(clean, pert, MeanScore(), n_resamples=200, n_permutations=20)
    agg = stratified_aggregate([Stratum("s", clean, pert, MeanScore(), changed=clean != pert)], n_resamples=200, n_permutations=20)
    assert agg.mde == pytest.approx(cell.mde, rel=1e-12) and agg.flip_rate == 1.0
    strata = [
        Stratum("a", *paired_binary(rng, 50, 0.8, 0.1), Accuracy(), changed=np.r_[np.ones(10, bool), np.zeros(40, bool)]),
        Stratum("b", *paired_binary(rng, 40, 0.8, 0.1), Accuracy(), changed=np.r_[np.ones(4, bool), np.zeros(36, bool)]),
    ]
    agg2 = stratified_aggregate(strata, n_resamples=200, n_permutations=20)
    assert agg2.flip_rate == pytest.approx((0.2 + 0.1) / 2)
    no_flips = stratified_aggregate([strata[0], Stratum("c", *paired_binary(rng, 30, 0.8, 0.1), Accuracy())], n_resamples=50, n_permutations=5)
    assert no_flips.flip_rate is None
