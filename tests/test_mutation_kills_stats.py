"""Tests written against mutants that survived ``mutmut`` on xtremer_robust/stats/ (the
command and the score are in CONTRIBUTING.md).

Each test pins a behaviour a surviving mutant changed: a value carried into a result
(label, seed, number of resamples, confidence), a default, a stream of random numbers, an
interval's percentile levels, a p-value's permutation statistic, a boundary of an input
check, a message that must name its argument. Expected values come from closed forms or
from a short independent re-implementation of the documented procedure (same seeds, same
streams), never from the code under test.
"""

from __future__ import annotations

import json
import math
from typing import Any

import numpy as np
import pytest
from scipy import stats as sps
from scipy.special import ndtri
from helpers.stats_metrics import Accuracy, MeanScore, MedianScore, paired_binary

from xtremer_robust.errors import ConfigError
from xtremer_robust.metrics.base import Metric
from xtremer_robust.metrics.qa import SquadEmF1
from xtremer_robust.stats import (
    PairedCell,
    ScoreCI,
    SecondaryMetric,
    Stratum,
    difference_of_gaps,
    paired_gap,
    paired_gaps,
    score_cis,
    secondary_metric,
    stratified_aggregate,
    trend_slope_ci,
)
from xtremer_robust.stats.power import mde_mcnemar
from xtremer_robust.stats.resampling import PERMUTATION_STREAM, Condition, bootstrap_scores, jackknife_scores
from xtremer_robust.stats.results import to_plain
from xtremer_robust.stats.trend import TREND_STREAM


# --- helpers ----------------------------------------------------------------------------------

def _graded(rng: np.random.Generator, n: int, drop: float) -> tuple[np.ndarray, np.ndarray]:
    clean = rng.beta(5, 2, n)
    return clean, np.clip(clean - rng.normal(drop, 0.1, n), 0, 1)


def _connor_mde(b_plus_c: int, n: int, alpha: float, power: float) -> float:
    """Larger root of Connor's (1987) quadratic, written out from the equation
    ``delta sqrt(n) = z_a sqrt(p_d) + z_b sqrt(p_d - delta^2)``."""
    za, zb, pd = float(ndtri(1 - alpha / 2)), float(ndtri(power)), b_plus_c / n
    disc = 4 * pd * zb**2 * (n - za**2 + zb**2)  # the discriminant, simplified by hand
    return (za * math.sqrt(n * pd) + math.sqrt(disc) / 2) / (n + zb**2)


# --- stats.trend.trend_slope_ci -----------------------------------------------------------------

def _trend_runs(seed: int, n: int, seeds_per_duration: tuple[int, ...]) -> tuple[list[float], list]:
    rng = np.random.default_rng(seed)
    steps = [500.0, 2000.0, 8000.0][: len(seeds_per_duration)]
    runs = []
    for d, n_seeds in enumerate(seeds_per_duration):
        seeds = []
        for _ in range(n_seeds):
            clean = (rng.random(n) < 0.8).astype(float)
            pert = np.where(rng.random(n) < 0.1 + 0.05 * d, 1.0 - clean, clean)
            seeds.append((clean, pert))
        runs.append(seeds)
    return steps, runs


def _naive_trend_interval(steps, runs, n_resamples: int, seed: int, confidence: float) -> tuple[float, float]:
    """The two-level bootstrap of trend.py's docstring, one loop per duration (accuracy only):
    items from ``default_rng(seed)`` (one matrix for every run), seeds from
    ``default_rng([TREND_STREAM, seed])`` (one draw per duration, in order), the OLS slope of
    the mean gaps against log(steps), then the percentile interval."""
    n = runs[0][0][0].size
    idx = np.random.default_rng(seed).integers(0, n, (n_resamples, n))
    seed_rng = np.random.default_rng([TREND_STREAM, seed])
    means = np.empty((n_resamples, len(steps)))
    for d, seeds in enumerate(runs):
        gaps = np.stack([c[idx].mean(axis=1) - p[idx].mean(axis=1) for c, p in seeds], axis=1)
        pick = seed_rng.integers(0, len(seeds), (n_resamples, len(seeds)))
        means[:, d] = np.take_along_axis(gaps, pick, axis=1).mean(axis=1)
    slopes = np.polyfit(np.log(steps), means.T, 1)[0]
    tail = (1 - confidence) / 2
    low, high = np.quantile(slopes, [tail, 1 - tail])
    return float(low), float(high)


def test_trend_interval_is_the_documented_two_level_bootstrap() -> None:
    """Seed-level draws from their own fixed stream, one pick per seed slot per replicate, any
    seed may be picked, percentile levels (1 -/+ confidence) / 2."""
    steps, runs = _trend_runs(1, 30, (3, 2, 1))
    res = trend_slope_ci(steps, runs, Accuracy(), n_resamples=400, seed=5, confidence=0.9)
    low, high = _naive_trend_interval(steps, runs, 400, 5, 0.9)
    assert (res.ci_low, res.ci_high) == (pytest.approx(low, rel=1e-9, abs=1e-12), pytest.approx(high, rel=1e-9, abs=1e-12))
    again = trend_slope_ci(steps, runs, Accuracy(), n_resamples=400, seed=5, confidence=0.9)
    assert (again.ci_low, again.ci_high) == (res.ci_low, res.ci_high)


def test_trend_result_carries_its_inputs_and_signature() -> None:
    steps, runs = _trend_runs(2, 25, (2, 2))
    res = trend_slope_ci(steps, runs, Accuracy(), label="xnli/sw steps", n_resamples=50, seed=3, confidence=0.8)
    mean_gaps = [np.mean([c.mean() - p.mean() for c, p in seeds]) for seeds in runs]
    assert res.label == "xnli/sw steps" and res.metric == "accuracy"
    assert res.durations == (500.0, 2000.0) and all(type(v) is float for v in res.durations)
    assert res.mean_gaps == pytest.approx(tuple(mean_gaps), rel=1e-12) and isinstance(res.mean_gaps, tuple)
    assert res.n == 25 and res.n_seeds == (2, 2)
    assert res.confidence == 0.8 and res.n_resamples == 50 and res.seed == 3


def test_trend_defaults_are_unlabelled_10000_resamples_seed_0() -> None:
    steps, runs = _trend_runs(3, 12, (1, 1))
    res = trend_slope_ci(steps, runs, Accuracy())
    assert res.label == "" and res.n_resamples == 10_000 and res.seed == 0 and res.confidence == 0.95


def test_trend_accepts_one_seed_per_duration_and_refuses_none() -> None:
    steps, runs = _trend_runs(4, 20, (1, 1))
    res = trend_slope_ci(steps, runs, Accuracy(), n_resamples=40, seed=0)
    gaps = [c.mean() - p.mean() for ((c, p),) in runs]
    assert res.n_seeds == (1, 1)
    assert res.slope == pytest.approx((gaps[1] - gaps[0]) / (math.log(2000.0) - math.log(500.0)), rel=1e-12)
    with pytest.raises(ConfigError, match=r"per_seed_stats\[1\] \(duration 2000.0\): no seeds"):
        trend_slope_ci(steps, [runs[0], []], Accuracy(), n_resamples=10)


@pytest.mark.parametrize("bad", [[0.0, 1000.0], [-10.0, 1000.0], [[500.0, 2000.0]]], ids=["zero", "negative", "2-d"])
def test_trend_refuses_durations_that_have_no_logarithm_or_shape(bad: list) -> None:
    _, runs = _trend_runs(5, 10, (1, 1))
    with pytest.raises(ConfigError, match="durations: need at least 2 distinct positive values"):
        trend_slope_ci(bad, runs, Accuracy(), n_resamples=10)


