"""Comparing two models (or two training durations) on the same items: difference of gaps.

``difference = gap_A - gap_B`` with ``gap = score(clean) - score(perturbed)``, all four
score vectors on the SAME items in the same order. The interval is a paired bootstrap over
items (one index matrix for all four conditions, BCa with the percentile fallback). The
p-value is a paired permutation test that swaps model A's and model B's (clean, perturbed)
rows per item: under the null that the two models are exchangeable item by item, the
difference is symmetric around 0. One fine-tuning seed per model measures item noise only;
seed variation usually dominates (see :func:`xtremer_robust.stats.trend.trend_slope_ci`
for the two-level bootstrap across seeds).
"""

from __future__ import annotations

import numpy as np

from xtremer_robust.errors import ConfigError
from xtremer_robust.metrics.base import Metric
from xtremer_robust.stats.gaps import checked_stats, check_settings
from xtremer_robust.stats.intervals import bootstrap_interval
from xtremer_robust.stats.resampling import Condition, bootstrap_scores, jackknife_scores, permutation_gaps
from xtremer_robust.stats.results import GapDifference
from xtremer_robust.stats.significance import permutation_p_value

__all__ = ["difference_of_gaps"]


def difference_of_gaps(
    a_clean: np.ndarray,
    a_perturbed: np.ndarray,
    b_clean: np.ndarray,
    b_perturbed: np.ndarray,
    metric: Metric,
    *,
    label: str = "",
    n_resamples: int = 10_000,
    seed: int = 0,
    n_permutations: int = 10_000,
    confidence: float = 0.95,
) -> GapDifference:
    """Gap of model A minus gap of model B on shared items, with a paired CI and p-value."""
    check_settings(n_resamples, n_permutations, confidence, 0.05, 0.8)
    names = ("a_clean", "a_perturbed", "b_clean", "b_perturbed")
    arrays = [checked_stats(metric, s, name) for s, name in zip((a_clean, a_perturbed, b_clean, b_perturbed), names)]
    if len({a.shape for a in arrays}) != 1:
        raise ConfigError(
            f"difference_of_gaps: all four inputs must hold the same items; got shapes {dict(zip(names, (a.shape for a in arrays)))}"
        )
    ac, ap, bc, bp = (Condition(a, metric) for a in arrays)
    boot = bootstrap_scores([ac, ap, bc, bp], int(n_resamples), int(seed))
    boot_diff = (boot[:, 0] - boot[:, 1]) - (boot[:, 2] - boot[:, 3])
    ja, jap, jb, jbp = (jackknife_scores(c) for c in (ac, ap, bc, bp))
    gap_a = metric.score(arrays[0]) - metric.score(arrays[1])
    gap_b = metric.score(arrays[2]) - metric.score(arrays[3])
    diff = gap_a - gap_b
    iv = bootstrap_interval(diff, boot_diff, (ja - jap) - (jb - jbp), confidence)
    # One swap matrix for both pairs: column 0 is A_clean* - B_clean*, column 1 A_pert* - B_pert*.
    perm = permutation_gaps([(ac, bc), (ap, bp)], int(n_permutations), int(seed))
    return GapDifference(
        label=label,
        metric=metric.name,
        n=arrays[0].shape[0],
        gap_a=gap_a,
        gap_b=gap_b,
        difference=diff,
        ci_low=iv.low,
        ci_high=iv.high,
        confidence=confidence,
        method=iv.method,
        method_note=iv.note,
        n_resamples=int(n_resamples),
        seed=int(seed),
        test="paired_permutation_models",
        p_value=permutation_p_value(diff, perm[:, 0] - perm[:, 1]),
        n_permutations=int(n_permutations),
    )
