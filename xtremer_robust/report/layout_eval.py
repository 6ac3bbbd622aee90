"""Score an XTREME-layout prediction folder made by any tool: ``evaluate.py``'s figures plus intervals.

:func:`evaluate_layout` checks the folders first (every problem named at once), then scores
each (task, language) with :func:`~xtremer_robust.report.xtreme_read.score_xtreme_cell`,
aggregates as ``evaluate.py --xtreme_version V`` does (:func:`~xtremer_robust.metrics.xtreme.xtreme_aggregate`),
adds this package's benchmark score under both conventions (:func:`~xtremer_robust.metrics.xtreme.benchmark_aggregate`),
and a bootstrap interval per language and reported metric (percentile or BCa from
:func:`xtremer_robust.stats.score_cis`; items resampled, the metric recomputed).

Folder rules, as ``evaluate.py`` has them, made explicit:

- a task is scored when its folder is in both the prediction and the label folder, and
  then every language of the version's list must have both files;
- a prediction task folder that is not a task of the version, or has no label folder, is
  an error (the script would skip it silently); label folders of other tasks are ignored;
- LAReQA (XTREME-R) has no languages in ``evaluate.py``; here it is scored on its 11
  languages with mAP@20 when present, and enters the benchmark score, not ``detailed``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from xtremer_robust.errors import ConfigError, DataError, unknown_name
from xtremer_robust.metrics.xtreme import CONVENTIONS, benchmark_aggregate, benchmark_tasks, xtreme_aggregate
from xtremer_robust.report.xtreme_layout import xtreme_path
from xtremer_robust.report.xtreme_read import LayoutCell, score_xtreme_cell
from xtremer_robust.stats import score_cis, secondary_metric
from xtremer_robust.tasks.benchmarks import VERSIONS

__all__ = ["evaluate_layout", "check_layout_folders"]


def _task_folders(root: Path, what: str) -> set[str]:
    if not root.is_dir():
        raise ConfigError(f"{what}: '{root}' is not a folder; expected <root>/<task>/test-<lang>.<ext>")
    return {p.name for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")}


def check_layout_folders(prediction_dir: Path, label_dir: Path, version: str, notes: list[str] | None = None) -> dict[str, tuple[str, ...]]:
    """The (task -> languages) to score, or one error naming every problem found.

    Task folders of the other benchmark version are skipped, as ``evaluate.py`` skips them,
    with a line in ``notes``.
    """
    if version not in VERSIONS:
        raise unknown_name("benchmark version", version, VERSIONS)
    facts = benchmark_tasks(version)
    predicted = _task_folders(prediction_dir, "PRED_DIR")
    labelled = _task_folders(label_dir, "--labels")
    problems: list[str] = []
    for task in sorted(predicted - set(facts)):
        other = [v for v in VERSIONS if v != version and task in benchmark_tasks(v)]
        if other:
            if notes is not None:
                notes.append(f"{task}: an {other[0]} task, not an {version} one: not scored (as evaluate.py); pass --version {other[0]} to score it")
        else:
            problems.append(str(unknown_name(f"{version} task folder", task, facts)))
    for task in sorted((predicted & set(facts)) - labelled):
        problems.append(f"task '{task}' has predictions but no label folder {label_dir / task}")
    plan: dict[str, tuple[str, ...]] = {}
    for task, task_facts in facts.items():
        if task not in predicted or task not in labelled:
            continue
        missing = [
            str(path)
            for lang in task_facts.languages
            for path in (xtreme_path(prediction_dir, task, lang), xtreme_path(label_dir, task, lang))
            if not path.is_file()
        ]
        if missing:
            problems.append(
                f"task '{task}': {len(missing)} file(s) missing, first {missing[:4]}; every language of the {version} "
                f"list ({', '.join(task_facts.languages)}) needs a prediction and a label file"
            )
        plan[task] = task_facts.languages
    if not plan and not problems:
        problems.append(f"no task folder of {version} is in both folders ({sorted(facts)})")
    if problems:
        raise DataError("the layout folders cannot be scored:\n  - " + "\n  - ".join(problems), path=prediction_dir)
    return plan


def _intervals(cell: LayoutCell, n_resamples: int, seed: int, confidence: float) -> dict[str, dict[str, Any]]:
    """95% (by default) bootstrap interval of each reported score of one cell, in percent."""
    names = [cell.metric.headline, *getattr(cell.metric, "secondary_names", ())]
    out: dict[str, dict[str, Any]] = {}
    n = int(cell.stats.shape[0])
    for name in names:
        if n < 2:  # one item has no sampling distribution to speak of
            if name in cell.scores:
                out[name] = {"ci_low": None, "ci_high": None, "n": n, "method": "none: fewer than 2 items"}
            continue
        metric = cell.metric if name == cell.metric.headline else secondary_metric(cell.metric, name)
        if name not in cell.scores:  # e.g. LAReQA's full mAP: a top-20 file cannot give it
            continue
        ci = score_cis([(f"{cell.task}/{cell.language}", cell.stats, metric)], n_resamples=n_resamples, seed=seed, confidence=confidence)[0]
        out[name] = {"ci_low": 100 * ci.ci_low, "ci_high": 100 * ci.ci_high, "n": ci.n, "method": ci.method}
    return out


def evaluate_layout(
    prediction_dir: str | Path,
    label_dir: str | Path,
    version: str = "xtreme-r",
    *,
    n_resamples: int = 10_000,
    seed: int = 0,
    confidence: float = 0.95,
) -> dict[str, Any]:
    """Score ``prediction_dir`` against ``label_dir`` (see the module docstring).

    Returns ``{"version", "detailed", "overall"}`` as ``evaluate.py`` computes them (percent),
    ``"intervals": {task: {lang: {metric: {ci_low, ci_high, n, method}}}}``,
    ``"benchmark": {convention: benchmark_aggregate(...)}``, ``"bootstrap"`` settings and
    ``"notes"``.
    """
    prediction_dir, label_dir = Path(prediction_dir), Path(label_dir)
    notes: list[str] = []
    plan = check_layout_folders(prediction_dir, label_dir, version, notes)
    scores: dict[str, dict[str, dict[str, float]]] = {}
    intervals: dict[str, dict[str, Any]] = {}
    for task, languages in plan.items():
        for lang in languages:
            cell = score_xtreme_cell(xtreme_path(prediction_dir, task, lang), xtreme_path(label_dir, task, lang), task, lang)
            scores.setdefault(task, {})[lang] = cell.scores
            intervals.setdefault(task, {})[lang] = _intervals(cell, n_resamples, seed, confidence)
    official = xtreme_aggregate(scores, version)
    unscored = [t for t, f in benchmark_tasks(version).items() if not f.evaluate_py and t in plan]
    for task in unscored:
        notes.append(
            f"{task}: evaluate.py lists it with no languages, so it scores nothing of it and never prints an overall "
            f"{version} score; scored here on {len(plan[task])} languages and counted in the benchmark score only"
        )
    return {
        "version": version,
        "detailed": official["detailed"],
        "overall": official["overall"],
        "per_language": scores,
        "intervals": intervals,
        "benchmark": {name: benchmark_aggregate(scores, version, convention=name) for name in CONVENTIONS},
        "bootstrap": {"n_resamples": n_resamples, "seed": seed, "confidence": confidence},
        "notes": notes,
    }
