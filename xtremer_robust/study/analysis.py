"""The statistics of a study: gaps against duration with a two-level bootstrap, and the trend.

Data: for every (arm, target, duration, seed) a fine-tuned model, scored on the same
items of every (language, variant). The robustness gap of one model on one language and
recipe is clean minus perturbed on the items both subsets hold. Uncertainty has two
sources: which fine-tuning seeds ran, and which items were drawn. Each bootstrap replicate
therefore resamples both (Davison & Hinkley 1997, 3.8): it draws ``S`` seeds with
replacement, and for each drawn slot an item-index vector per (language, variant); the
same draws are applied to every duration and every arm, so comparisons across durations
and arms stay paired. A group's gap (all languages, a tier, one recipe) is the mean over
its (language, variant) cells of each slot's gap, averaged over the slots.

The trend is the least-squares slope of the group gap against ``log(1 + steps)``: its
interval is the percentile interval of the replicate slopes, its p-value the two-sided
bootstrap tail. Beside it, two rank tests that do not assume a shape: Spearman's rho over
every (duration, seed) gap, and Page's L test with seeds as blocks (Page 1963), each
against an increasing and a decreasing trend.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping, Sequence

import numpy as np

from xtremer_robust.errors import ConfigError
from xtremer_robust.stats.power import mde_paired

__all__ = ["CellStats", "StudyData", "GroupResult", "analyse_group", "STREAM_SEEDS", "STREAM_ITEMS"]

#: Entropy words of the two draw streams ("seed", "item").
STREAM_SEEDS, STREAM_ITEMS = 0x73656564, 0x6974656D


@dataclass(frozen=True)
class CellStats:
    """Clean and perturbed per-item statistics of one model on one (language, variant), aligned by item."""

    clean: np.ndarray  # (n, k)
    perturbed: np.ndarray  # (n, k)


@dataclass
class StudyData:
    """Every model's aligned cells: ``cells[(arm, duration, seed)][(lang, variant)]``, for one target."""

    target: str
    metric: Any  # xtremer_robust.metrics.base.Metric (vectorised ``aggregate``)
    durations: tuple[int, ...]
    seeds: tuple[int, ...]
    cells: Mapping[tuple[str, int, int], Mapping[tuple[str, str], CellStats]]

    def arms(self) -> list[str]:
        return sorted({arm for arm, _, _ in self.cells})

    def durations_of(self, arm: str) -> list[int]:
        return sorted({d for a, d, _ in self.cells if a == arm})


@dataclass(frozen=True)
class GroupResult:
    """One group (all languages, a tier, a recipe) of one arm: figures per duration and the trend."""

    arm: str
    group: str
    durations: tuple[int, ...]
    n_cells: int
    n_items: int
    per_duration: tuple[dict[str, Any], ...]
    trend: dict[str, Any]


def _mde(se: float) -> float:
    """Minimum detectable effect (alpha 0.05 two-sided, power 0.8) of the project's power module; 0 when nothing varies."""
    return mde_paired(se) or 0.0


def _interval(values: np.ndarray, confidence: float) -> tuple[float, float]:
    alpha = (1.0 - confidence) / 2.0
    low, high = np.quantile(values, [alpha, 1.0 - alpha])
    return float(low), float(high)