def test_trend_accepts_durations_up_to_one_and_given_as_text() -> None:
    """A duration of one step (or half an epoch) is positive: log(1) = 0 is a valid abscissa.
    Durations read from a table as text are converted to numbers."""
    _, runs = _trend_runs(6, 20, (1, 1, 1))
    gaps = [c.mean() - p.mean() for ((c, p),) in runs]
    for durations in ([0.5, 1.0, 2.0], ["0.5", "1", "2"]):
        res = trend_slope_ci(durations, runs, Accuracy(), n_resamples=20)
        assert res.durations == (0.5, 1.0, 2.0)
        assert res.slope == pytest.approx(np.polyfit(np.log([0.5, 1.0, 2.0]), gaps, 1)[0], rel=1e-10)


@pytest.mark.parametrize("side", ["clean", "perturbed"])
def test_trend_input_errors_name_the_run_and_side(side: str) -> None:
    _, runs = _trend_runs(7, 10, (1, 1))
    clean, pert = runs[1][0]
    wide = np.c_[clean, clean]
    runs[1] = [(wide, pert) if side == "clean" else (clean, np.c_[pert, pert])]
    with pytest.raises(ConfigError, match=rf"^per_seed_stats\[1\]\[0\] {side}: metric 'accuracy' expects 1 statistics"):
        trend_slope_ci([1.0, 2.0], runs, Accuracy(), n_resamples=10)
    runs[1] = [(clean, np.r_[pert[:-1], np.nan]) if side == "perturbed" else (np.r_[clean[:-1], np.nan], pert)]
    with pytest.raises(ConfigError, match=rf"^per_seed_stats\[1\]\[0\] {side}: per-item statistics must be finite"):
        trend_slope_ci([1.0, 2.0], runs, Accuracy(), n_resamples=10)


# --- stats.differences.difference_of_gaps -------------------------------------------------------

def _four(seed: int, n: int) -> tuple[np.ndarray, ...]:
    rng = np.random.default_rng(seed)
    ac, ap = _graded(rng, n, 0.08)
    bc = np.clip(ac + rng.normal(0, 0.05, n), 0, 1)
    bp = np.clip(bc - rng.normal(0.02, 0.1, n), 0, 1)
    return ac, ap, bc, bp


def _naive_models_p_value(ac, ap, bc, bp, n_permutations: int, seed: int) -> float:
    """Swap model A's and model B's (clean, perturbed) rows per item with probability 1/2 (one
    swap matrix from ``default_rng([PERMUTATION_STREAM, seed])``), then Phipson-Smyth."""
    swap = np.random.default_rng([PERMUTATION_STREAM, seed]).integers(0, 2, (n_permutations, ac.size)).astype(bool)
    a_c, b_c = np.where(swap, bc, ac).mean(axis=1), np.where(swap, ac, bc).mean(axis=1)
    a_p, b_p = np.where(swap, bp, ap).mean(axis=1), np.where(swap, ap, bp).mean(axis=1)
    perm = (a_c - a_p) - (b_c - b_p)
    observed = (ac.mean() - ap.mean()) - (bc.mean() - bp.mean())
    extreme = np.count_nonzero(np.abs(perm) >= abs(observed) - 1e-12 * (1 + abs(observed)))
    return (1 + extreme) / (n_permutations + 1)


def test_difference_p_value_permutes_the_difference_of_gaps() -> None:
    ac, ap, bc, bp = _four(31, 40)
    res = difference_of_gaps(ac, ap, bc, bp, MeanScore(), n_resamples=50, seed=8, n_permutations=999)
    expected = _naive_models_p_value(ac, ap, bc, bp, 999, 8)
    assert 0.001 < expected < 0.9  # neither the floor nor 1: the statistic matters
    assert res.p_value == pytest.approx(expected, abs=1e-15)


def test_difference_interval_uses_the_requested_confidence() -> None:
    ac, ap, bc, bp = _four(32, 40)
    res = difference_of_gaps(ac, ap, bc, bp, MeanScore(), n_resamples=1000, seed=4, n_permutations=10, confidence=0.8)
    ref = sps.bootstrap(
        (ac, ap, bc, bp), lambda a, b, c, d, axis: (a.mean(axis) - b.mean(axis)) - (c.mean(axis) - d.mean(axis)),
        paired=True, vectorized=True, method="BCa", n_resamples=1000, rng=4, confidence_level=0.8,
    )
    assert res.method == "bca" and res.method_note is None and res.confidence == 0.8
    np.testing.assert_allclose([res.ci_low, res.ci_high], [ref.confidence_interval.low, ref.confidence_interval.high], rtol=1e-9)


def test_difference_result_carries_its_inputs_and_signature() -> None:
    ac, ap, bc, bp = _four(33, 30)
    res = difference_of_gaps(ac, ap, bc, bp, MeanScore(), label="A vs B", n_resamples=60, seed=2, n_permutations=70, confidence=0.9)
    assert res.label == "A vs B" and res.metric == "mean_f1" and res.n == 30
    assert res.gap_a == pytest.approx(ac.mean() - ap.mean(), rel=1e-12)
    assert res.gap_b == pytest.approx(bc.mean() - bp.mean(), rel=1e-12)
    assert res.confidence == 0.9 and res.n_resamples == 60 and res.seed == 2 and res.n_permutations == 70
    assert res.test == "paired_permutation_models" and res.method == "bca"
    same = difference_of_gaps(ac, ap, ac, ap, MeanScore(), n_resamples=20, n_permutations=5)
    assert same.method == "percentile" and same.method_note == "all bootstrap values are equal (zero variance)"


def test_difference_defaults() -> None:
    ac, ap, bc, bp = _four(34, 15)
    res = difference_of_gaps(ac, ap, bc, bp, MeanScore())
    assert res.label == "" and res.n_resamples == 10_000 and res.seed == 0 and res.n_permutations == 10_000
    assert res.confidence == 0.95


@pytest.mark.parametrize("position", range(4))
def test_difference_errors_name_the_input(position: int) -> None:
    arrays = list(paired_binary(np.random.default_rng(35), 20, 0.8, 0.2)) * 2
    arrays[position] = np.c_[arrays[position], arrays[position]]
    name = ("a_clean", "a_perturbed", "b_clean", "b_perturbed")[position]
    with pytest.raises(ConfigError, match=rf"^{name}: metric 'accuracy' expects 1 statistics per item \('correct',\), got 2"):
        difference_of_gaps(*arrays, Accuracy(), n_resamples=10, n_permutations=10)


# --- stats.gaps.paired_gap / score_cis ----------------------------------------------------------

def test_paired_gap_defaults() -> None:
    clean, pert = paired_binary(np.random.default_rng(40), 15, 0.8, 0.3)
    res = paired_gap(clean, pert, Accuracy())
    assert res.label == "" and res.n_resamples == 10_000 and res.seed == 0
    graded = paired_gap(*_graded(np.random.default_rng(41), 15, 0.05), MeanScore())
    assert graded.test == "paired_permutation" and graded.n_permutations == 10_000


def test_paired_gap_passes_alpha_and_power_to_the_mde() -> None:
    clean, pert = paired_binary(np.random.default_rng(42), 120, 0.8, 0.25)
    res = paired_gap(clean, pert, Accuracy(), n_resamples=20, n_permutations=5, alpha=0.1, power=0.9)
    b_plus_c = int(np.count_nonzero(clean != pert))
    assert res.test == "mcnemar_exact" and res.alpha == 0.1 and res.power == 0.9
    assert res.mde == pytest.approx(_connor_mde(b_plus_c, 120, 0.1, 0.9), rel=1e-12)
    c, p = _graded(np.random.default_rng(43), 50, 0.05)
    res = paired_gap(c, p, MeanScore(), n_resamples=20, n_permutations=5, alpha=0.1, power=0.9)
    se = np.std(c - p, ddof=1) / math.sqrt(50)  # the jackknife SE of a mean difference
    assert res.mde == pytest.approx((ndtri(0.95) + ndtri(0.9)) * se, rel=1e-10)


def test_score_cis_defaults() -> None:
    (out,) = score_cis([("x", paired_binary(np.random.default_rng(44), 12, 0.7, 0.1)[0], Accuracy())])
    assert out.n_resamples == 10_000 and out.seed == 0 and out.confidence == 0.95


