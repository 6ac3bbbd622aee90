"""The public entry points: load one set, and survey which sets a data folder holds."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from xtremer_robust.data.hub import load_hub
from xtremer_robust.data.local import load_local, local_files, no_local_layout
from xtremer_robust.data.sources import expand_patterns
from xtremer_robust.data.taskdata import TaskData
from xtremer_robust.errors import ConfigError, DataError, DataUnavailableError, unknown_name
from xtremer_robust.tasks import TaskSpec, get_task

__all__ = ["load_task_data", "available_sets", "scan_sets", "SetStatus", "task_splits", "SET_STATES"]

#: ok: read; missing: the layout names files the folder lacks; unavailable: no local layout
#: for this split (Mewsli-X, TyDiQA-GoldP test); error: a file is malformed (message says where).
SET_STATES = ("ok", "missing", "unavailable", "error")


def task_splits(spec: TaskSpec) -> tuple[str, ...]:
    """Every split name the task knows: its local splits, its Hub splits and its eval split."""
    names = [spec.eval_split, *spec.splits, *(spec.hub.splits if spec.hub else ())]
    return tuple(dict.fromkeys(names))


def _check_request(spec: TaskSpec, lang: str, split: str) -> None:
    if split not in task_splits(spec):
        raise unknown_name(f"split for task {spec.name}", split, task_splits(spec))
    spec.check_language(lang)


def load_task_data(task: str, lang: str, split: str | None = None, *, data_dir: Path | None = None) -> TaskData:
    """Items of one (task, language, split) set, in source order, ids unique.

    ``split`` None means the task's ``eval_split``; ``data_dir`` None means the Hugging Face
    Hub. Raises ConfigError for an unknown task, language or split, DataUnavailableError
    for a set this source lacks, DataError for a malformed file (naming file and line), and
    HubUnreachableError when the Hub is needed but cannot be reached.
    """
    spec = get_task(task)
    split = split or spec.eval_split
    _check_request(spec, lang, split)
    if data_dir is None:
        return load_hub(spec, lang, split)
    data_dir = Path(data_dir)
    if not data_dir.is_dir():
        raise ConfigError(f"data_dir: '{data_dir}' is not a folder; point it at a folder in the XTREME-R file layout")
    return load_local(spec, lang, split, data_dir)


@dataclass(frozen=True)
class SetStatus:
    """What a data folder holds for one (task, language, split)."""

    task: str
    language: str
    split: str
    state: str  # one of SET_STATES
    count: int | None = None
    message: str | None = None
    files: tuple[str, ...] = ()
    #: For a missing set: the path patterns that matched no file.
    expected: tuple[str, ...] = ()
    error: DataError | None = field(default=None, compare=False, repr=False)


def scan_sets(task: str, data_dir: Path) -> list[SetStatus]:
    """Every (language, split) of ``task`` with its state in ``data_dir``; never raises for a set.

    Each present set is read in full, so the counts are exactly what :func:`load_task_data`
    returns (and a malformed file shows up as ``error`` with its message).
    """
    spec = get_task(task)
    statuses: list[SetStatus] = []
    for split in dict.fromkeys([spec.eval_split, *spec.splits]):
        for lang in spec.languages_for(split):
            statuses.append(_scan_one(spec, lang, split, Path(data_dir)))
    return statuses


def _scan_one(spec: TaskSpec, lang: str, split: str, data_dir: Path) -> SetStatus:
    base = {"task": spec.name, "language": lang, "split": split}
    if spec.unavailable or split not in spec.splits:
        return SetStatus(**base, state="unavailable", message=str(no_local_layout(spec, split)))
    try:
        files = tuple(local_files(spec, lang, split, data_dir))
    except DataUnavailableError as exc:
        expected = tuple(expand_patterns(spec.splits[split], lang))
        return SetStatus(**base, state="missing", message=str(exc), expected=expected)
    try:
        data = load_local(spec, lang, split, data_dir)
    except DataError as exc:
        return SetStatus(**base, state="error", message=str(exc), files=files, error=exc)
    return SetStatus(**base, state="ok", count=len(data), files=tuple(s.path for s in data.sources))


def available_sets(task: str, data_dir: Path) -> dict[str, dict[str, int]]:
    """language -> split -> number of items, for the sets of ``task`` present in ``data_dir``.

    Missing and unavailable sets are left out; a malformed file raises its DataError (bad
    input is never skipped silently).
    """
    found: dict[str, dict[str, int]] = {}
    for status in scan_sets(task, data_dir):
        if status.error is not None:
            raise status.error
        if status.state == "ok" and status.count is not None:
            found.setdefault(status.language, {})[status.split] = status.count
    return found
