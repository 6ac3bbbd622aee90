"""Exact McNemar against scipy's binomtest, the permutation p-value, Holm and BH by hand."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats as sps
from helpers.stats_metrics import MeanScore

from xtremer_robust.errors import ConfigError
from xtremer_robust.stats import benjamini_hochberg, holm, mcnemar_exact, mcnemar_exact_counts, paired_gap
from xtremer_robust.stats.power import mde_mcnemar, mde_paired, z_sum
from xtremer_robust.stats.significance import permutation_p_value

#: Two-sided p-values of ``scipy.stats.binomtest(b, b + c, 0.5).pvalue`` (scipy 1.17.1),
#: keyed by the discordant counts (b, c). (0, 0) is our convention: no discordant pair, p = 1.
BINOMTEST_REFERENCE = {
    (0, 0): 1.0,
    (5, 0): 0.0625,
    (0, 5): 0.0625,
    (3, 7): 0.34375,
    (12, 4): 0.076812744140625,
    (40, 25): 0.08168153394154003,
    (1, 1): 1.0,
    (100, 70): 0.025844387581341693,
}

#: Worked by hand from the definitions (Holm 1979 step-down; Benjamini & Hochberg 1995 step-up).
#: p = (0.01, 0.04, 0.03, 0.005): sorted 0.005, 0.01, 0.03, 0.04.
#:   Holm: 4*0.005=0.02, 3*0.01=0.03, 2*0.03=0.06, 1*0.04=0.04 -> running max 0.02 0.03 0.06 0.06.
#:   BH:   0.005*4/1=0.02, 0.01*4/2=0.02, 0.03*4/3=0.04, 0.04*4/4=0.04 -> running min from the top.
#: p = (0.5, 0.9, 0.02): Holm 0.06, min(1, 2*0.5)=1, max(1, 0.9)=1; BH 0.06, 0.75, 0.9.
HAND_ADJUSTED = {
    "four": dict(p=[0.01, 0.04, 0.03, 0.005], holm=[0.03, 0.06, 0.06, 0.02], bh=[0.02, 0.04, 0.04, 0.02]),
    "clipped": dict(p=[0.5, 0.9, 0.02], holm=[1.0, 1.0, 0.06], bh=[0.75, 0.9, 0.06]),
    "single": dict(p=[0.3], holm=[0.3], bh=[0.3]),
}


@pytest.mark.parametrize("bc", sorted(BINOMTEST_REFERENCE))
def test_mcnemar_matches_recorded_binomtest(bc: tuple[int, int]) -> None:
    b, c = bc
    clean = np.r_[np.ones(b), np.zeros(c), np.ones(7), np.zeros(3)]
    pert = np.r_[np.zeros(b), np.ones(c), np.ones(7), np.zeros(3)]
    res = mcnemar_exact(clean, pert)
    assert (res.n_clean_only, res.n_perturbed_only) == (b, c)
    assert res.p_value == pytest.approx(BINOMTEST_REFERENCE[bc], rel=1e-12)


def test_mcnemar_counts_vectorised_equal_live_binomtest() -> None:
    b, c = np.meshgrid(np.arange(0, 31), np.arange(0, 31))
    ours = mcnemar_exact_counts(b.ravel(), c.ravel())
    ref = [1.0 if bb + cc == 0 else sps.binomtest(bb, bb + cc, 0.5).pvalue for bb, cc in zip(b.ravel(), c.ravel())]
    np.testing.assert_allclose(ours, ref, rtol=1e-10)


def test_mcnemar_refuses_graded_values_and_unequal_lengths() -> None:
    with pytest.raises(ConfigError, match="0/1"):
        mcnemar_exact(np.array([0.5, 1.0]), np.array([1.0, 1.0]))
    with pytest.raises(ConfigError, match="same items"):
        mcnemar_exact(np.ones(3), np.ones(4))


def test_permutation_p_value_against_a_naive_loop() -> None:
    """The vectorised sign-flip test equals an item-by-item loop with the same swap matrix."""
    rng = np.random.default_rng(0)
    clean = rng.beta(4, 2, 30)
    pert = clean - rng.normal(0.02, 0.05, 30)
    res = paired_gap(clean, pert, MeanScore(), n_resamples=100, n_permutations=500, seed=12)
    swap_rng = np.random.default_rng([0x7065726D, 12])
    swaps = swap_rng.integers(0, 2, (500, 30))
    naive = []
    for row in swaps:
        a = [pert[i] if s else clean[i] for i, s in enumerate(row)]
        b = [clean[i] if s else pert[i] for i, s in enumerate(row)]
        naive.append(np.mean(a) - np.mean(b))
    observed = clean.mean() - pert.mean()
    expected = (1 + sum(abs(t) >= abs(observed) - 1e-12 for t in naive)) / 501
    assert res.p_value == pytest.approx(expected)


def test_permutation_p_value_is_never_zero_and_ties_count() -> None:
    assert permutation_p_value(5.0, np.zeros(99)) == pytest.approx(1 / 100)
    assert permutation_p_value(0.0, np.zeros(99)) == 1.0


@pytest.mark.parametrize("name", sorted(HAND_ADJUSTED))
def test_holm_and_bh_against_hand_computed(name: str) -> None:
    case = HAND_ADJUSTED[name]
    np.testing.assert_allclose(holm(case["p"]), case["holm"], rtol=1e-12)
    np.testing.assert_allclose(benjamini_hochberg(case["p"]), case["bh"], rtol=1e-12)


def test_adjustment_leaves_nan_out_of_the_family() -> None:
    out = holm([0.01, np.nan, 0.04])
    assert np.isnan(out[1]) and out[0] == pytest.approx(0.02) and out[2] == pytest.approx(0.04)
    with pytest.raises(ConfigError, match=r"\[0, 1\]"):
        benjamini_hochberg([0.2, 1.5])


def test_mde_formulas() -> None:
    za, zb = z_sum(0.05, 0.8)
    assert za + zb == pytest.approx(2.8016, abs=1e-4)
    assert mde_paired(0.01) == pytest.approx(0.028016, abs=1e-5)
    assert mde_paired(0.0) is None
    n, disc = 5010, 501  # XNLI-sized cell with a 10% discordant rate
    delta = mde_mcnemar(disc, n)
    pd = disc / n
    # the root satisfies Connor's (1987) equation itself, not only the squared quadratic
    assert delta * np.sqrt(n) == pytest.approx(za * np.sqrt(pd) + zb * np.sqrt(pd - delta**2), rel=1e-10)
    assert mde_mcnemar(0, n) is None