def test_score_cis_is_bca_at_the_requested_confidence_and_carries_its_signature() -> None:
    x = np.random.default_rng(45).beta(4, 2, 40)
    out = score_cis([("clean", x, MeanScore())], n_resamples=1000, seed=6, confidence=0.8)[0]
    ref = sps.bootstrap((x,), np.mean, vectorized=True, method="BCa", n_resamples=1000, rng=6, confidence_level=0.8)
    assert out.method == "bca" and out.method_note is None
    np.testing.assert_allclose([out.ci_low, out.ci_high], [ref.confidence_interval.low, ref.confidence_interval.high], rtol=1e-9)
    assert (out.label, out.metric, out.n, out.confidence, out.n_resamples, out.seed) == ("clean", "mean_f1", 40, 0.8, 1000, 6)
    assert out.score == pytest.approx(x.mean(), rel=1e-12)
    (flat,) = score_cis([("flat", np.full(10, 0.5), MeanScore())], n_resamples=20)
    assert flat.method == "percentile" and flat.method_note == "all bootstrap values are equal (zero variance)"


def test_score_cis_of_different_sizes_are_each_their_own_draw() -> None:
    rng = np.random.default_rng(46)
    a, b = rng.beta(4, 2, 30), rng.beta(4, 2, 50)
    both = score_cis([("a", a, MeanScore()), ("b", b, MeanScore())], n_resamples=200, seed=1)
    alone = [score_cis([(lab, s, MeanScore())], n_resamples=200, seed=1)[0] for lab, s in (("a", a), ("b", b))]
    assert both == alone and [r.n for r in both] == [30, 50]


def test_score_cis_errors_name_the_condition() -> None:
    x = paired_binary(np.random.default_rng(47), 10, 0.7, 0.1)[0]
    with pytest.raises(ConfigError, match=r"^score 'wide': metric 'accuracy' expects 1 statistics"):
        score_cis([("ok", x, Accuracy()), ("wide", np.c_[x, x], Accuracy())], n_resamples=10)


# --- stats.power.mde_mcnemar --------------------------------------------------------------------

@pytest.mark.parametrize(
    "b_plus_c, n, alpha, power",
    [(1, 100, 0.05, 0.8), (1, 4, 0.05, 0.8), (1, 1, 0.5, 0.8), (7, 40, 0.1, 0.9)],
    ids=["one-discordant", "small-discriminant", "one-item", "other-levels"],
)
def test_mde_mcnemar_is_connors_root(b_plus_c: int, n: int, alpha: float, power: float) -> None:
    delta = mde_mcnemar(b_plus_c, n, alpha, power)
    assert delta == pytest.approx(_connor_mde(b_plus_c, n, alpha, power), rel=1e-12)
    za, zb, pd = ndtri(1 - alpha / 2), ndtri(power), b_plus_c / n
    assert delta * math.sqrt(n) == pytest.approx(za * math.sqrt(pd) + zb * math.sqrt(pd - delta**2), rel=1e-9)


@pytest.mark.parametrize("b_plus_c, n", [(3, 200), (6, 200), (30, 200), (1, 1)])
def test_mde_mcnemar_at_power_one_half_is_za_sqrt_pd_over_n(b_plus_c: int, n: int) -> None:
    """At power 0.5 (z_b = 0) the discriminant is exactly 0 and the MDE is z_a sqrt(p_d / n);
    computing the discriminant as ``qb^2 - 4 qa qc`` rounded it below 0 for some counts (3 or 6
    of 200) and returned None."""
    assert mde_mcnemar(b_plus_c, n, 0.05, 0.5) == pytest.approx(ndtri(0.975) * math.sqrt(b_plus_c / n / n), rel=1e-12)


def test_mde_mcnemar_is_none_without_items_or_a_real_root() -> None:
    assert mde_mcnemar(3, 0) is None  # no items: no rate (and no division by zero)
    assert mde_mcnemar(0, 50) is None
    assert mde_mcnemar(1, 3) is None  # n < z_a^2 - z_b^2: Connor's equation has no root


# --- stats.resampling (general path) -----------------------------------------------------------

class _MedianOfSum(Metric):
    """Median of the sum of two columns: not mean-decomposable, two statistics per item."""

    name = "median_of_sum"
    stat_names = ("a", "b")

    def item_stats(self, *, prediction: Any, reference: Any) -> tuple[float, ...]:
        return (float(prediction), float(reference))

    def aggregate(self, stats: np.ndarray) -> np.ndarray:
        return np.median(stats[..., 0] + stats[..., 1], axis=-1)


class _Float32Median(MedianScore):
    name = "median_f32"

    def aggregate(self, stats: np.ndarray) -> np.ndarray:
        return np.median(stats[..., 0], axis=-1).astype(np.float32)


def test_general_path_bootstrap_covers_every_resample_in_sub_chunks() -> None:
    """300 items x 2 statistics x 8000 resamples is split into sub-chunks of rows; each
    resample's score is the median of its own rows."""
    rng = np.random.default_rng(50)
    stats = np.round(rng.random((300, 2)), 3)
    got = bootstrap_scores([Condition(stats, _MedianOfSum())], 8000, 9)[:, 0]
    idx = np.random.default_rng(9).integers(0, 300, (8000, 300))
    np.testing.assert_array_equal(got, np.median(stats[idx].sum(axis=-1), axis=1))


def test_general_path_jackknife_of_many_items() -> None:
    """2100 items: the leave-one-out index matrix is scored in row chunks of whole rows."""
    x = np.round(np.random.default_rng(51).random(2100), 4)
    got = jackknife_scores(Condition(x[:, None], MedianScore()))
    order = np.sort(x)
    # Leave-one-out median of an even-sized sample: the middle value of the 2099 left.
    expected = np.where(x <= order[1049], order[1050], order[1049])
    np.testing.assert_array_equal(got, expected)


def test_general_path_scores_are_float64_whatever_the_metric_returns() -> None:
    x = np.random.default_rng(52).random(9)[:, None]
    jack = jackknife_scores(Condition(x, _Float32Median()))
    assert jack.dtype == np.float64
    np.testing.assert_array_equal(jack, [np.float32(np.median(np.delete(x[:, 0], i))) for i in range(9)])


# --- stats.results.to_plain ---------------------------------------------------------------------

def test_to_plain_makes_json_ready_values() -> None:
    value = {1: np.int64(3), "p": np.float64(0.25), "bad": np.float32("nan"), "xs": (np.int32(1), 2.5, float("inf")), "ok": np.bool_(True)}
    plain = to_plain(value)
    assert plain == {"1": 3, "p": 0.25, "bad": None, "xs": [1, 2.5, None], "ok": True}
    assert type(plain["1"]) is int and type(plain["p"]) is float and type(plain["ok"]) is bool
    assert type(plain["xs"][0]) is int
    assert json.loads(json.dumps(plain, allow_nan=False)) == plain
    assert to_plain("text") == "text" and to_plain(b"raw") == b"raw"


def test_to_plain_turns_nested_results_into_dicts() -> None:
    ci = ScoreCI("x", "accuracy", np.int64(10), np.float64(0.5), 0.4, float("nan"), 0.95, "bca", None, 100, 0)
    assert to_plain([ci]) == [{
        "label": "x", "metric": "accuracy", "n": 10, "score": 0.5, "ci_low": 0.4, "ci_high": None, "confidence": 0.95,
        "method": "bca", "method_note": None, "n_resamples": 100, "seed": 0,
    }]
    assert to_plain({"cell": ci})["cell"] == ci.to_dict()


# --- stats.aggregates.SecondaryMetric -----------------------------------------------------------

class _DuckMetric:
    """A metric-like object that does not derive from Metric (no ``secondary_names``)."""

    name = "duck"
    stat_names = ("x",)

    def aggregate(self, stats: np.ndarray) -> np.ndarray:
        return stats[..., 0].mean(axis=-1)


