"""Benchmark aggregates by version: XTREME's ``evaluate.py`` exactly, and an XTREME-R overall that computes.

The facts (language lists, groups, ``avg_metric``) come from each task's ``benchmarks:``
block in ``tasks.yaml`` (:mod:`xtremer_robust.tasks.benchmarks`); BUCC 2018, an XTREME v1
task scored here from leaderboard files only, has its block in :data:`LAYOUT_ONLY_TASKS`.

:func:`xtreme_aggregate` is google-research/xtreme ``evaluate.py --xtreme_version V`` on
scores already computed (fractions or percentages: the means do not care):

- per task, every language of the version's list is scored (a missing one is an error, as
  the script stops on a missing file); ``avg_<metric>`` is the unweighted mean over them;
- ``avg_metric`` is ``(avg_exact_match + avg_f1) / 2`` for QA, else ``avg_f1``,
  ``avg_accuracy`` or ``avg_map@20``;
- a group's score is the mean of its tasks' ``avg_metric`` when all are present;
  ``all_task`` (the overall) only when every task of the version is.

With ``xtreme-r`` the script lists LAReQA with NO languages, so ``all_task`` never
appears: without a LAReQA folder the task set is incomplete, and with one LAReQA gets no
``avg_metric`` and the overall line raises ``KeyError``. :func:`xtreme_aggregate` leaves
LAReQA out, as the script scores nothing of it.

:func:`benchmark_aggregate` is this package's figure, which always computes: the same
tasks, language lists and groups, LAReQA included on its 11 languages with mAP@20; task
score = mean over the version's languages of the per-language score of a
:data:`CONVENTIONS` entry (``avg_metric``, the default: ``evaluate.py``'s, QA = (EM + F1)/2;
``f1``: QA by F1 alone, the convention many papers use without saying so); overall = mean
of the task scores, emitted only when every task has every language (``complete``),
``partial_overall`` always labelled as such.
"""

from __future__ import annotations

from types import MappingProxyType
from typing import Any, Mapping

from xtremer_robust.errors import ConfigError, unknown_name
from xtremer_robust.tasks import all_tasks
from xtremer_robust.tasks.benchmarks import VERSIONS, BenchmarkFacts

__all__ = [
    "VERSIONS",
    "CONVENTIONS",
    "LAYOUT_ONLY_TASKS",
    "benchmark_tasks",
    "benchmark_groups",
    "language_score",
    "xtreme_aggregate",
    "benchmark_aggregate",
]

#: XTREME v1's BUCC 2018 (``evaluate.py``'s ``bucc2018``): no reader or model here, only its
#: leaderboard file ``src<TAB>tgt`` pairs, so its facts live beside the scorer.
LAYOUT_ONLY_TASKS: Mapping[str, BenchmarkFacts] = MappingProxyType(
    {"bucc2018": BenchmarkFacts("xtreme", ("de", "fr", "ru", "zh"), ("retrieval",), "f1")}
)

#: Named conventions for the per-language score a task averages.
CONVENTIONS: Mapping[str, str] = MappingProxyType(
    {
        "avg_metric": "evaluate.py's avg_metric: accuracy, F1 or mAP@20; QA (EM + F1) / 2",
        "f1": "as avg_metric, but QA by F1 alone (exact match reported beside)",
    }
)

Scores = Mapping[str, Mapping[str, Mapping[str, float]]]  # task -> language -> metric -> value


def _check_version(version: str) -> str:
    if version not in VERSIONS:
        raise unknown_name("benchmark version", version, VERSIONS)
    return version


def benchmark_tasks(version: str, *, scored_by_evaluate_py: bool = False) -> dict[str, BenchmarkFacts]:
    """Every task of ``version`` with its facts (registry order, layout-only tasks last).

    ``scored_by_evaluate_py`` leaves out tasks the official script lists without languages.
    """
    _check_version(version)
    facts = {name: spec.benchmarks[version] for name, spec in all_tasks().items() if version in spec.benchmarks}
    facts.update({name: f for name, f in LAYOUT_ONLY_TASKS.items() if f.version == version})
    if scored_by_evaluate_py:
        facts = {name: f for name, f in facts.items() if f.evaluate_py}
    return facts


def benchmark_groups(version: str) -> dict[str, tuple[str, ...]]:
    """``evaluate.py``'s ``GROUP2TASK`` of ``version``: group -> its tasks."""
    groups: dict[str, list[str]] = {}
    for name, facts in benchmark_tasks(version).items():
        for group in facts.groups:
            groups.setdefault(group, []).append(name)
    return {group: tuple(tasks) for group, tasks in groups.items()}


def _mean(values: list[float]) -> float:
    return sum(values) / len(values)


