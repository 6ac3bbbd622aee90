"""Paired gaps: agreement with scipy, degenerate cases, batching, input errors."""

from __future__ import annotations

import json

import numpy as np
import pytest
from scipy import stats as sps
from helpers.stats_metrics import Accuracy, MeanScore, MedianScore, RatioF1, paired_binary, paired_counts

from xtremer_robust.errors import ConfigError
from xtremer_robust.stats import PairedCell, paired_gap, paired_gaps, score_cis
from xtremer_robust.stats.resampling import Condition, is_mean_decomposable, jackknife_scores

#: Reference intervals come from ``scipy.stats.bootstrap(paired=True, method="BCa", rng=seed)``
#: with the same seed: both draw the (B, n) index matrix from ``np.random.default_rng(seed)``,
#: so the two bootstrap distributions are the same draws and the intervals agree to rounding.
SCIPY_CASES = {
    "mean_f1_n40": dict(n=40, seed=7, n_resamples=3000),
    "mean_f1_n25_seed0": dict(n=25, seed=0, n_resamples=2000),
}


def _graded_pair(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed + 1000)
    clean = rng.beta(5, 2, n)
    return clean, np.clip(clean - rng.normal(0.05, 0.1, n), 0, 1)


@pytest.mark.parametrize("case", sorted(SCIPY_CASES))
def test_bca_matches_scipy_for_a_mean_metric(case: str) -> None:
    cfg = SCIPY_CASES[case]
    clean, pert = _graded_pair(cfg["n"], cfg["seed"])
    ours = paired_gap(clean, pert, MeanScore(), seed=cfg["seed"], n_resamples=cfg["n_resamples"], n_permutations=10)
    ref = sps.bootstrap(
        (clean, pert), lambda a, b, axis: a.mean(axis=axis) - b.mean(axis=axis), paired=True, vectorized=True,
        method="BCa", n_resamples=cfg["n_resamples"], rng=cfg["seed"],
    )
    assert ours.method == "bca"
    np.testing.assert_allclose([ours.ci_low, ours.ci_high], [ref.confidence_interval.low, ref.confidence_interval.high], rtol=1e-9)


def test_bca_matches_scipy_for_a_ratio_metric() -> None:
    rng = np.random.default_rng(3)
    clean, pert = paired_counts(rng, 60)
    metric = RatioF1()

    def f1_gap(*cols: np.ndarray, axis: int) -> np.ndarray:
        a = np.stack(cols[:3], axis=-1)
        b = np.stack(cols[3:], axis=-1)
        return metric.aggregate(a) - metric.aggregate(b)

    ours = paired_gap(clean, pert, metric, seed=11, n_resamples=2000, n_permutations=10)
    ref = sps.bootstrap(tuple(clean.T) + tuple(pert.T), f1_gap, paired=True, vectorized=True, method="BCa", n_resamples=2000, rng=11)
    assert ours.test == "paired_permutation"
    np.testing.assert_allclose([ours.ci_low, ours.ci_high], [ref.confidence_interval.low, ref.confidence_interval.high], rtol=1e-9)


def test_general_path_matches_scipy_for_a_median() -> None:
    clean, pert = _graded_pair(30, 5)
    metric = MedianScore()
    assert not is_mean_decomposable(metric, clean[:, None])
    ours = paired_gap(clean, pert, metric, seed=5, n_resamples=1500, n_permutations=10)
    ref = sps.bootstrap(
        (clean, pert), lambda a, b, axis: np.median(a, axis=axis) - np.median(b, axis=axis), paired=True,
        vectorized=True, method="BCa", n_resamples=1500, rng=5,
    )
    assert ours.method == "bca"
    np.testing.assert_allclose([ours.ci_low, ours.ci_high], [ref.confidence_interval.low, ref.confidence_interval.high], rtol=1e-9)


def test_jackknife_closed_form_equals_explicit_leave_one_out() -> None:
    clean, _ = paired_counts(np.random.default_rng(2), 50)
    metric = RatioF1()
    explicit = np.array([metric.score(np.delete(clean, i, axis=0)) for i in range(50)])
    np.testing.assert_allclose(jackknife_scores(Condition(clean, metric)), explicit, rtol=1e-12)


def test_accuracy_gap_uses_mcnemar_and_reports_everything() -> None:
    clean, pert = paired_binary(np.random.default_rng(0), 400, 0.8, 0.15)
    res = paired_gap(clean, pert, Accuracy(), changed=clean != pert, seed=0, n_resamples=2000)
    b, c = int(((clean == 1) & (pert == 0)).sum()), int(((clean == 0) & (pert == 1)).sum())
    assert res.test == "mcnemar_exact" and (res.n_clean_only, res.n_perturbed_only) == (b, c)
    assert res.p_value == pytest.approx(sps.binomtest(b, b + c, 0.5).pvalue, rel=1e-12)
    assert res.gap == pytest.approx(clean.mean() - pert.mean())
    assert res.ci_low < res.gap < res.ci_high and res.clean_ci_low < res.clean_score < res.clean_ci_high
    assert res.flip_rate == pytest.approx((clean != pert).mean())
    assert res.relative_drop == pytest.approx(res.gap / res.clean_score)
    assert res.mde is not None and res.mde > 0 and res.n == 400 and res.seed == 0 and res.n_resamples == 2000
    json.dumps(res.to_dict())