def test_secondary_metric_of_a_metric_without_secondaries_is_refused_by_name() -> None:
    with pytest.raises(ConfigError, match=r"metric 'duck' has no secondary score 'exact_match'; available: none"):
        SecondaryMetric(_DuckMetric(), "exact_match")  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match=r"metric 'em_f1' has no secondary score 'bleu'; available: \['exact_match'\]"):
        secondary_metric(SquadEmF1(), "bleu")


def test_secondary_metric_keeps_the_stats_contract_and_its_own_name() -> None:
    rng = np.random.default_rng(60)
    em = (rng.random(30) < 0.6).astype(float)
    clean = np.c_[em, np.maximum(em, rng.random(30))]
    pert = np.c_[em * (rng.random(30) < 0.8), clean[:, 1] * 0.9]
    metric = secondary_metric(SquadEmF1(), "exact_match")
    assert metric.name == "exact_match" and metric.stat_names == ("em", "f1")
    res = paired_gap(clean, pert, metric, n_resamples=20, n_permutations=5)
    assert res.metric == "exact_match" and res.gap == pytest.approx(clean[:, 0].mean() - pert[:, 0].mean())
    with pytest.raises(ConfigError, match=r"expects 2 statistics per item \('em', 'f1'\), got 1"):
        paired_gap(clean[:, :1], pert[:, :1], metric, n_resamples=20, n_permutations=5)
    agg = stratified_aggregate([Stratum("xquad/de", clean, pert, SquadEmF1())], label="QA", n_resamples=20, n_permutations=5)
    (companion,) = agg.companions
    assert companion.metric == "exact_match" and companion.label == "QA (exact_match)"


# --- stats.aggregates.stratified_aggregate ------------------------------------------------------

def _naive_bca(estimate: float, boot: np.ndarray, jacks: list[np.ndarray], confidence: float) -> tuple[float, float]:
    """BCa as Efron & Tibshirani 14.3 with scipy's multi-sample acceleration, written out."""
    tol = 1e-12 + 1e-12 * abs(estimate)
    share = (np.sum(boot < estimate - tol) + 0.5 * np.sum(np.abs(boot - estimate) <= tol)) / boot.size
    z0 = ndtri(share)
    num = sum(np.sum(((j.size - 1) * (j.mean() - j)) ** 3) / j.size**3 for j in jacks)
    den = sum(np.sum(((j.size - 1) * (j.mean() - j)) ** 2) / j.size**2 for j in jacks)
    accel = num / (6 * den**1.5)
    z = ndtri((1 - confidence) / 2)
    levels = [sps.norm.cdf(z0 + (z0 + zz) / (1 - accel * (z0 + zz))) for zz in (z, -z)]
    low, high = np.quantile(boot, levels)
    return float(low), float(high)


def _mean_strata(seed: int) -> list[Stratum]:
    rng = np.random.default_rng(seed)
    return [Stratum(lab, *_graded(rng, n, drop), MeanScore(), group="t") for lab, n, drop in (("t/a", 30, 0.03), ("t/b", 45, 0.01))]


def _naive_stratified(strata: list[Stratum], w: dict[str, float], n_resamples: int, n_permutations: int, seed: int) -> dict:
    """The stratified bootstrap and permutation test of aggregates.py's docstring, for mean
    metrics: each stratum from its own streams ``[seed, crc32(label)]`` (bootstrap) and
    ``[PERMUTATION_STREAM, seed, crc32(label)]`` (swaps), macro-averaged with ``w``."""
    import zlib

    out = {k: 0.0 for k in ("clean", "pert")}
    boot_c = np.zeros(n_resamples)
    boot_p = np.zeros(n_resamples)
    perm = np.zeros(n_permutations)
    jacks, jacks_c, jacks_p, se2 = [], [], [], 0.0
    for s in strata:
        c, p, ws, n = s.stats_clean, s.stats_perturbed, w[s.label], s.stats_clean.size
        crc = zlib.crc32(s.label.encode())
        idx = np.random.default_rng([seed, crc]).integers(0, n, (n_resamples, n))
        boot_c += ws * c[idx].mean(axis=1)
        boot_p += ws * p[idx].mean(axis=1)
        swap = np.random.default_rng([PERMUTATION_STREAM, seed, crc]).integers(0, 2, (n_permutations, n)).astype(bool)
        perm += ws * (np.where(swap, p, c).mean(axis=1) - np.where(swap, c, p).mean(axis=1))
        out["clean"] += ws * c.mean()
        out["pert"] += ws * p.mean()
        jc, jp = (c.sum() - c) / (n - 1), (p.sum() - p) / (n - 1)
        jacks_c.append(ws * jc)
        jacks_p.append(ws * jp)
        jacks.append(ws * (jc - jp))
        se2 += (ws * np.std(c - p, ddof=1) / math.sqrt(n)) ** 2
    gap = out["clean"] - out["pert"]
    extreme = np.count_nonzero(np.abs(perm) >= abs(gap) - 1e-12 * (1 + abs(gap)))
    return dict(clean=out["clean"], pert=out["pert"], gap=gap, boot_c=boot_c, boot_p=boot_p, jacks=jacks, jacks_c=jacks_c,
                jacks_p=jacks_p, p_value=(1 + extreme) / (n_permutations + 1), se=math.sqrt(se2))


def test_stratified_aggregate_is_the_documented_stratified_bootstrap_and_permutation_test() -> None:
    strata = _mean_strata(70)
    agg = stratified_aggregate(strata, label="tier 1", n_resamples=300, seed=3, n_permutations=199, confidence=0.8, alpha=0.1, power=0.9)
    ref = _naive_stratified(strata, {"t/a": 0.5, "t/b": 0.5}, 300, 199, 3)
    assert agg.label == "tier 1" and agg.metric == "mean_f1" and agg.n == 75 and agg.n_strata == 2
    assert (agg.clean_score, agg.perturbed_score, agg.gap) == pytest.approx((ref["clean"], ref["pert"], ref["gap"]), rel=1e-12)
    close = dict(rel=1e-9, abs=1e-12)
    assert (agg.ci_low, agg.ci_high) == pytest.approx(_naive_bca(ref["gap"], ref["boot_c"] - ref["boot_p"], ref["jacks"], 0.8), **close)
    assert (agg.clean_ci_low, agg.clean_ci_high) == pytest.approx(_naive_bca(ref["clean"], ref["boot_c"], ref["jacks_c"], 0.8), **close)
    assert (agg.perturbed_ci_low, agg.perturbed_ci_high) == pytest.approx(_naive_bca(ref["pert"], ref["boot_p"], ref["jacks_p"], 0.8), **close)
    assert agg.method == "bca" and agg.method_note is None and agg.confidence == 0.8
    assert 0.005 < ref["p_value"] < 0.9 and agg.p_value == pytest.approx(ref["p_value"], abs=1e-15)
    assert agg.test == "stratified_paired_permutation" and agg.n_resamples == 300 and agg.seed == 3 and agg.n_permutations == 199
    assert agg.relative_drop == pytest.approx(ref["gap"] / ref["clean"], rel=1e-12)
    assert agg.weights == {"t/a": 0.5, "t/b": 0.5} and agg.alpha == 0.1 and agg.power == 0.9
    assert agg.mde == pytest.approx((ndtri(0.95) + ndtri(0.9)) * ref["se"], rel=1e-10)


def test_stratified_aggregate_defaults() -> None:
    agg = stratified_aggregate(_mean_strata(71))
    assert agg.label == "" and agg.n_resamples == 10_000 and agg.seed == 0 and agg.n_permutations == 10_000
    assert agg.confidence == 0.95 and agg.alpha == 0.05 and agg.power == 0.8


