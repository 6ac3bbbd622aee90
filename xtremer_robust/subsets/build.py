"""The whole build: choose the sets, make the jobs, run them with progress, write the index.

This is what ``xtremer-robust build-subsets`` calls; the command itself only parses options.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from xtremer_robust.errors import ConfigError, DataError
from xtremer_robust.families import PAIR_CLASSIFICATION
from xtremer_robust.tasks import TaskSpec
from xtremer_robust.subsets.builder import BuildContext, Job, JobResult, expand_jobs, expand_params, needs_data_dir, run_jobs
from xtremer_robust.subsets.engine import Engine, SetSource, default_engine
from xtremer_robust.subsets.generalized import pair_language
from xtremer_robust.subsets.index import write_index
from xtremer_robust.subsets.suite import Suite

__all__ = ["Missing", "BuildReport", "plan_sets", "build_subsets"]


@dataclass(frozen=True)
class Missing:
    """A set that was asked for but does not exist in this source, and why."""

    task: str
    language: str
    split: str
    reason: str


@dataclass
class BuildReport:
    """What a build did: per-subset results, missing sets, and the index it wrote."""

    out: Path
    results: list[JobResult] = field(default_factory=list)
    missing: list[Missing] = field(default_factory=list)
    index: dict[str, Any] = field(default_factory=dict)
    #: variant name -> why it was not built (e.g. its lexicon needs a data folder)
    skipped_variants: dict[str, str] = field(default_factory=dict)

    def count(self, status: str) -> int:
        return sum(1 for r in self.results if r.status == status)


def plan_sets(
    tasks: Sequence[TaskSpec], langs: Sequence[str] | None, source: SetSource, *, generalized: Sequence[str] = (),
) -> tuple[list[tuple[str, str, str]], list[Missing]]:
    """The (task, language, split) sets to build (each task's evaluation split) and the missing ones.

    ``generalized`` names pair tasks for which every ordered pair of available languages
    (``X-Y``) is added too.
    """
    sets: list[tuple[str, str, str]] = []
    missing: list[Missing] = []
    for spec in tasks:
        split = spec.eval_split
        wanted = [lang for lang in spec.languages_for(split) if langs is None or lang in langs]
        if spec.unavailable:
            missing.extend(Missing(spec.name, lang, split, spec.unavailable.strip()) for lang in wanted)
            continue
        present = source.available(spec.name)
        chosen = []
        for lang in wanted:
            if present is not None and (lang, split) not in present:
                missing.append(Missing(spec.name, lang, split, f"no {split} file for this language in the data folder"))
            else:
                chosen.append(lang)
        sets.extend((spec.name, lang, split) for lang in chosen)
        if spec.name in generalized and spec.family is PAIR_CLASSIFICATION:
            sets.extend((spec.name, pair_language(a, b), split) for a in chosen for b in chosen if a != b)
    return sets, missing


def build_subsets(
    out: Path,
    *,
    suite: Suite,
    tasks: Sequence[TaskSpec],
    langs: Sequence[str] | None,
    source: SetSource,
    seed: int | None = None,
    limit: int | None = None,
    workers: int = 1,
    engine: Engine | None = None,
    generalized: bool = True,
    console: Console | None = None,
) -> BuildReport:
    """Build (or resume) every subset of ``suite`` for the chosen tasks and languages, then write the index."""
    if workers < 1:
        raise ConfigError(f"--workers must be >= 1, got {workers}")
    if limit is not None and limit < 1:
        raise ConfigError(f"--limit must be >= 1 (items per task and language), got {limit}")
    engine = engine or default_engine()
    data_dir = getattr(source, "data_dir", None)
    data_dir = str(data_dir) if data_dir is not None else None
    skipped: dict[str, str] = {}
    variants = []
    for variant in suite.variants:  # unknown recipes and bad rates stop the build before any work
        if variant.recipe is not None and needs_data_dir(variant.params) and data_dir is None:
            skipped[variant.name] = "its parameters name a file in the data folder; pass --data-dir"
            continue
        if variant.recipe is not None:
            engine.recipe(variant.recipe, expand_params(variant.params, data_dir))
        variants.append(variant)
    seed = suite.seed if seed is None else seed
    sets, missing = plan_sets(tasks, langs, source, generalized=suite.generalized_tasks if generalized else ())
    if not sets and missing:  # nothing at all to build: say so instead of writing an empty index
        where = f"the data folder {data_dir}" if data_dir else "this source"
        first = missing[0]
        raise DataError(f"none of the chosen sets is in {where} (the first: {first.task}/{first.language}/{first.split}: "
                        f"{first.reason}); check --data-dir, --tasks and --langs")
    jobs: list[Job] = expand_jobs(sets, variants)
    ctx = BuildContext(out=str(out), source=source, engine=engine, seed=seed, limit=limit,
                       suite_version=suite.version, data_dir=data_dir)
    report = BuildReport(out=out, missing=missing, skipped_variants=skipped)
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=console, transient=False, disable=console is None) as progress:
        bar = progress.add_task("subsets", total=len(jobs))

        def done(result: JobResult) -> None:
            progress.update(bar, advance=1, description=result.id)

        report.results = run_jobs(ctx, jobs, workers=workers, on_done=done)
    seen_missing = {(m.task, m.language, m.split) for m in report.missing}
    for result in report.results:
        if result.status == "unavailable":
            task, lang, split, _ = result.id.split("/")
            if (task, lang, split) not in seen_missing:
                seen_missing.add((task, lang, split))
                report.missing.append(Missing(task, lang, split, result.message))
    out.mkdir(parents=True, exist_ok=True)
    report.index = write_index(out, view_sizes=suite.view_sizes, view_families=suite.view_families,
                               suite_version=suite.version)
    return report
