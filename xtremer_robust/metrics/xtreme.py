"""XTREME's aggregation (``evaluate.py``) and our XTREME-R overall score.

``evaluate.py`` of google-research/xtreme (XTREME v1 leaderboard scorer):

- per task, every language of its fixed list (``TASK2LANGS``) is scored; a missing file
  is an error; the task's ``avg_<metric>`` is the unweighted mean over those languages;
- the task's ``avg_metric`` is ``avg_f1`` (tagging, BUCC), ``avg_accuracy``
  (classification, Tatoeba) or, for QA, ``(avg_exact_match + avg_f1) / 2``;
- a group score (classification, tagging, qa, retrieval) is the mean of its tasks'
  ``avg_metric`` when all of them are present; ``all_task`` only when every task is.

:func:`xtreme_aggregate` reproduces that on scores already computed (fractions or
percentages: the means do not care). As ANCHORS.md notes, the XTREME-R variant of the
script has an empty language list for LAReQA, so it never emits an XTREME-R overall.
:func:`xtremer_aggregate` is our XTREME-R convention, stated here once:

- the ten XTREME-R tasks (PAWS-X is XTREME v1 only and left out), grouped as in the
  XTREME-R paper (Ruder et al. 2021): classification (xnli, xcopa), structured prediction
  (udpos, panx), QA (xquad, mlqa, tydiqa), retrieval (tatoeba, mewslix, lareqa);
- task score = unweighted mean over the task's languages of the HEADLINE metric
  (accuracy; seqeval F1; QA F1, with EM averaged and reported beside it; top-1 accuracy;
  mAP@20; mAP). This differs from ``evaluate.py``'s QA ``(EM + F1) / 2``: both are given;
- group score = mean of its tasks; overall = mean of the ten task scores, emitted only
  when all ten tasks have every language (``complete``); ``partial_overall`` is the mean
  over the tasks present, always labelled as such.
"""

from __future__ import annotations

from types import MappingProxyType
from typing import Any, Mapping

from xtremer_robust.errors import ConfigError
from xtremer_robust.tasks import get_task

__all__ = [
    "XTREME_TASK_LANGS",
    "XTREME_GROUPS",
    "XTREMER_GROUPS",
    "QA_TASKS",
    "xtreme_aggregate",
    "xtremer_aggregate",
]

#: ``TASK2LANGS`` of XTREME's ``evaluate.py``, in its order.
XTREME_TASK_LANGS: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "pawsx": tuple("de,en,es,fr,ja,ko,zh".split(",")),
        "xnli": tuple("ar,bg,de,el,en,es,fr,hi,ru,sw,th,tr,ur,vi,zh".split(",")),
        "panx": tuple(
            "ar,he,vi,id,jv,ms,tl,eu,ml,ta,te,af,nl,en,de,el,bn,hi,mr,ur,fa,fr,"
            "it,pt,es,bg,ru,ja,ka,ko,th,sw,yo,my,zh,kk,tr,et,fi,hu".split(",")
        ),
        "udpos": tuple(
            "af,ar,bg,de,el,en,es,et,eu,fa,fi,fr,he,hi,hu,id,it,ja,kk,ko,mr,"
            "nl,pt,ru,ta,te,th,tl,tr,ur,vi,yo,zh".split(",")
        ),
        "bucc2018": tuple("de,fr,ru,zh".split(",")),
        "tatoeba": tuple(
            "ar,he,vi,id,jv,tl,eu,ml,ta,te,af,nl,de,el,bn,hi,mr,ur,fa,fr,it,"
            "pt,es,bg,ru,ja,ka,ko,th,sw,zh,kk,tr,et,fi,hu".split(",")
        ),
        "xquad": tuple("en,es,de,el,ru,tr,ar,vi,th,zh,hi".split(",")),
        "mlqa": tuple("en,es,de,ar,hi,vi,zh".split(",")),
        "tydiqa": tuple("en,ar,bn,fi,id,ko,ru,sw,te".split(",")),
    }
)

#: ``GROUP2TASK`` of XTREME's ``evaluate.py``.
XTREME_GROUPS: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "classification": ("pawsx", "xnli"),
        "tagging": ("udpos", "panx"),
        "qa": ("xquad", "mlqa", "tydiqa"),
        "retrieval": ("bucc2018", "tatoeba"),
    }
)

#: The XTREME-R task groups (Ruder et al. 2021, Table 1).
XTREMER_GROUPS: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "classification": ("xnli", "xcopa"),
        "structured_prediction": ("udpos", "panx"),
        "qa": ("xquad", "mlqa", "tydiqa"),
        "retrieval": ("tatoeba", "mewslix", "lareqa"),
    }
)

QA_TASKS = frozenset({"xquad", "mlqa", "tydiqa"})