def test_stratified_aggregate_relative_drop_and_degenerate_interval() -> None:
    zeros, ones = np.zeros(10), np.ones(10)
    half = np.r_[np.ones(5), np.zeros(5)]
    never = stratified_aggregate([Stratum("s", zeros, zeros, MeanScore())], n_resamples=20, n_permutations=5)
    assert never.relative_drop is None  # clean score 0: no relative drop (and no division by zero)
    assert never.method == "percentile" and never.method_note == "all bootstrap values are equal (zero variance)"
    perfect = stratified_aggregate([Stratum("s", ones, half, MeanScore())], n_resamples=20, n_permutations=5)
    assert perfect.relative_drop == pytest.approx(0.5)


def test_stratified_aggregate_errors_name_weights_strata_and_sides() -> None:
    strata = _mean_strata(72)
    with pytest.raises(ConfigError, match=r"^stratified_aggregate: no strata given"):
        stratified_aggregate([], n_resamples=10, n_permutations=10)
    with pytest.raises(ConfigError, match=r"sum to 1; missing \['t/b'\], sum 0\.5$"):
        stratified_aggregate(strata, weights={"t/a": 0.5}, n_resamples=10, n_permutations=10)
    with pytest.raises(ConfigError, match=r"sum to 1; missing \[\], sum 0\.7$"):
        stratified_aggregate(strata, weights={"t/a": 0.5, "t/b": 0.2}, n_resamples=10, n_permutations=10)
    a, b = strata
    for side in ("stats_clean", "stats_perturbed"):
        wide = Stratum(b.label, np.c_[b.stats_clean, b.stats_clean] if side == "stats_clean" else b.stats_clean,
                       np.c_[b.stats_perturbed, b.stats_perturbed] if side == "stats_perturbed" else b.stats_perturbed, MeanScore())
        with pytest.raises(ConfigError, match=rf"^stratum 't/b' {side}: metric 'mean_f1' expects 1 statistics"):
            stratified_aggregate([a, wide], n_resamples=10, n_permutations=10)
    counted = Stratum(a.label, a.stats_clean, a.stats_perturbed, MeanScore(), changed=np.ones(30, dtype=np.int64))
    with pytest.raises(ConfigError, match=r"^stratum 't/a': changed must be a boolean array of 30 items, got dtype int64"):
        stratified_aggregate([counted], n_resamples=10, n_permutations=10)