def test_identical_sides_zero_variance_falls_back_to_percentile() -> None:
    clean = np.r_[np.ones(30), np.zeros(20)]
    res = paired_gap(clean, clean.copy(), Accuracy(), n_resamples=500)
    assert res.gap == 0 and res.ci_low == 0 and res.ci_high == 0
    assert res.method == "percentile" and "zero variance" in res.method_note
    assert res.p_value == 1.0 and res.n_clean_only == 0 and res.n_perturbed_only == 0
    assert res.mde is None  # nothing discordant: the detectable effect cannot be estimated


def test_all_ties_graded_metric() -> None:
    clean = np.full(40, 0.5)
    res = paired_gap(clean, clean.copy(), MeanScore(), n_resamples=300, n_permutations=200)
    assert res.method == "percentile" and res.p_value == 1.0 and res.gap == 0.0 and res.mde is None


def test_all_clean_right_all_perturbed_wrong() -> None:
    clean, pert = np.ones(30), np.zeros(30)
    res = paired_gap(clean, pert, Accuracy(), n_resamples=300)
    assert res.gap == 1.0 and res.ci_low == 1.0 and res.ci_high == 1.0 and res.method == "percentile"
    assert res.p_value == pytest.approx(sps.binomtest(30, 30, 0.5).pvalue)
    assert res.relative_drop == 1.0


def test_clean_score_zero_gives_no_relative_drop() -> None:
    clean = np.zeros(20)
    pert = np.r_[np.ones(3), np.zeros(17)]
    res = paired_gap(clean, pert, Accuracy(), n_resamples=200)
    assert res.relative_drop is None and res.gap < 0


def test_result_does_not_depend_on_batching() -> None:
    rng = np.random.default_rng(9)
    c1, p1 = paired_binary(rng, 200, 0.7, 0.1)
    c2, p2 = paired_counts(rng, 200)
    c3, p3 = paired_binary(rng, 150, 0.6, 0.2)
    alone = paired_gap(c2, p2, RatioF1(), label="b", seed=4, n_resamples=700, n_permutations=300)
    batch = paired_gaps(
        [PairedCell("a", c1, p1, Accuracy()), PairedCell("b", c2, p2, RatioF1()), PairedCell("c", c3, p3, Accuracy())],
        seed=4, n_resamples=700, n_permutations=300,
    )
    assert [r.label for r in batch] == ["a", "b", "c"]
    assert batch[1] == alone


def test_score_cis_bracket_the_score() -> None:
    clean, pert = paired_binary(np.random.default_rng(1), 300, 0.75, 0.1)
    out = score_cis([("clean", clean, Accuracy()), ("pert", pert, Accuracy())], n_resamples=1000, seed=3)
    gap = paired_gap(clean, pert, Accuracy(), n_resamples=1000, seed=3)
    assert out[0].ci_low == gap.clean_ci_low and out[1].ci_high == gap.perturbed_ci_high


@pytest.mark.parametrize(
    "kwargs, fragment",
    [
        (dict(stats_clean=np.ones(5), stats_perturbed=np.ones(6)), "same items"),
        (dict(stats_clean=np.ones((5, 2)), stats_perturbed=np.ones((5, 2))), "expects 1 statistics"),
        (dict(stats_clean=np.ones(1), stats_perturbed=np.ones(1)), "at least 2 items"),
        (dict(stats_clean=np.r_[1.0, np.nan], stats_perturbed=np.ones(2)), "finite"),
        (dict(stats_clean=np.ones(4), stats_perturbed=np.ones(4), changed=np.ones(4)), "boolean"),
        (dict(stats_clean=np.ones(4), stats_perturbed=np.ones(4), n_resamples=1), "n_resamples"),
        (dict(stats_clean=np.ones(4), stats_perturbed=np.ones(4), confidence=95), "confidence"),
        (dict(stats_clean=np.ones(4), stats_perturbed=np.ones(4), test="ttest"), "test must be"),
        (dict(stats_clean=np.full(4, 0.5), stats_perturbed=np.ones(4), test="mcnemar_exact"), "0/1"),
    ],
)
def test_bad_input_is_refused_with_a_clear_message(kwargs: dict, fragment: str) -> None:
    with pytest.raises(ConfigError, match=fragment):
        paired_gap(metric=Accuracy(), **kwargs)


def test_gathered_and_counted_resampled_means_agree() -> None:
    """Both routes of ``resampled_means`` (column gathers; count matrix x stats) give the same means."""
    from xtremer_robust.stats.resampling import counts_from_indices, resampled_means

    rng = np.random.default_rng(0)
    stacked = rng.random((37, 5))
    idx = rng.integers(0, 37, (11, 37))
    direct = stacked[idx].mean(axis=1)
    np.testing.assert_allclose(resampled_means(idx, stacked), direct, rtol=1e-12)  # counts route (5 columns)
    np.testing.assert_allclose(resampled_means(idx, stacked[:, :2]), direct[:, :2], rtol=1e-12)  # gather route
    assert counts_from_indices(idx, 37).sum(axis=1).tolist() == [37.0] * 11


def test_blocks_of_cells_give_the_same_results(monkeypatch: pytest.MonkeyPatch) -> None:
    """Large families are resampled in blocks of cells; a block redraws the same index matrix."""
    import xtremer_robust.stats.gaps as gaps_module

    rng = np.random.default_rng(13)
    cells = [PairedCell(f"c{i}", *paired_binary(rng, 90, 0.7, 0.15), Accuracy()) for i in range(5)]
    together = paired_gaps(cells, n_resamples=400, seed=2)
    monkeypatch.setattr(gaps_module, "_CELLS_PER_BLOCK", 2)
    assert paired_gaps(cells, n_resamples=400, seed=2) == together
