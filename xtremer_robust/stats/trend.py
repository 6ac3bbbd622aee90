"""Trend of the robustness gap with training duration: slope against log(steps), two-level bootstrap.

For each duration there are several fine-tuning seeds, each scored on the SAME items
(clean and perturbed). Fine-tuning seeds usually vary more than items, so the interval of
the slope resamples both levels: in each replicate, one item index matrix (shared by every
duration and seed, keeping the pairing) gives each run's gap, then the seeds of each
duration are resampled with replacement and their gaps averaged; the slope is the
least-squares slope of those mean gaps against ``log(duration)``. The interval is the
percentile interval of the replicate slopes (BCa's jackknife is not defined for two
levels). Streams: items ``default_rng(seed)``, seeds ``default_rng([TREND_STREAM, seed])``.

Reference for the two-level (hierarchical) bootstrap: Davison & Hinkley, *Bootstrap
Methods and their Application* (1997), 3.8; its use for seed variance in NLP: Dror et al.
2019 (ACL), and ANCHORS "Statistics".
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from xtremer_robust.errors import ConfigError
from xtremer_robust.metrics.base import Metric
from xtremer_robust.stats.gaps import checked_stats, check_settings
from xtremer_robust.stats.resampling import Condition, bootstrap_scores
from xtremer_robust.stats.results import TrendSlope

__all__ = ["trend_slope_ci", "TREND_STREAM"]

#: Entropy word mixed with the seed for the seed-level draws ("tren").
TREND_STREAM = 0x7472656E


def _slopes(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Least-squares slopes of each row of ``y`` (..., D) against ``x`` (D,)."""
    xc = x - x.mean()
    return (y - y.mean(axis=-1, keepdims=True)) @ xc / float(xc @ xc)


def trend_slope_ci(
    durations: Sequence[float],
    per_seed_stats: Sequence[Sequence[tuple[np.ndarray, np.ndarray]]],
    metric: Metric,
    *,
    label: str = "",
    n_resamples: int = 10_000,
    seed: int = 0,
    confidence: float = 0.95,
) -> TrendSlope:
    """Slope of the mean gap against ``log(duration)`` and its two-level bootstrap interval.

    ``per_seed_stats[d][s] = (stats_clean, stats_perturbed)`` for duration ``d`` and
    fine-tuning seed ``s``; every array holds the same items in the same order.
    """
    check_settings(n_resamples, 1, confidence, 0.05, 0.8)
    x_raw = np.asarray(durations, dtype=np.float64)
    if x_raw.ndim != 1 or x_raw.size < 2 or (x_raw <= 0).any() or np.unique(x_raw).size < 2:
        raise ConfigError(f"durations: need at least 2 distinct positive values (training steps), got {list(durations)}")
    if len(per_seed_stats) != x_raw.size:
        raise ConfigError(f"per_seed_stats: one list of seeds per duration expected ({x_raw.size}), got {len(per_seed_stats)}")
    conds: list[Condition] = []
    runs_per_duration: list[list[int]] = []
    for d, runs in enumerate(per_seed_stats):
        if len(runs) == 0:
            raise ConfigError(f"per_seed_stats[{d}] (duration {durations[d]}): no seeds; pass at least one run")
        cols = []
        for s, (clean, pert) in enumerate(runs):
            c = checked_stats(metric, clean, f"per_seed_stats[{d}][{s}] clean")
            p = checked_stats(metric, pert, f"per_seed_stats[{d}][{s}] perturbed")
            cols.append(len(conds) // 2)
            conds += [Condition(c, metric), Condition(p, metric)]
        runs_per_duration.append(cols)
    n = conds[0].stats.shape[0]
    if any(c.stats.shape != conds[0].stats.shape for c in conds):
        raise ConfigError("per_seed_stats: every run must hold the same items (same number of rows and statistics)")
    observed = np.array([c_.metric.score(c_.stats) for c_ in conds]).reshape(-1, 2)
    run_gaps = observed[:, 0] - observed[:, 1]
    x = np.log(x_raw)
    mean_gaps = np.array([run_gaps[cols].mean() for cols in runs_per_duration])
    slope = float(_slopes(x, mean_gaps))

    boot = bootstrap_scores(conds, int(n_resamples), int(seed))
    boot_gaps = boot[:, 0::2] - boot[:, 1::2]  # (B, runs)
    seed_rng = np.random.default_rng([TREND_STREAM, int(seed)])
    rows = np.arange(int(n_resamples))[:, None]
    boot_means = np.empty((int(n_resamples), x.size))
    for d, cols in enumerate(runs_per_duration):
        pick = seed_rng.integers(0, len(cols), (int(n_resamples), len(cols)))
        boot_means[:, d] = boot_gaps[:, cols][rows, pick].mean(axis=1)
    slopes = _slopes(x, boot_means)
    alpha = (1.0 - confidence) / 2.0
    low, high = np.quantile(slopes, [alpha, 1.0 - alpha])
    return TrendSlope(
        label=label,
        metric=metric.name,
        durations=tuple(float(v) for v in x_raw),
        mean_gaps=tuple(float(v) for v in mean_gaps),
        n_seeds=tuple(len(c) for c in runs_per_duration),
        n=n,
        slope=slope,
        ci_low=float(low),
        ci_high=float(high),
        confidence=confidence,
        method="two_level_percentile",
        n_resamples=int(n_resamples),
        seed=int(seed),
    )
