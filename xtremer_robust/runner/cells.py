"""What a run scores: cells of (task, language, split, variant) with their items.

With a subsets folder every subset in its index (or in one view of it) is a cell, read
through the subset builder's loader (which checks each file against its manifest hash).
Without one, the clean evaluation set of each (task, language) is read from the data
folder or the Hub. Cells are loaded lazily, one at a time, so a run over hundreds of
subsets never holds them all in memory.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator, Sequence

from xtremer_robust.data import load_task_data
from xtremer_robust.families.records import content_hash
from xtremer_robust.data.taskdata import TaskData
from xtremer_robust.errors import DataError
from xtremer_robust.schema import CLEAN
from xtremer_robust.subsets import iter_index, load_subset
from xtremer_robust.tasks import TaskSpec, get_task

__all__ = ["CellPlan", "plan_cells", "set_sha256", "CLEAN"]



@dataclass
class CellPlan:
    """One cell to score; ``load`` returns its data and the subset's content sha256."""

    task: TaskSpec
    language: str
    split: str
    variant: str
    load: Callable[[], tuple[TaskData, str]]


def set_sha256(data: TaskData) -> str:
    """Content hash of a clean set read from its source: its items' and candidates' hashes, in order."""
    digest = hashlib.sha256()
    for record in (*data.items, *data.candidates):
        digest.update(content_hash(record).encode())
    return digest.hexdigest()


def _clean_cells(tasks: Sequence[TaskSpec], langs: Sequence[str] | None, data_dir: Path | None, split: str | None) -> Iterator[CellPlan]:
    for task in tasks:
        use_split = split or task.eval_split
        for lang in task.languages_for(use_split):
            if langs and lang not in langs:
                continue

            def load(task: TaskSpec = task, lang: str = lang, use_split: str = use_split) -> tuple[TaskData, str]:
                data = load_task_data(task.name, lang, use_split, data_dir=data_dir)
                return data, set_sha256(data)

            yield CellPlan(task, lang, use_split, CLEAN, load)


def _subset_cells(subsets_dir: Path, tasks: Sequence[TaskSpec], langs: Sequence[str] | None, view: str | None) -> Iterator[CellPlan]:
    wanted = {t.name for t in tasks}
    for entry in iter_index(subsets_dir, view):
        if entry["task"] not in wanted or (langs and entry["language"] not in langs):
            continue
        if min(entry.get("n", 1), entry.get("view_n") or entry.get("n", 1)) == 0:
            raise DataError(
                f"subset {entry['task']}/{entry['language']}/{entry['split']}/{entry['variant']} is empty (n = 0 in the "
                "index); rebuild it with build-subsets or leave it out with --tasks/--langs",
                path=Path(subsets_dir) / "index.json",
            )

        def load(entry: dict = entry) -> tuple[TaskData, str]:
            data, manifest = load_subset(
                subsets_dir, entry["task"], entry["language"], entry["split"], entry["variant"], view_n=entry.get("view_n")
            )
            return data, manifest["sha256"]

        yield CellPlan(get_task(entry["task"]), entry["language"], entry["split"], entry["variant"], load)


def plan_cells(
    tasks: Sequence[TaskSpec],
    *,
    langs: Sequence[str] | None = None,
    data_dir: Path | None = None,
    subsets_dir: Path | None = None,
    view: str | None = None,
    split: str | None = None,
) -> list[CellPlan]:
    """Every cell of the run, in a stable order (task, language, split, variant)."""
    if subsets_dir is not None:
        return list(_subset_cells(subsets_dir, tasks, langs, view))
    return list(_clean_cells(tasks, langs, data_dir, split))
