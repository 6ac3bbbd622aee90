"""Robustness statistics: numpy arrays of per-item statistics in, frozen dataclasses out.

Knows nothing of models or files. See ``docs/stats.md`` for the methods and conventions.

    paired_gap / paired_gaps    gap of a cell (task x language x perturbation): BCa CI,
                                exact McNemar or paired permutation test, MDE, flip rate
    adjust_family               Holm and Benjamini-Hochberg across a family of results
    stratified_aggregate        macro-averaged gap (task, tier, overall), stratified bootstrap
    score_cis                   intervals of single scores
    difference_of_gaps          model A vs model B on the same items
    trend_slope_ci              slope of the gap against log(steps), seeds then items
"""

from xtremer_robust.stats.aggregates import SecondaryMetric, Stratum, secondary_metric, stratified_aggregate, xtreme_weights
from xtremer_robust.stats.differences import difference_of_gaps
from xtremer_robust.stats.gaps import PairedCell, paired_gap, paired_gaps, score_cis
from xtremer_robust.stats.intervals import Interval, bootstrap_interval
from xtremer_robust.stats.multiplicity import adjust_family, benjamini_hochberg, holm
from xtremer_robust.stats.power import mde_mcnemar, mde_paired
from xtremer_robust.stats.results import Aggregate, CellGap, GapDifference, ScoreCI, TrendSlope
from xtremer_robust.stats.significance import McNemarResult, mcnemar_exact, mcnemar_exact_counts
from xtremer_robust.stats.trend import trend_slope_ci

__all__ = [
    "Aggregate",
    "CellGap",
    "GapDifference",
    "Interval",
    "McNemarResult",
    "PairedCell",
    "ScoreCI",
    "SecondaryMetric",
    "Stratum",
    "TrendSlope",
    "adjust_family",
    "benjamini_hochberg",
    "bootstrap_interval",
    "difference_of_gaps",
    "holm",
    "mcnemar_exact",
    "mcnemar_exact_counts",
    "mde_mcnemar",
    "mde_paired",
    "paired_gap",
    "paired_gaps",
    "score_cis",
    "secondary_metric",
    "stratified_aggregate",
    "trend_slope_ci",
    "xtreme_weights",
]
