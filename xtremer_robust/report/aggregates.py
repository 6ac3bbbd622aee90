"""Aggregates per task, per tier and overall: one plan used to build and to re-check them.

Convention (stated in every submission): within a (task, split) group, the unweighted mean
over languages (as XTREME's ``evaluate.py``); a tier's figure is the mean over groups of the
mean over that group's languages in the tier; overall is the unweighted mean over groups.
QA contributes F1 (EM is reported beside it in each cell's ``secondary``): the ``f1``
convention of :data:`xtremer_robust.metrics.xtreme.CONVENTIONS`, a choice many papers make
silently; XTREME's script averages (EM + F1) / 2 (the ``avg_metric`` convention, which
``evaluate-layout`` and :func:`~xtremer_robust.metrics.xtreme.benchmark_aggregate` use by
default). Unlike the official script,
the overall figure is emitted for any set of tasks, flagged ``complete`` only when every
XTREME-R task and language is present. Intervals come from the statistics part's stratified
bootstrap (:func:`xtremer_robust.stats.stratified_aggregate`): each language cell is
resampled on its own, then averaged with the same weights.

The builder turns each plan into a call of the statistics part; ``validate`` passes the
cells' point values to :func:`combine` and checks that the stored aggregates equal them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from xtremer_robust.tasks import all_tasks

__all__ = ["CONVENTION", "XTREME_R_TASKS", "AggEntry", "AggPlan", "plan_aggregates", "combine"]

CONVENTION = (
    "Per (task, split): unweighted mean over languages. Per tier: mean over (task, split) groups of the mean "
    "over the group's languages in that tier (tiers from Joshi et al. 2020 classes: high 4-5, mid 3, low 0-2). "
    "Overall: unweighted mean over (task, split) groups, emitted for any set of tasks and marked complete only "
    "when all ten XTREME-R tasks are present with all their languages. QA contributes F1 (EM beside it in each "
    "cell's 'secondary': the named 'f1' convention; XTREME's evaluate.py averages EM and F1, the 'avg_metric' "
    "convention). Gap aggregates average the per-cell gaps "
    "(clean minus variant on shared items) the same way. Intervals: stratified bootstrap (each language cell "
    "resampled independently, then averaged), BCa with a percentile fallback; gap aggregates carry a stratified "
    "paired permutation p-value."
)

#: XTREME-R's ten tasks: those with an ``xtreme-r`` block in tasks.yaml (Ruder et al. 2021, Table 1).
XTREME_R_TASKS = tuple(name for name, spec in all_tasks().items() if "xtreme-r" in spec.benchmarks)


@dataclass(frozen=True)
class AggEntry:
    """One value that feeds aggregates: a cell's score or a gap."""

    kind: str  # "score" or "gap"
    task: str
    split: str
    language: str
    tier: str
    variant: str


@dataclass(frozen=True)
class AggPlan:
    """Which entries (by index) an aggregate averages, grouped by ``task/split``."""

    kind: str
    scope: str
    variant: str
    groups: dict[str, tuple[int, ...]]
    complete: bool

    @property
    def n_cells(self) -> int:
        return sum(len(members) for members in self.groups.values())


def _expected_languages(task: str, split: str) -> set[str]:
    spec = all_tasks().get(task)
    return set(spec.languages_for(split)) if spec is not None else set()


def plan_aggregates(entries: Sequence[AggEntry]) -> list[AggPlan]:
    """Per-task, per-tier and overall plans for every (kind, variant) present, in a stable order."""
    by_kv: dict[tuple[str, str], list[int]] = {}
    for index, entry in enumerate(entries):
        by_kv.setdefault((entry.kind, entry.variant), []).append(index)
    plans: list[AggPlan] = []
    for (kind, variant), indices in sorted(by_kv.items()):
        groups: dict[str, list[int]] = {}
        for index in indices:
            groups.setdefault(f"{entries[index].task}/{entries[index].split}", []).append(index)
        complete_group = {
            name: {entries[i].language for i in members} >= _expected_languages(*name.split("/", 1))
            for name, members in groups.items()
        }
        for name in sorted(groups):
            plans.append(AggPlan(kind, f"task:{name}", variant, {name: tuple(groups[name])}, complete_group[name]))
        tasks_present = {name.split("/", 1)[0] for name in groups}
        all_tasks_complete = set(XTREME_R_TASKS) <= tasks_present and all(
            complete_group[g] for g in groups if g.split("/", 1)[0] in XTREME_R_TASKS
        )
        for tier in ("high", "mid", "low"):
            tier_groups = {
                name: tuple(i for i in members if entries[i].tier == tier) for name, members in sorted(groups.items())
            }
            tier_groups = {name: members for name, members in tier_groups.items() if members}
            if tier_groups:
                plans.append(AggPlan(kind, f"tier:{tier}", variant, tier_groups, all_tasks_complete))
        plans.append(AggPlan(kind, "overall", variant, {k: tuple(v) for k, v in sorted(groups.items())}, all_tasks_complete))
    return plans


def combine(plan: AggPlan, values: Sequence[float]) -> float:
    """Mean over groups of the mean over each group's entries."""
    group_means = [sum(values[i] for i in members) / len(members) for members in plan.groups.values()]
    return sum(group_means) / len(group_means)
