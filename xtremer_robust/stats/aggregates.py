"""Aggregates of gaps per task, per tier and overall, through a stratified bootstrap.

XTREME scores a task as the unweighted mean over its languages and the benchmark as the
unweighted mean over tasks. Languages are independent test sets of different sizes, so
the interval of such a macro-average comes from a *stratified* bootstrap: each stratum
(language, or task x language) is resampled within itself, from its own index matrix, its
clean and perturbed scores are computed from the same resample (paired), and the
resampled scores are macro-averaged with fixed weights. Each stratum's stream is
``default_rng([seed, crc32(label)])``: independent of the other strata and of the order in
which they are passed.

The BCa acceleration uses each stratum's jackknife (scipy's multi-sample formula, see
:func:`xtremer_robust.stats.intervals.acceleration`). The p-value comes from a stratified
paired permutation test: per-item swaps of clean and perturbed in every stratum, the
permuted gaps macro-averaged with the same weights (null: no stratum has a gap).

Which strata form a tier is the caller's choice (this part knows nothing of languages):
pass the strata of that tier's languages, with ``group`` set to the task, to get the mean
over tasks of the tier's language means.
"""

from __future__ import annotations

import zlib
from collections import defaultdict
from dataclasses import dataclass
from typing import Any, ClassVar, Mapping, Sequence

import numpy as np

from xtremer_robust.errors import ConfigError
from xtremer_robust.metrics.base import Metric
from xtremer_robust.stats.gaps import checked_stats, check_settings
from xtremer_robust.stats.intervals import bootstrap_interval
from xtremer_robust.stats.power import jackknife_se, mde_paired
from xtremer_robust.stats.resampling import Condition, bootstrap_scores, jackknife_scores, permutation_gaps
from xtremer_robust.stats.results import Aggregate
from xtremer_robust.stats.significance import permutation_p_value

__all__ = ["Stratum", "SecondaryMetric", "secondary_metric", "xtreme_weights", "stratified_aggregate"]


@dataclass(frozen=True)
class Stratum:
    """One independently sampled set of items: e.g. ``label="xnli/sw"``, ``group="xnli"``."""

    label: str
    stats_clean: np.ndarray
    stats_perturbed: np.ndarray
    metric: Metric
    group: str = ""
    changed: np.ndarray | None = None


class SecondaryMetric(Metric):
    """A metric's secondary score (QA exact match) seen as a metric of its own, same stats."""

    is_mean: ClassVar[bool] = False  # judged on the data by the resampler, not assumed

    def __init__(self, base: Metric, secondary: str):
        if secondary not in getattr(base, "secondary_names", ()):
            raise ConfigError(
                f"metric '{base.name}' has no secondary score '{secondary}'; available: {list(getattr(base, 'secondary_names', ())) or 'none'}"
            )
        self.base = base
        self.secondary = secondary
        self.name = secondary  # type: ignore[misc]
        self.headline = secondary  # type: ignore[misc]
        self.stat_names = base.stat_names  # type: ignore[misc]

    def item_stats(self, *, prediction: Any, reference: Any) -> tuple[float, ...]:
        return self.base.item_stats(prediction=prediction, reference=reference)

    def aggregate(self, stats: np.ndarray) -> np.ndarray:
        return self.base.aggregate_secondary(self.secondary, stats)


def secondary_metric(metric: Metric, name: str) -> Metric:
    """``metric``'s secondary score ``name`` as a Metric, e.g. to compute a QA cell's EM gap."""
    return SecondaryMetric(metric, name)


def xtreme_weights(strata: Sequence[Stratum]) -> dict[str, float]:
    """XTREME's weights: unweighted mean over strata within each group, then over groups."""
    groups: dict[str, list[str]] = defaultdict(list)
    for s in strata:
        groups[s.group].append(s.label)
    return {label: 1.0 / (len(groups) * len(members)) for members in groups.values() for label in members}


def _convention(strata: Sequence[Stratum], companions: Sequence[str]) -> str:
    groups = sorted({s.group for s in strata})
    if len(groups) <= 1:
        text = f"unweighted mean over {len(strata)} languages (XTREME); each language resampled on its own"
    else:
        text = (
            f"unweighted mean over languages within each of {len(groups)} tasks, then unweighted mean over tasks "
            "(XTREME); each task x language resampled on its own"
        )
    headlines = sorted({getattr(s.metric, "headline", s.metric.name) for s in strata})
    text += f"; headline metric(s): {', '.join(headlines)}"
    if companions:
        text += f"; reported beside: {', '.join(companions)}"
    if any("exact_match" in getattr(s.metric, "secondary_names", ()) for s in strata):
        text += "; QA enters with F1, the 'f1' convention (XTREME's evaluate.py averages EM and F1: 'avg_metric')"
    return text


