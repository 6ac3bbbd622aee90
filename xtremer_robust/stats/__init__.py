"""Robustness statistics: numpy arrays of per-item statistics in, frozen dataclasses out.

Knows nothing of models or files. See ``docs/stats.md`` for the methods and conventions.
"""

from xtremer_robust.stats.gaps import PairedCell, paired_gap, paired_gaps, score_cis
from xtremer_robust.stats.intervals import Interval, bootstrap_interval
from xtremer_robust.stats.multiplicity import adjust_family, benjamini_hochberg, holm
from xtremer_robust.stats.power import mde_mcnemar, mde_paired
from xtremer_robust.stats.results import Aggregate, CellGap, GapDifference, ScoreCI, TrendSlope
from xtremer_robust.stats.significance import McNemarResult, mcnemar_exact, mcnemar_exact_counts

__all__ = [
    "Aggregate",
    "CellGap",
    "GapDifference",
    "Interval",
    "McNemarResult",
    "PairedCell",
    "ScoreCI",
    "TrendSlope",
    "adjust_family",
    "benjamini_hochberg",
    "bootstrap_interval",
    "holm",
    "mcnemar_exact",
    "mcnemar_exact_counts",
    "mde_mcnemar",
    "mde_paired",
    "paired_gap",
    "paired_gaps",
    "score_cis",
]