def _qa_stats(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    em = (rng.random(n) < 0.6).astype(float)
    clean = np.c_[em, np.maximum(em, rng.random(n))]
    pert = np.c_[em * (rng.random(n) < 0.7), clean[:, 1] * rng.uniform(0.6, 1.0, n)]
    return clean, pert


def test_stratified_aggregate_companions_share_every_setting() -> None:
    rng = np.random.default_rng(73)
    strata = []
    for lab, group, n in (("xquad/de", "xquad", 30), ("mlqa/de", "mlqa", 40)):
        c, p = _qa_stats(rng, n)
        strata.append(Stratum(lab, c, p, SquadEmF1(), group=group, changed=c[:, 1] != p[:, 1]))
    w = {"xquad/de": 0.7, "mlqa/de": 0.3}
    agg = stratified_aggregate(strata, label="QA", weights=w, n_resamples=150, seed=4, n_permutations=60, confidence=0.8, alpha=0.1, power=0.9)
    (em,) = agg.companions
    assert em.label == "QA (exact_match)" and em.metric == "exact_match" and em.weights == w
    assert em.gap == pytest.approx(sum(w[s.label] * (s.stats_clean[:, 0].mean() - s.stats_perturbed[:, 0].mean()) for s in strata), rel=1e-12)
    assert (em.n_resamples, em.seed, em.n_permutations, em.confidence, em.alpha, em.power) == (150, 4, 60, 0.8, 0.1, 0.9)
    assert em.flip_rate == agg.flip_rate == pytest.approx(0.7 * strata[0].changed.mean() + 0.3 * strata[1].changed.mean())
    assert em.companions == () and "within each of 2 tasks" in em.convention
    alone = stratified_aggregate(strata, label="QA", weights=w, n_resamples=150, seed=4, n_permutations=60, companions=False)
    assert alone.companions == () and "reported beside" not in alone.convention


def test_stratified_aggregate_conventions_read_in_full() -> None:
    rng = np.random.default_rng(74)
    qa = [Stratum(f"xquad/{lang}", *_qa_stats(rng, 20), SquadEmF1(), group="xquad") for lang in ("de", "sw")]
    text = stratified_aggregate(qa, n_resamples=20, n_permutations=5).convention
    assert text == (
        "unweighted mean over 2 languages (XTREME); each language resampled on its own; headline metric(s): f1; "
        "reported beside: exact_match; QA enters with F1, the 'f1' convention (XTREME's evaluate.py averages EM and F1: 'avg_metric')"
    )
    mixed = qa[:1] + [Stratum("xnli/de", *paired_binary(rng, 20, 0.8, 0.2), Accuracy(), group="xnli")]
    agg = stratified_aggregate(mixed, n_resamples=20, n_permutations=5)
    assert agg.metric == "accuracy+f1" and agg.companions == ()
    assert agg.convention == (
        "unweighted mean over languages within each of 2 tasks, then unweighted mean over tasks (XTREME); each task x language "
        "resampled on its own; headline metric(s): accuracy, f1; QA enters with F1, the 'f1' convention (XTREME's evaluate.py "
        "averages EM and F1: 'avg_metric')"
    )
    from helpers.stats_metrics import paired_counts
    from xtremer_robust.metrics.tagging import SeqevalF1

    ner = [Stratum(f"panx/{lang}", *paired_counts(rng, 20), SeqevalF1(), group="panx") for lang in ("de", "sw")]
    agg = stratified_aggregate(ner, n_resamples=20, n_permutations=5)
    assert agg.convention.endswith("; headline metric(s): f1; reported beside: precision, recall")
    assert [c.metric for c in agg.companions] == ["precision", "recall"]
    one = stratified_aggregate([Stratum("xnli/de", *paired_binary(rng, 20, 0.8, 0.2), Accuracy(), group="xnli")], n_resamples=20, n_permutations=5)
    assert one.convention == "unweighted mean over 1 languages (XTREME); each language resampled on its own; headline metric(s): accuracy"


class _DuckScored(_DuckMetric):
    def score(self, stats: np.ndarray) -> float:
        return float(self.aggregate(np.asarray(stats, dtype=np.float64)))


def test_stratified_aggregate_takes_a_metric_like_object_without_secondaries() -> None:
    c, p = _graded(np.random.default_rng(75), 25, 0.05)
    agg = stratified_aggregate([Stratum("s", c, p, _DuckScored())], n_resamples=20, n_permutations=5)  # type: ignore[arg-type]
    assert agg.metric == "duck" and agg.companions == () and agg.gap == pytest.approx(c.mean() - p.mean())
    assert agg.convention.endswith("headline metric(s): duck")


# --- stats.intervals (percentile interval) ------------------------------------------------------

def test_percentile_interval_levels_are_half_the_non_coverage_on_each_side() -> None:
    from xtremer_robust.stats import bootstrap_interval

    boot = np.arange(101) / 100.0  # quantile q of these replicates is q itself
    iv = bootstrap_interval(0.5, boot, None, confidence=0.9)
    assert (iv.low, iv.high, iv.method, iv.note) == (pytest.approx(0.05), pytest.approx(0.95), "percentile", None)
    flat = bootstrap_interval(0.5, np.r_[np.full(50, 0.5), np.nan], np.zeros(3), confidence=0.9)
    assert (flat.low, flat.high) == (0.5, 0.5) and flat.note == "1 non-finite bootstrap values dropped; BCa not attempted"


# --- stats.significance.mcnemar_exact -----------------------------------------------------------

def test_mcnemar_takes_a_column_beside_a_flat_vector_and_values_that_convert_to_0_1() -> None:
    from xtremer_robust.stats import mcnemar_exact

    clean = np.array([1, 1, 1, 1, 0, 1, 0, 1.0])
    pert = np.array([0, 0, 0, 1, 1, 1, 0, 0.0])
    expected = sps.binomtest(4, 5).pvalue  # b = 4 right only on the clean side, c = 1
    for a, b in ((clean[:, None], pert), (clean, pert[:, None]), ([str(int(v)) for v in clean], [str(int(v)) for v in pert])):
        res = mcnemar_exact(a, b)
        assert (res.n_clean_only, res.n_perturbed_only) == (4, 1) and res.p_value == pytest.approx(expected, rel=1e-12)


def test_mcnemar_refuses_graded_values_with_the_whole_message() -> None:
    from xtremer_robust.stats import mcnemar_exact

    with pytest.raises(ConfigError) as err:
        mcnemar_exact([0.5, 1.0], [1.0, 0.0])
    assert str(err.value) == "McNemar: per-item correctness must be 0/1 or boolean; use the permutation test for graded scores"


# --- stats.gaps.paired_gaps / _cell_result ------------------------------------------------------

def _naive_swap_p_value(clean: np.ndarray, pert: np.ndarray, score, n_permutations: int, seed: int) -> float:
    """Per-item swaps of the two sides from ``default_rng([PERMUTATION_STREAM, seed])``, then
    Phipson-Smyth's ``(1 + #{|T*| >= |T|}) / (P + 1)``."""
    swap = np.random.default_rng([PERMUTATION_STREAM, seed]).integers(0, 2, (n_permutations, clean.shape[0])).astype(bool)
    if clean.ndim == 2:
        swap = swap[..., None]
    perm = score(np.where(swap, pert, clean)) - score(np.where(swap, clean, pert))
    observed = float(score(clean[None])[0] - score(pert[None])[0])
    extreme = np.count_nonzero(np.abs(perm) >= abs(observed) - 1e-12 * (1 + abs(observed)))
    return (1 + extreme) / (n_permutations + 1)


def _scipy_paired_bca(clean: np.ndarray, pert: np.ndarray, statistic, n_resamples: int, seed: int, confidence: float):
    ref = sps.bootstrap((clean, pert), statistic, paired=True, vectorized=True, method="BCa", n_resamples=n_resamples,
                        rng=seed, confidence_level=confidence)
    return ref.confidence_interval.low, ref.confidence_interval.high


def test_permutation_cell_reports_every_number_of_its_own() -> None:
    c, p = _graded(np.random.default_rng(80), 40, 0.02)
    res = paired_gap(c, p, MeanScore(), changed=c != p, label="pawsx/de x typo", n_resamples=800, seed=12,
                     n_permutations=499, confidence=0.9, alpha=0.1, power=0.9)
    mean = lambda x: x.mean(axis=-1)  # noqa: E731
    gap_iv = _scipy_paired_bca(c, p, lambda a, b, axis: a.mean(axis) - b.mean(axis), 800, 12, 0.9)
    clean_iv = _scipy_paired_bca(c, p, lambda a, b, axis: a.mean(axis), 800, 12, 0.9)
    pert_iv = _scipy_paired_bca(c, p, lambda a, b, axis: b.mean(axis), 800, 12, 0.9)
    close = dict(rtol=1e-9)
    np.testing.assert_allclose([res.ci_low, res.ci_high], gap_iv, **close)
    np.testing.assert_allclose([res.clean_ci_low, res.clean_ci_high], clean_iv, **close)
    np.testing.assert_allclose([res.perturbed_ci_low, res.perturbed_ci_high], pert_iv, **close)
    expected_p = _naive_swap_p_value(c, p, mean, 499, 12)
    assert 0.005 < expected_p < 0.9 and res.p_value == pytest.approx(expected_p, abs=1e-15)
    assert (res.label, res.metric, res.n, res.test, res.method, res.method_note) == ("pawsx/de x typo", "mean_f1", 40, "paired_permutation", "bca", None)
    assert (res.clean_score, res.perturbed_score, res.gap) == pytest.approx((c.mean(), p.mean(), c.mean() - p.mean()), rel=1e-12)
    assert (res.confidence, res.n_resamples, res.seed, res.n_permutations, res.alpha, res.power) == (0.9, 800, 12, 499, 0.1, 0.9)
    assert res.n_clean_only is None and res.n_perturbed_only is None and res.mde_method == "paired_jackknife_se"
    assert res.flip_rate == 1.0 and res.relative_drop == pytest.approx((c.mean() - p.mean()) / c.mean(), rel=1e-12)
    assert res.p_holm is None and res.p_bh is None


def test_mcnemar_cell_reports_counts_and_no_permutations() -> None:
    clean, pert = paired_binary(np.random.default_rng(81), 60, 0.7, 0.2)
    changed = np.r_[np.ones(15, bool), np.zeros(45, bool)]
    res = paired_gap(clean, pert, Accuracy(), changed=changed, n_resamples=300, seed=1, n_permutations=77)
    b, c = int(np.sum((clean == 1) & (pert == 0))), int(np.sum((clean == 0) & (pert == 1)))
    assert (res.test, res.n_clean_only, res.n_perturbed_only, res.n_permutations) == ("mcnemar_exact", b, c, None)
    assert res.p_value == pytest.approx(sps.binomtest(b, b + c).pvalue, rel=1e-12) and type(res.p_value) is float
    assert res.mde == pytest.approx(_connor_mde(b + c, 60, 0.05, 0.8), rel=1e-12) and res.mde_method == "mcnemar_connor_1987"
    assert res.flip_rate == 0.25
    forced = paired_gap(clean, pert, Accuracy(), n_resamples=300, seed=1, n_permutations=77, test="paired_permutation")
    assert forced.test == "paired_permutation" and forced.n_permutations == 77 and forced.n_clean_only is None
    assert forced.p_value == pytest.approx(_naive_swap_p_value(clean, pert, lambda x: x.mean(axis=-1), 77, 1), abs=1e-15)
    assert (forced.ci_low, forced.ci_high) == (res.ci_low, res.ci_high)  # the same bootstrap either way


def test_batched_cells_each_equal_their_own_run_whatever_the_mix() -> None:
    """Cells of one size share the index matrix; McNemar and permutation cells interleave, and
    each permutation cell must get its own column of permuted gaps."""
    rng = np.random.default_rng(82)
    cells = [
        PairedCell("bin1", *paired_binary(rng, 50, 0.8, 0.2), Accuracy()),
        PairedCell("graded1", *_graded(rng, 50, 0.03), MeanScore()),
        PairedCell("bin2", *paired_binary(rng, 50, 0.6, 0.3), Accuracy()),
        PairedCell("graded2", *_graded(rng, 50, 0.0), MeanScore()),
        PairedCell("median", *_graded(rng, 50, 0.05), MedianScore()),
        PairedCell("short", *_graded(rng, 20, 0.05), MeanScore()),
    ]
    kw = dict(n_resamples=200, seed=6, n_permutations=150, confidence=0.9, alpha=0.1, power=0.9)
    batch = paired_gaps(cells, **kw)
    alone = [paired_gap(c.stats_clean, c.stats_perturbed, c.metric, label=c.label, **kw) for c in cells]
    for got, own in zip(batch, alone):  # graded means summed by another route may differ in the last bit
        for key, value in own.to_dict().items():
            assert got.to_dict()[key] == (pytest.approx(value, rel=1e-12, abs=1e-15) if isinstance(value, float) else value), (own.label, key)
    assert [r.test for r in batch] == ["mcnemar_exact", "paired_permutation", "mcnemar_exact", "paired_permutation", "paired_permutation", "paired_permutation"]
    median = batch[4]
    expected = _naive_swap_p_value(cells[4].stats_clean, cells[4].stats_perturbed, lambda x: np.median(x, axis=-1), 150, 6)
    assert median.p_value == pytest.approx(expected, abs=1e-15)


# --- stats.multiplicity (holm, benjamini_hochberg) -----------------------------------------------

def test_adjustments_take_p_values_of_0_and_1_none_as_missing_and_a_table_as_one_family() -> None:
    from xtremer_robust.stats import benjamini_hochberg, holm

    np.testing.assert_array_equal(holm([0.0, 0.5, 1.0]), [0.0, 1.0, 1.0])
    np.testing.assert_array_equal(benjamini_hochberg([0.0, 0.5, 1.0]), [0.0, 0.75, 1.0])
    assert holm([0, 1]).dtype == np.float64 and benjamini_hochberg([0, 1]).dtype == np.float64
    np.testing.assert_allclose(holm([0.01, None, 0.04]), [0.02, np.nan, 0.04])
    np.testing.assert_allclose(benjamini_hochberg([0.01, None, 0.04]), [0.02, np.nan, 0.04])
    table = np.array([[0.01, 0.04], [0.03, 0.2]])
    np.testing.assert_allclose(holm(table), [0.04, 0.09, 0.09, 0.2])
    np.testing.assert_allclose(benjamini_hochberg(table), [0.04, 4 * 0.04 / 3, 0.04 * 4 / 3, 0.2])


@pytest.mark.parametrize("adjust", ["holm", "benjamini_hochberg"])
def test_adjustments_refuse_p_values_outside_0_1_listing_only_those(adjust: str) -> None:
    import xtremer_robust.stats as st

    with pytest.raises(ConfigError) as err:
        getattr(st, adjust)([0.0, 1.0, 0.3, 1.5, np.nan, -0.1])
    assert str(err.value) == "p-values must lie in [0, 1]; got [1.5, -0.1]"


@pytest.mark.parametrize("b, c", [(-1, 3), (2, -1)])
def test_mcnemar_counts_refuse_a_negative_count_on_either_side(b: int, c: int) -> None:
    from xtremer_robust.stats import mcnemar_exact_counts

    with pytest.raises(ConfigError) as err:
        mcnemar_exact_counts(b, c)
    assert str(err.value) == f"McNemar: discordant counts must be >= 0, got {b} and {c}"


# --- stats.gaps input checks (check_settings, checked_stats, _prepare, choose_test) -------------

def _message(call, *args, **kwargs) -> str:
    with pytest.raises(ConfigError) as err:
        call(*args, **kwargs)
    return str(err.value)


def test_settings_are_refused_at_their_exact_boundaries_naming_the_argument() -> None:
    c, p = paired_binary(np.random.default_rng(90), 12, 0.7, 0.3)
    ok = paired_gap(c, p, Accuracy(), n_resamples=2, n_permutations=1, test="paired_permutation")
    assert ok.n_resamples == 2 and ok.n_permutations == 1
    assert _message(paired_gap, c, p, Accuracy(), n_resamples=1) == "n_resamples must be >= 2 (10,000 recommended), got 1"
    assert _message(paired_gap, c, p, Accuracy(), n_permutations=0) == "n_permutations must be >= 1 (10,000 recommended), got 0"
    for name in ("confidence", "alpha", "power"):
        for bad in (0.0, 1.0):
            assert _message(paired_gap, c, p, Accuracy(), n_resamples=5, **{name: bad}) == f"{name} must lie strictly between 0 and 1, got {bad}"


def test_cell_input_errors_read_in_full() -> None:
    c, p = paired_binary(np.random.default_rng(91), 6, 0.7, 0.3)
    cell = dict(n_resamples=5, n_permutations=5, label="xnli/sw")
    assert _message(paired_gap, np.c_[c, c], p, Accuracy(), **cell) == (
        "cell 'xnli/sw' stats_clean: metric 'accuracy' expects 1 statistics per item ('correct',), got 2")
    assert _message(paired_gap, c, np.c_[p, p], Accuracy(), **cell) == (
        "cell 'xnli/sw' stats_perturbed: metric 'accuracy' expects 1 statistics per item ('correct',), got 2")
    assert _message(paired_gap, c, p[:5], Accuracy(), **cell) == (
        "cell 'xnli/sw': stats_clean (6, 1) and stats_perturbed (5, 1) must hold the same items in the same order")
    assert _message(paired_gap, c, p, Accuracy(), changed=np.ones(6), **cell) == (
        "cell 'xnli/sw': changed must be a boolean array of 6 items, got dtype float64 and 6 items")
    assert _message(paired_gap, c, p, Accuracy(), changed=np.ones(5, bool), **cell) == (
        "cell 'xnli/sw': changed must be a boolean array of 6 items, got dtype bool and 5 items")
    column = paired_gap(c, p, Accuracy(), changed=(c != p)[:, None], **cell)  # a column of flags is fine
    assert column.flip_rate == pytest.approx(np.mean(c != p))
    assert _message(paired_gap, np.ones((2, 3, 1)), np.ones((2, 3, 1)), Accuracy(), **cell) == (
        "cell 'xnli/sw' stats_clean: expected per-item statistics of shape (n_items, n_stats), got shape (2, 3, 1)")
    assert _message(paired_gap, [1.0], [0.0], Accuracy(), **cell) == "cell 'xnli/sw' stats_clean: a bootstrap needs at least 2 items, got 1"
    assert _message(paired_gap, c, np.r_[p[:-1], np.inf], Accuracy(), **cell) == (
        "cell 'xnli/sw' stats_perturbed: per-item statistics must be finite; found NaN or infinity")


def test_test_choice_and_its_messages() -> None:
    c, p = paired_binary(np.random.default_rng(92), 20, 0.7, 0.3)
    kw = dict(n_resamples=5, n_permutations=5)
    assert _message(paired_gap, c, p, Accuracy(), test="ttest", **kw) == (
        "test must be one of ('auto', 'mcnemar_exact', 'paired_permutation'), got 'ttest'")
    assert _message(paired_gap, c * 0.5, p, MeanScore(), test="mcnemar_exact", **kw) == (
        "test 'mcnemar_exact' needs one 0/1 correctness column per item; metric 'mean_f1' gives other values. Use 'paired_permutation'.")
    assert paired_gap(c, p, Accuracy(), test="mcnemar_exact", **kw).test == "mcnemar_exact"
    assert paired_gap(c, p, MeanScore(), **kw).test == "mcnemar_exact"  # 0/1 values of a mean metric
    assert paired_gap(c, p * 0.5, MeanScore(), **kw).test == "paired_permutation"  # one side graded
    assert paired_gap(c * 0.5, p, MeanScore(), **kw).test == "paired_permutation"

    class TwoColumnsMean(MeanScore):
        stat_names = ("f1", "unused")

    assert paired_gap(np.c_[c, c], np.c_[p, p], TwoColumnsMean(), **kw).test == "paired_permutation"

    class NotAMean(MeanScore):
        is_mean = False

    assert paired_gap(c, p, NotAMean(), **kw).test == "paired_permutation"


# --- stats.intervals.bootstrap_interval (fallbacks and ties) -------------------------------------

def test_interval_fallbacks_say_why() -> None:
    from xtremer_robust.stats import bootstrap_interval

    rng = np.random.default_rng(93)
    boot, jack = rng.normal(0.5, 0.1, 200), rng.normal(0.5, 0.01, 30)
    every = bootstrap_interval(0.5, np.full(5, np.nan), jack)
    assert np.isnan(every.low) and np.isnan(every.high) and (every.method, every.note) == ("percentile", "every bootstrap value is non-finite")
    some = bootstrap_interval(0.5, np.r_[boot, np.inf, np.nan], jack, 0.9)
    assert (some.low, some.high) == pytest.approx(tuple(np.quantile(boot, [0.05, 0.95])), rel=1e-12)
    assert some.note == "2 non-finite bootstrap values dropped; BCa not attempted"
    cases = [
        ((0.5, np.full(10, 0.5), jack), "all bootstrap values are equal (zero variance)"),
        ((np.nan, boot, jack), "the estimate is non-finite"),
        ((boot.max() + 1, boot, jack), "the estimate lies outside the bootstrap distribution (infinite bias correction)"),
        ((boot.min() - 1, boot, jack), "the estimate lies outside the bootstrap distribution (infinite bias correction)"),
        ((0.5, boot, np.r_[jack, np.nan]), "non-finite jackknife values"),
        ((0.5, boot, [jack, np.r_[0.1, np.inf]]), "non-finite jackknife values"),
        ((0.5, boot, np.full(30, 0.25)), "the jackknife values have no spread (acceleration undefined)"),
    ]
    for args, note in cases:
        iv = bootstrap_interval(*args, confidence=0.9)
        assert (iv.method, iv.note) == ("percentile", note), note
        assert (iv.low, iv.high) == pytest.approx(tuple(np.quantile(args[1], [0.05, 0.95])), rel=1e-12)
    bca = bootstrap_interval(0.5, boot, [jack, jack[:10]], 0.9)
    assert bca.method == "bca" and bca.note is None
    assert (bca.low, bca.high) == pytest.approx(_naive_bca(0.5, boot, [jack, jack[:10]], 0.9), rel=1e-12)


def test_share_below_counts_ties_half_within_tolerance() -> None:
    from xtremer_robust.stats.intervals import acceleration, percentile_of_score

    boot = np.array([0.1, 0.2, 0.3 + 5e-13, 0.3 - 5e-13, 0.3, 0.4, 0.3 + 1e-9, 0.3 - 1e-9])
    assert percentile_of_score(boot, 0.3) == (3 + 0.5 * 3) / 8  # three within 1e-12 (+ 1e-12 relative)
    assert percentile_of_score(np.array([-2.0, -1.0 - 1.5e-12, 0.0]), -1.0) == (1 + 0.5) / 3  # relative part of the tolerance
    u = np.array([0.0, 1.0, 5.0])
    assert acceleration([u]) == pytest.approx(np.sum((u.mean() - u) ** 3) / (6 * np.sum((u.mean() - u) ** 2) ** 1.5), rel=1e-12)
    assert np.isnan(acceleration([np.ones(4)]))  # no spread: undefined


def test_choose_test_defaults_to_auto() -> None:
    from xtremer_robust.stats.gaps import choose_test

    c, p = paired_binary(np.random.default_rng(94), 10, 0.7, 0.3)
    assert choose_test(Accuracy(), c[:, None], p[:, None]) == "mcnemar_exact"
    assert choose_test(MeanScore(), c[:, None] * 0.5, p[:, None]) == "paired_permutation"


def test_a_metric_without_stat_names_is_taken_as_it_comes() -> None:
    class Unnamed(Metric):
        name = "unnamed_mean"

        def item_stats(self, *, prediction: Any, reference: Any) -> tuple[float, ...]:
            return (float(prediction),)

        def aggregate(self, stats: np.ndarray) -> np.ndarray:
            return stats[..., 0].mean(axis=-1)

    x = np.random.default_rng(95).random(12)
    (out,) = score_cis([("u", x, Unnamed())], n_resamples=20)
    assert out.score == pytest.approx(x.mean()) and out.n == 12


def test_interval_default_confidence_and_overflowing_acceleration() -> None:
    from xtremer_robust.stats import bootstrap_interval
    from xtremer_robust.stats.intervals import acceleration

    boot = np.arange(201) / 200.0
    iv = bootstrap_interval(0.5, boot, None)
    assert (iv.low, iv.high) == (pytest.approx(0.025), pytest.approx(0.975))
    with np.errstate(over="ignore", invalid="ignore"):
        assert np.isnan(acceleration([np.array([0.0, 1e110, 3e110])]))  # sum(u^3) overflows, sum(u^2) does not


def test_a_value_exactly_one_tolerance_away_is_a_tie() -> None:
    from xtremer_robust.stats.intervals import percentile_of_score

    # estimate 0: the tolerance is exactly 1e-12, and -1e-12 and 1e-12 lie exactly on it
    assert percentile_of_score(np.array([-1e-12, 1e-12, 5.0, -5.0]), 0.0) == (1 + 0.5 * 2) / 4


def test_paired_gaps_defaults() -> None:
    rng = np.random.default_rng(96)
    (graded, binary) = paired_gaps([PairedCell("g", *_graded(rng, 15, 0.05), MeanScore()), PairedCell("b", *paired_binary(rng, 15, 0.7, 0.3), Accuracy())])
    assert (graded.n_resamples, graded.seed, graded.n_permutations, graded.confidence, graded.alpha, graded.power) == (10_000, 0, 10_000, 0.95, 0.05, 0.8)
    assert graded.test == "paired_permutation" and binary.test == "mcnemar_exact"


def test_every_cell_of_a_long_family_is_computed_block_by_block(monkeypatch: pytest.MonkeyPatch) -> None:
    import xtremer_robust.stats.gaps as gaps_module

    rng = np.random.default_rng(97)
    cells = [PairedCell(f"c{i}", *paired_binary(rng, 30, 0.7, 0.2), Accuracy()) for i in range(7)]
    monkeypatch.setattr(gaps_module, "_CELLS_PER_BLOCK", 2)
    out = paired_gaps(cells, n_resamples=30, n_permutations=5)
    assert [r.label for r in out] == [c.label for c in cells]
    assert [r.gap for r in out] == pytest.approx([c.stats_clean.mean() - c.stats_perturbed.mean() for c in cells])


# --- stats.resampling.permutation_gaps ----------------------------------------------------------

def test_permutation_takes_the_general_path_unless_both_sides_are_mean_decomposable() -> None:
    """A median of constant clean scores is a function of the means there, not on the graded
    perturbed side: the pair must be permuted exactly (general path)."""
    rng = np.random.default_rng(98)
    clean, pert = np.full(40, 0.5), np.round(0.5 + rng.normal(0.01, 0.05, 40), 2)
    res = paired_gap(clean, pert, MedianScore(), n_resamples=20, n_permutations=300, seed=2)
    expected = _naive_swap_p_value(clean, pert, lambda x: np.median(x, axis=-1), 300, 2)
    assert res.p_value == pytest.approx(expected, abs=1e-15)


def test_permutations_drawn_in_row_chunks_are_the_single_draw() -> None:
    c, p = _graded(np.random.default_rng(99), 500, 0.0)  # 500 items x 9000 swaps: two chunks of rows
    res = paired_gap(c, p, MeanScore(), n_resamples=20, n_permutations=9000, seed=3)
    expected = _naive_swap_p_value(c, p, lambda x: x.mean(axis=-1), 9000, 3)
    assert 0.01 < expected < 0.99 and res.p_value == pytest.approx(expected, abs=1e-15)


def test_permutation_p_value_counts_values_down_to_the_tolerance_and_no_further() -> None:
    from xtremer_robust.stats.significance import permutation_p_value

    edge = 1.0 - 1e-12 * (1.0 + 1.0)  # |T| minus the tolerance 1e-12 (1 + |T|), for |T| = 1
    permuted = np.array([edge, 1.0 - 2.5e-12, -5.0, 0.2])
    assert permutation_p_value(1.0, permuted) == (1 + 2) / 5
    assert permutation_p_value(-1.0, -permuted) == (1 + 2) / 5


def test_bootstrap_indices_drawn_in_row_chunks_are_the_single_draw() -> None:
    x = np.random.default_rng(100).random(500)  # 500 items x 9000 resamples: two chunks of rows
    got = bootstrap_scores([Condition(x[:, None], MeanScore())], 9000, 4)[:, 0]
    idx = np.random.default_rng(4).integers(0, 500, (9000, 500))
    np.testing.assert_allclose(got, x[idx].mean(axis=1), rtol=1e-12)


def test_too_few_items_names_the_item_count_and_rows_become_float64() -> None:
    from xtremer_robust.errors import ConfigError as _ConfigError
    from xtremer_robust.stats.resampling import as_stats

    with pytest.raises(_ConfigError, match=r"^clean: a bootstrap needs at least 2 items, got 1$"):
        as_stats([[1, 0, 1]], "clean")  # one item of three statistics
    assert as_stats([[1, 0], [0, 1]], "x").dtype == np.float64  # integer counts come back as floats