def stratified_aggregate(
    strata: Sequence[Stratum],
    *,
    label: str = "",
    weights: Mapping[str, float] | None = None,
    n_resamples: int = 10_000,
    seed: int = 0,
    n_permutations: int = 10_000,
    confidence: float = 0.95,
    alpha: float = 0.05,
    power: float = 0.8,
    companions: bool = True,
) -> Aggregate:
    """Macro-averaged gap over strata with a stratified paired bootstrap CI and permutation p-value.

    ``weights`` default to :func:`xtreme_weights`; given weights must cover every stratum and
    sum to 1. With ``companions``, every secondary score shared by all strata's metrics (QA:
    exact match) is aggregated the same way and attached to the result.
    """
    check_settings(n_resamples, n_permutations, confidence, alpha, power)
    if not strata:
        raise ConfigError("stratified_aggregate: no strata given; pass at least one (task, language) cell")
    labels = [s.label for s in strata]
    if len(set(labels)) != len(labels):
        raise ConfigError(f"stratified_aggregate: stratum labels must be unique, got duplicates in {labels}")
    w = dict(weights) if weights is not None else xtreme_weights(strata)
    missing = [lab for lab in labels if lab not in w]
    if missing or not np.isclose(sum(w[lab] for lab in labels), 1.0):
        raise ConfigError(f"stratified_aggregate: weights must cover every stratum and sum to 1; missing {missing}, sum {sum(w.get(lab, 0) for lab in labels)}")
    boot_c = np.zeros(int(n_resamples))
    boot_p = np.zeros(int(n_resamples))
    perm = np.zeros(int(n_permutations))
    clean = pert = 0.0
    jacks: list[np.ndarray] = []
    jacks_c: list[np.ndarray] = []
    jacks_p: list[np.ndarray] = []
    flips: list[float] = []
    for s in strata:
        sc = checked_stats(s.metric, s.stats_clean, f"stratum '{s.label}' stats_clean")
        sp = checked_stats(s.metric, s.stats_perturbed, f"stratum '{s.label}' stats_perturbed")
        if sc.shape != sp.shape:
            raise ConfigError(f"stratum '{s.label}': stats_clean {sc.shape} and stats_perturbed {sp.shape} must hold the same items")
        stream = (int(seed), zlib.crc32(s.label.encode("utf-8")))
        cc, cp = Condition(sc, s.metric), Condition(sp, s.metric)
        boot = bootstrap_scores([cc, cp], int(n_resamples), stream)
        ws = w[s.label]
        boot_c += ws * boot[:, 0]
        boot_p += ws * boot[:, 1]
        perm += ws * permutation_gaps([(cc, cp)], int(n_permutations), stream)[:, 0]
        clean += ws * s.metric.score(sc)
        pert += ws * s.metric.score(sp)
        jc, jp = jackknife_scores(cc), jackknife_scores(cp)
        jacks_c.append(ws * jc)
        jacks_p.append(ws * jp)
        jacks.append(ws * (jc - jp))
        if s.changed is not None:
            changed = np.asarray(s.changed).reshape(-1)
            if changed.dtype != bool or changed.size != sc.shape[0]:
                raise ConfigError(f"stratum '{s.label}': changed must be a boolean array of {sc.shape[0]} items, got dtype {changed.dtype} and {changed.size} items")
            flips.append(ws * float(changed.mean()))
    gap = clean - pert
    iv = bootstrap_interval(gap, boot_c - boot_p, jacks, confidence)
    civ = bootstrap_interval(clean, boot_c, jacks_c, confidence)
    piv = bootstrap_interval(pert, boot_p, jacks_p, confidence)
    shared = set.intersection(*(set(getattr(s.metric, "secondary_names", ())) for s in strata)) if companions else set()
    companion_results = tuple(
        stratified_aggregate(
            [Stratum(s.label, s.stats_clean, s.stats_perturbed, SecondaryMetric(s.metric, name), s.group, s.changed) for s in strata],
            label=f"{label} ({name})", weights=w, n_resamples=n_resamples, seed=seed,
            n_permutations=n_permutations, confidence=confidence, alpha=alpha, power=power, companions=False,
        )
        for name in sorted(shared)
    )
    headlines = sorted({getattr(s.metric, "headline", s.metric.name) for s in strata})
    return Aggregate(
        label=label,
        metric="+".join(headlines),
        convention=_convention(strata, sorted(shared)),
        n=int(sum(np.asarray(s.stats_clean).shape[0] for s in strata)),
        n_strata=len(strata),
        clean_score=clean,
        perturbed_score=pert,
        gap=gap,
        ci_low=iv.low,
        ci_high=iv.high,
        clean_ci_low=civ.low,
        clean_ci_high=civ.high,
        perturbed_ci_low=piv.low,
        perturbed_ci_high=piv.high,
        confidence=confidence,
        method=iv.method,
        method_note=iv.note,
        n_resamples=int(n_resamples),
        seed=int(seed),
        test="stratified_paired_permutation",
        p_value=permutation_p_value(gap, perm),
        n_permutations=int(n_permutations),
        relative_drop=None if clean == 0 else gap / clean,
        weights={lab: float(w[lab]) for lab in labels},
        companions=companion_results,
        mde=mde_paired(float(np.sqrt(sum(jackknife_se(j) ** 2 for j in jacks))), alpha, power),
        alpha=alpha,
        power=power,
        flip_rate=float(sum(flips)) if len(flips) == len(strata) else None,
    )