def _slopes(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    xc = x - x.mean()
    return (y - y.mean(axis=-1, keepdims=True)) @ xc / float(xc @ xc)


def analyse_group(data: StudyData, arm: str, group: str, members: Sequence[tuple[str, str]], *,
                  n_resamples: int = 2000, seed: int = 0, confidence: float = 0.95,
                  baseline: dict[int, np.ndarray] | None = None) -> tuple[GroupResult, dict[int, dict[str, np.ndarray]]]:
    """Gap, clean score and relative drop per duration, and the trend, for one group of cells.

    Returns the result and the replicate arrays (for paired arm comparisons). Scores are in
    points (0-100).
    """
    durations = data.durations_of(arm)
    seeds = [s for s in data.seeds if all((arm, d, s) in data.cells for d in durations)]
    if not durations or not seeds or not members:
        raise ConfigError(f"study group {group} of arm {arm}: no complete seeds or no cells to analyse")
    members = [m for m in members if all(m in data.cells[(arm, d, s)] for d in durations for s in seeds)]
    if not members:
        raise ConfigError(f"study group {group} of arm {arm}: no (language, variant) cell is present for every model")
    S, B = len(seeds), int(n_resamples)
    seed_draw = np.random.default_rng([STREAM_SEEDS, seed]).integers(0, S, (B, S))
    item_rng = np.random.default_rng([STREAM_ITEMS, seed])
    first = data.cells[(arm, durations[0], seeds[0])]
    draws = {m: item_rng.integers(0, first[m].clean.shape[0], (B, S, first[m].clean.shape[0])) for m in sorted(members)}
    replicates: dict[int, dict[str, np.ndarray]] = {}
    rows = []
    per_seed_gaps = np.empty((S, len(durations)))
    for di, d in enumerate(durations):
        gap_rep = np.zeros((S, B, S))
        clean_rep = np.zeros((S, B, S))
        obs_gap = np.zeros(S)
        obs_clean = np.zeros(S)
        for si, s in enumerate(seeds):
            cells = data.cells[(arm, d, s)]
            for m in members:
                c, p = cells[m].clean, cells[m].perturbed
                idx = draws[m]
                sc = data.metric.aggregate(c[idx]) * 100.0  # (B, S)
                sp = data.metric.aggregate(p[idx]) * 100.0
                gap_rep[si] += sc - sp
                clean_rep[si] += sc
                oc, op = data.metric.score(c) * 100.0, data.metric.score(p) * 100.0
                obs_gap[si] += oc - op
                obs_clean[si] += oc
        gap_rep /= len(members)
        clean_rep /= len(members)
        obs_gap /= len(members)
        obs_clean /= len(members)
        per_seed_gaps[:, di] = obs_gap
        b_index, j_index = np.arange(B)[:, None], np.arange(S)[None, :]
        g = gap_rep[seed_draw, b_index, j_index].mean(axis=1)  # (B,)
        cl = clean_rep[seed_draw, b_index, j_index].mean(axis=1)
        with np.errstate(divide="ignore", invalid="ignore"):
            rel = np.where(cl > 0, 100.0 * g / cl, np.nan)
        replicates[d] = {"gap": g, "clean": cl}
        gap, clean = float(obs_gap.mean()), float(obs_clean.mean())
        row = {
            "duration": d,
            "gap": gap, "gap_ci": _interval(g, confidence), "gap_se": float(g.std(ddof=1)),
            "gap_mde": _mde(float(g.std(ddof=1))),
            "clean": clean, "clean_ci": _interval(cl, confidence),
            "perturbed": clean - gap,
            "relative_drop": 100.0 * gap / clean if clean > 0 else None,
            "relative_drop_ci": _interval(rel[np.isfinite(rel)], confidence) if np.isfinite(rel).any() else None,
            "per_seed_gap": [float(v) for v in obs_gap],
            "per_seed_clean": [float(v) for v in obs_clean],
        }
        if baseline is not None and d in baseline:
            diff = g - baseline[d]["gap"]
            dclean = cl - baseline[d]["clean"]
            row["vs_baseline"] = {
                "gap_difference": gap - float(np.mean([r for r in baseline[d]["observed_gap"]])),
                "gap_difference_ci": _interval(diff, confidence),
                "clean_difference": clean - float(np.mean(baseline[d]["observed_clean"])),
                "clean_difference_ci": _interval(dclean, confidence),
            }
        replicates[d]["observed_gap"] = obs_gap
        replicates[d]["observed_clean"] = obs_clean
        rows.append(row)
    trend = _trend(durations, replicates, per_seed_gaps, confidence) if len(durations) >= 2 else {}
    n_items = int(sum(first[m].clean.shape[0] for m in members))
    result = GroupResult(arm, group, tuple(durations), len(members), n_items, tuple(rows), trend)
    return result, replicates


def _trend(durations: list[int], replicates: dict[int, dict[str, np.ndarray]], per_seed: np.ndarray, confidence: float) -> dict[str, Any]:
    from scipy import stats as sps

    x = np.log1p(np.asarray(durations, dtype=np.float64))
    out: dict[str, Any] = {"x": "log(1 + steps)"}
    for name in ("gap", "clean"):
        y_rep = np.stack([replicates[d][name] for d in durations], axis=1)  # (B, D)
        observed = np.array([replicates[d][f"observed_{name}"].mean() for d in durations])
        slopes = _slopes(x, y_rep)
        p = 2.0 * min((slopes <= 0).mean(), (slopes >= 0).mean())
        change = y_rep[:, -1] - y_rep[:, 0]  # longest minus shortest duration, paired
        se = float(change.std(ddof=1))
        out[name] = {"slope": float(_slopes(x, observed)), "slope_ci": _interval(slopes, confidence), "p_bootstrap": float(min(1.0, p)),
                     "last_minus_first": float(observed[-1] - observed[0]), "last_minus_first_ci": _interval(change, confidence),
                     "last_minus_first_mde": _mde(se)}
    xs = np.repeat(np.asarray(durations)[None, :], per_seed.shape[0], axis=0).ravel()
    if np.ptp(per_seed) == 0:  # every gap equal: the rank correlation is undefined
        out["spearman"] = {"rho": None, "p": None, "points": int(per_seed.size)}
    else:
        rho = sps.spearmanr(xs, per_seed.ravel())
        out["spearman"] = {"rho": _finite(rho.statistic), "p": _finite(rho.pvalue), "points": int(per_seed.size)}
    if per_seed.shape[0] >= 2 and per_seed.shape[1] >= 3:
        up = sps.page_trend_test(per_seed)
        down = sps.page_trend_test(-per_seed)
        out["page"] = {"L_increasing": float(up.statistic), "p_increasing": float(up.pvalue),
                       "L_decreasing": float(down.statistic), "p_decreasing": float(down.pvalue), "blocks": int(per_seed.shape[0])}
    return out


def _finite(value: float) -> float | None:
    value = float(value)
    return value if np.isfinite(value) else None
