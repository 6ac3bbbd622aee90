"""Paired robustness gaps per cell: estimate, BCa interval, test, MDE, flip rate.

A cell is one (task, language, perturbation): the per-item statistics of the clean items
and of their perturbed variants, rows in the SAME item order. The gap is
``score(clean) - score(perturbed)``. Its interval comes from a paired bootstrap over items
(one index matrix applied to both sides, BCa with a percentile fallback); its p-value from
exact McNemar when per-item correctness is binary (accuracy), else from a paired
permutation test (F1, EM, mAP).

Many cells are computed together by :func:`paired_gaps`: cells with the same number of
items share the index matrix (drawn from ``default_rng(seed)``, exactly what each cell
would draw alone), so a cell's result does not depend on which other cells it was
computed with, and 100 cells cost little more than one matrix product each.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Sequence

import numpy as np

from xtremer_robust.errors import ConfigError
from xtremer_robust.metrics.base import Metric
from xtremer_robust.stats.intervals import bootstrap_interval
from xtremer_robust.stats.power import jackknife_se, mde_mcnemar, mde_paired
from xtremer_robust.stats.resampling import (
    Condition,
    as_stats,
    bootstrap_scores,
    jackknife_scores,
    permutation_gaps,
)
from xtremer_robust.stats.results import CellGap, ScoreCI
from xtremer_robust.stats.significance import is_binary, mcnemar_exact, permutation_p_value

__all__ = ["PairedCell", "paired_gaps", "paired_gap", "score_cis", "choose_test", "check_settings", "checked_stats"]

TESTS = ("auto", "mcnemar_exact", "paired_permutation")

#: Cells resampled together (same n): bounds the ``(B, 2 x cells)`` bootstrap array at about
#: 20 MB for B = 10,000; a further block draws the same index matrix again.
_CELLS_PER_BLOCK = 128


@dataclass(frozen=True)
class PairedCell:
    """Input of one cell. ``changed[i]`` says whether item ``i``'s prediction changed (for the flip rate)."""

    label: str
    stats_clean: np.ndarray
    stats_perturbed: np.ndarray
    metric: Metric
    changed: np.ndarray | None = None


def check_settings(n_resamples: int, n_permutations: int, confidence: float, alpha: float, power: float) -> None:
    """Refuse settings that would make the numbers meaningless, naming the argument."""
    if int(n_resamples) < 2:
        raise ConfigError(f"n_resamples must be >= 2 (10,000 recommended), got {n_resamples}")
    if int(n_permutations) < 1:
        raise ConfigError(f"n_permutations must be >= 1 (10,000 recommended), got {n_permutations}")
    for name, value in (("confidence", confidence), ("alpha", alpha), ("power", power)):
        if not 0.0 < float(value) < 1.0:
            raise ConfigError(f"{name} must lie strictly between 0 and 1, got {value}")


def checked_stats(metric: Metric, stats: np.ndarray, name: str) -> np.ndarray:
    """``stats`` as float64 ``(n, k)``, refused unless ``k`` matches the metric's ``stat_names``."""
    arr = as_stats(stats, name)
    names = getattr(metric, "stat_names", None)
    if names is not None and arr.shape[1] != len(names):
        raise ConfigError(
            f"{name}: metric '{metric.name}' expects {len(names)} statistics per item {tuple(names)}, got {arr.shape[1]}"
        )
    return arr


def choose_test(metric: Metric, clean: np.ndarray, perturbed: np.ndarray, test: str = "auto") -> str:
    """``mcnemar_exact`` for one binary column of a mean metric (accuracy), else ``paired_permutation``."""
    if test not in TESTS:
        raise ConfigError(f"test must be one of {TESTS}, got '{test}'")
    binary = metric.is_mean and clean.shape[1] == 1 and is_binary(clean) and is_binary(perturbed)
    if test == "mcnemar_exact" and not binary:
        raise ConfigError(f"test 'mcnemar_exact' needs one 0/1 correctness column per item; metric '{metric.name}' gives other values. Use 'paired_permutation'.")
    if test == "auto":
        return "mcnemar_exact" if binary else "paired_permutation"
    return test