def language_score(metrics: Mapping[str, float], avg_metric: str, *, convention: str = "avg_metric", where: str = "") -> float:
    """One language's contribution under ``convention``: its ``avg_metric`` score (em_f1: mean of EM and F1)."""
    if convention not in CONVENTIONS:
        raise unknown_name("aggregation convention", convention, CONVENTIONS)
    if avg_metric == "em_f1":
        keys: tuple[str, ...] = ("exact_match", "f1") if convention == "avg_metric" else ("f1",)
    else:
        keys = (avg_metric,)
    missing = [k for k in keys if k not in metrics]
    if missing:
        raise ConfigError(f"{where}: no {missing} score; avg_metric '{avg_metric}' needs {list(keys)}, got {sorted(metrics)}")
    return _mean([float(metrics[k]) for k in keys])


def xtreme_aggregate(scores: Scores, version: str = "xtreme") -> dict[str, Any]:
    """``evaluate.py``'s ``(overall_scores, detailed_scores)`` for ``version`` from per-language scores.

    ``scores[task][lang]`` holds that language's metric dict with ``evaluate.py``'s key names
    (``accuracy``; ``f1``/``precision``/``recall``; ``exact_match``/``f1``; ``map@20``). Tasks
    outside the version and extra languages are ignored, as the script ignores them; a
    listed language missing from a present task is an error. Returns ``{"detailed": {task:
    {metric: {lang: v}, "avg_<metric>": v, "avg_metric": v}}, "overall": {group or
    "all_task": v}}``.
    """
    tasks = benchmark_tasks(version)
    detailed: dict[str, dict[str, Any]] = {}
    for task, facts in tasks.items():
        if task not in scores or not facts.evaluate_py:
            continue
        missing = [lang for lang in facts.languages if lang not in scores[task]]
        if missing:
            raise ConfigError(
                f"xtreme_aggregate({version}): task {task} lacks languages {missing}; evaluate.py scores every "
                f"language of its list ({', '.join(facts.languages)}) and stops on a missing file"
            )
        task_scores: dict[str, Any] = {}
        for lang in facts.languages:
            for metric, value in scores[task][lang].items():
                task_scores.setdefault(metric, {})[lang] = float(value)
        for metric in list(task_scores):
            task_scores[f"avg_{metric}"] = _mean(list(task_scores[metric].values()))
        if facts.avg_metric == "em_f1":
            task_scores["avg_metric"] = (task_scores["avg_exact_match"] + task_scores["avg_f1"]) / 2
        else:
            task_scores["avg_metric"] = task_scores[f"avg_{facts.avg_metric}"]
        detailed[task] = task_scores
    overall: dict[str, float] = {}
    if set(detailed) == set(tasks):  # never for xtreme-r: LAReQA is listed without languages
        overall["all_task"] = _mean([detailed[t]["avg_metric"] for t in tasks])
    for group, members in benchmark_groups(version).items():
        if all(t in detailed for t in members):
            overall[group] = _mean([detailed[t]["avg_metric"] for t in members])
    return {"detailed": detailed, "overall": overall}


def benchmark_aggregate(scores: Scores, version: str = "xtreme-r", *, convention: str = "avg_metric") -> dict[str, Any]:
    """This package's aggregate of ``version`` (module docstring), never silent about gaps.

    Returns ``{"version", "convention", "tasks": {task: {"metric", "score", "languages",
    "missing_languages", "per_language", ["exact_match", "f1"]}}, "groups": {group: score},
    "overall": float | None, "complete": bool, "partial_overall": float | None,
    "missing_tasks": [...]}``. A group is scored when all its tasks are present.
    """
    tasks = benchmark_tasks(version)
    if convention not in CONVENTIONS:
        raise unknown_name("aggregation convention", convention, CONVENTIONS)
    tasks_out: dict[str, dict[str, Any]] = {}
    complete = True
    for task, facts in tasks.items():
        by_lang = {lang: m for lang, m in scores.get(task, {}).items() if lang in facts.languages}
        if not by_lang:
            complete = False
            continue
        per_language = {
            lang: language_score(by_lang[lang], facts.avg_metric, convention=convention, where=f"{version} {task}/{lang}")
            for lang in facts.languages
            if lang in by_lang
        }
        missing = [lang for lang in facts.languages if lang not in by_lang]
        complete = complete and not missing
        entry: dict[str, Any] = {
            "metric": facts.avg_metric if facts.avg_metric != "em_f1" or convention == "avg_metric" else "f1",
            "score": _mean(list(per_language.values())),
            "languages": len(per_language),
            "missing_languages": missing,
            "per_language": per_language,
        }
        if facts.avg_metric == "em_f1":
            for key in ("exact_match", "f1"):
                if all(key in m for m in by_lang.values()):
                    entry[key] = _mean([float(m[key]) for m in by_lang.values()])
        tasks_out[task] = entry
    groups = {
        group: _mean([tasks_out[t]["score"] for t in members])
        for group, members in benchmark_groups(version).items()
        if all(t in tasks_out for t in members)
    }
    present = [entry["score"] for entry in tasks_out.values()]
    return {
        "version": version,
        "convention": convention,
        "tasks": tasks_out,
        "groups": groups,
        "overall": _mean(present) if complete else None,
        "complete": complete,
        "partial_overall": _mean(present) if present else None,
        "missing_tasks": [t for t in tasks if t not in tasks_out],
    }