#: The headline metric key of each task in a per-language score dict.
_HEADLINE = MappingProxyType(
    {
        "pawsx": "accuracy",
        "xnli": "accuracy",
        "xcopa": "accuracy",
        "tatoeba": "accuracy",
        "udpos": "f1",
        "panx": "f1",
        "bucc2018": "f1",
        "xquad": "f1",
        "mlqa": "f1",
        "tydiqa": "f1",
        "mewslix": "map@20",
        "lareqa": "map",
    }
)

Scores = Mapping[str, Mapping[str, Mapping[str, float]]]  # task -> language -> metric -> value


def _mean(values: list[float]) -> float:
    return sum(values) / len(values)


def xtreme_aggregate(scores: Scores) -> dict[str, Any]:
    """``evaluate.py``'s ``(overall_scores, detailed_scores)`` from per-language scores.

    ``scores[task][lang]`` holds that language's metric dict as ``evaluate.py`` names the
    keys (``accuracy``; ``f1``/``precision``/``recall``; ``exact_match``/``f1``). Tasks
    outside ``XTREME_TASK_LANGS`` and extra languages are ignored, as the script ignores
    them; a listed language missing from a present task is an error (the script crashes
    on the missing file). Returns ``{"detailed": {task: {metric: {lang: v}, "avg_<metric>":
    v, "avg_metric": v}}, "overall": {group or "all_task": v}}``.
    """
    detailed: dict[str, dict[str, Any]] = {}
    for task, langs in XTREME_TASK_LANGS.items():
        if task not in scores:
            continue
        missing = [lang for lang in langs if lang not in scores[task]]
        if missing:
            raise ConfigError(
                f"xtreme_aggregate: task {task} lacks languages {missing}; evaluate.py scores every language "
                f"of its list ({', '.join(langs)}) and stops on a missing file"
            )
        task_scores: dict[str, Any] = {}
        for lang in langs:
            for metric, value in scores[task][lang].items():
                task_scores.setdefault(metric, {})[lang] = float(value)
        for metric in list(task_scores):
            task_scores[f"avg_{metric}"] = _mean(list(task_scores[metric].values()))
        if task in QA_TASKS:
            task_scores["avg_metric"] = (task_scores["avg_exact_match"] + task_scores["avg_f1"]) / 2
        elif "avg_f1" in task_scores:
            task_scores["avg_metric"] = task_scores["avg_f1"]
        elif "avg_accuracy" in task_scores:
            task_scores["avg_metric"] = task_scores["avg_accuracy"]
        detailed[task] = task_scores
    overall: dict[str, float] = {}
    if set(detailed) == set(XTREME_TASK_LANGS):
        overall["all_task"] = _mean([detailed[t]["avg_metric"] for t in XTREME_TASK_LANGS])
    for group, tasks in XTREME_GROUPS.items():
        if all(t in detailed for t in tasks):
            overall[group] = _mean([detailed[t]["avg_metric"] for t in tasks])
    return {"detailed": detailed, "overall": overall}


def xtremer_aggregate(scores: Scores) -> dict[str, Any]:
    """Our XTREME-R aggregate (convention in the module docstring), never silent about gaps.

    Returns ``{"tasks": {task: {"score", "languages", "missing_languages", "per_language",
    ["exact_match"]}}, "groups": {group: score}, "overall": float | None, "complete": bool,
    "partial_overall": float | None, "missing_tasks": [...]}``.
    """
    tasks_out: dict[str, dict[str, Any]] = {}
    complete = True
    for group_tasks in XTREMER_GROUPS.values():
        for task in group_tasks:
            by_lang = scores.get(task, {})
            if not by_lang:
                complete = False
                continue
            key = _HEADLINE[task]
            bad = [lang for lang, metrics in by_lang.items() if key not in metrics]
            if bad:
                raise ConfigError(f"xtremer_aggregate: task {task}, languages {bad}: no '{key}' score")
            expected = get_task(task).languages
            missing = [lang for lang in expected if lang not in by_lang]
            complete = complete and not missing
            per_language = {lang: float(by_lang[lang][key]) for lang in sorted(by_lang)}
            entry: dict[str, Any] = {
                "metric": key,
                "score": _mean(list(per_language.values())),
                "languages": len(per_language),
                "missing_languages": missing,
                "per_language": per_language,
            }
            if task in QA_TASKS and all("exact_match" in m for m in by_lang.values()):
                entry["exact_match"] = _mean([float(m["exact_match"]) for m in by_lang.values()])
            tasks_out[task] = entry
    groups = {
        group: _mean([tasks_out[t]["score"] for t in tasks])
        for group, tasks in XTREMER_GROUPS.items()
        if all(t in tasks_out for t in tasks)
    }
    present = [entry["score"] for entry in tasks_out.values()]
    missing_tasks = [t for tasks in XTREMER_GROUPS.values() for t in tasks if t not in tasks_out]
    return {
        "tasks": tasks_out,
        "groups": groups,
        "overall": _mean(present) if complete else None,
        "complete": complete,
        "partial_overall": _mean(present) if present else None,
        "missing_tasks": missing_tasks,
    }