def _prepare(cell: PairedCell) -> PairedCell:
    clean = checked_stats(cell.metric, cell.stats_clean, f"cell '{cell.label}' stats_clean")
    pert = checked_stats(cell.metric, cell.stats_perturbed, f"cell '{cell.label}' stats_perturbed")
    if clean.shape != pert.shape:
        raise ConfigError(
            f"cell '{cell.label}': stats_clean {clean.shape} and stats_perturbed {pert.shape} must hold the same items in the same order"
        )
    changed = None
    if cell.changed is not None:
        changed = np.asarray(cell.changed).reshape(-1)
        if changed.dtype != bool or changed.size != clean.shape[0]:
            raise ConfigError(
                f"cell '{cell.label}': changed must be a boolean array of {clean.shape[0]} items, got dtype {changed.dtype} and {changed.size} items"
            )
    return PairedCell(cell.label, clean, pert, cell.metric, changed)


def paired_gaps(
    cells: Sequence[PairedCell],
    *,
    n_resamples: int = 10_000,
    seed: int = 0,
    n_permutations: int = 10_000,
    confidence: float = 0.95,
    alpha: float = 0.05,
    power: float = 0.8,
    test: str = "auto",
) -> list[CellGap]:
    """Gaps of many cells, in input order; ``p_holm``/``p_bh`` are filled by ``adjust_family``."""
    check_settings(n_resamples, n_permutations, confidence, alpha, power)
    prepared = [_prepare(c) for c in cells]
    tests = [choose_test(c.metric, c.stats_clean, c.stats_perturbed, test) for c in prepared]
    groups: dict[int, list[int]] = defaultdict(list)
    for i, c in enumerate(prepared):
        groups[c.stats_clean.shape[0]].append(i)
    results: list[CellGap | None] = [None] * len(prepared)
    blocks = [g[s : s + _CELLS_PER_BLOCK] for g in groups.values() for s in range(0, len(g), _CELLS_PER_BLOCK)]
    for members in blocks:
        conds = []
        for i in members:
            conds += [Condition(prepared[i].stats_clean, prepared[i].metric), Condition(prepared[i].stats_perturbed, prepared[i].metric)]
        boot = bootstrap_scores(conds, int(n_resamples), int(seed))
        perm_members = [i for i in members if tests[i] == "paired_permutation"]
        perm = (
            permutation_gaps([(conds[2 * members.index(i)], conds[2 * members.index(i) + 1]) for i in perm_members], int(n_permutations), int(seed))
            if perm_members
            else None
        )
        for j, i in enumerate(members):
            perm_col = perm[:, perm_members.index(i)] if perm is not None and i in perm_members else None
            results[i] = _cell_result(
                prepared[i], tests[i], boot[:, 2 * j], boot[:, 2 * j + 1], conds[2 * j], conds[2 * j + 1], perm_col,
                n_resamples=int(n_resamples), seed=int(seed), n_permutations=int(n_permutations),
                confidence=confidence, alpha=alpha, power=power,
            )
    return [r for r in results if r is not None]


def _cell_result(
    cell: PairedCell,
    test: str,
    boot_clean: np.ndarray,
    boot_pert: np.ndarray,
    cond_clean: Condition,
    cond_pert: Condition,
    perm: np.ndarray | None,
    *,
    n_resamples: int,
    seed: int,
    n_permutations: int,
    confidence: float,
    alpha: float,
    power: float,
) -> CellGap:
    n = cell.stats_clean.shape[0]
    clean = cell.metric.score(cell.stats_clean)
    pert = cell.metric.score(cell.stats_perturbed)
    gap = clean - pert
    jack_clean, jack_pert = jackknife_scores(cond_clean), jackknife_scores(cond_pert)
    gap_iv = bootstrap_interval(gap, boot_clean - boot_pert, jack_clean - jack_pert, confidence)
    clean_iv = bootstrap_interval(clean, boot_clean, jack_clean, confidence)
    pert_iv = bootstrap_interval(pert, boot_pert, jack_pert, confidence)
    b = c = None
    if test == "mcnemar_exact":
        mc = mcnemar_exact(cell.stats_clean[:, 0], cell.stats_perturbed[:, 0])
        b, c, p_value = mc.n_clean_only, mc.n_perturbed_only, mc.p_value
        mde, mde_method = mde_mcnemar(b + c, n, alpha, power), "mcnemar_connor_1987"
        n_perm = None
    else:
        if perm is None:
            raise RuntimeError(f"cell '{cell.label}': permutation gaps missing (internal error)")
        p_value = permutation_p_value(gap, perm)
        mde, mde_method = mde_paired(jackknife_se(jack_clean - jack_pert), alpha, power), "paired_jackknife_se"
        n_perm = n_permutations
    return CellGap(
        label=cell.label,
        metric=cell.metric.name,
        n=n,
        clean_score=clean,
        perturbed_score=pert,
        gap=gap,
        ci_low=gap_iv.low,
        ci_high=gap_iv.high,
        clean_ci_low=clean_iv.low,
        clean_ci_high=clean_iv.high,
        perturbed_ci_low=pert_iv.low,
        perturbed_ci_high=pert_iv.high,
        confidence=confidence,
        method=gap_iv.method,
        method_note=gap_iv.note,
        n_resamples=n_resamples,
        seed=seed,
        test=test,
        p_value=float(p_value),
        n_permutations=n_perm,
        n_clean_only=b,
        n_perturbed_only=c,
        mde=mde,
        mde_method=mde_method,
        alpha=alpha,
        power=power,
        flip_rate=None if cell.changed is None else float(cell.changed.mean()),
        relative_drop=None if clean == 0 or not np.isfinite(clean) else gap / clean,
    )


def paired_gap(
    stats_clean: np.ndarray,
    stats_perturbed: np.ndarray,
    metric: Metric,
    *,
    changed: np.ndarray | None = None,
    label: str = "",
    n_resamples: int = 10_000,
    seed: int = 0,
    n_permutations: int = 10_000,
    confidence: float = 0.95,
    alpha: float = 0.05,
    power: float = 0.8,
    test: str = "auto",
) -> CellGap:
    """The gap of one cell (see :func:`paired_gaps` for many cells at once)."""
    cell = PairedCell(label, stats_clean, stats_perturbed, metric, changed)
    return paired_gaps(
        [cell], n_resamples=n_resamples, seed=seed, n_permutations=n_permutations,
        confidence=confidence, alpha=alpha, power=power, test=test,
    )[0]


def score_cis(
    conditions: Sequence[tuple[str, np.ndarray, Metric]],
    *,
    n_resamples: int = 10_000,
    seed: int = 0,
    confidence: float = 0.95,
) -> list[ScoreCI]:
    """Bootstrap intervals of single scores ``(label, stats, metric)``; equal-n conditions share draws."""
    check_settings(n_resamples, 1, confidence, 0.05, 0.8)
    conds = [Condition(checked_stats(m, s, f"score '{lab}'"), m) for lab, s, m in conditions]
    groups: dict[int, list[int]] = defaultdict(list)
    for i, c in enumerate(conds):
        groups[c.stats.shape[0]].append(i)
    out: list[ScoreCI | None] = [None] * len(conds)
    for members in groups.values():
        boot = bootstrap_scores([conds[i] for i in members], int(n_resamples), int(seed))
        for j, i in enumerate(members):
            score = conds[i].metric.score(conds[i].stats)
            iv = bootstrap_interval(score, boot[:, j], jackknife_scores(conds[i]), confidence)
            out[i] = ScoreCI(conditions[i][0], conds[i].metric.name, conds[i].stats.shape[0], score, iv.low, iv.high,
                             confidence, iv.method, iv.note, int(n_resamples), int(seed))
    return [r for r in out if r is not None]
