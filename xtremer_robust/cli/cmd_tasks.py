"""``xtremer-robust tasks``: the registered tasks and, with a data folder, which sets it holds."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Callable, Optional

import typer
from rich.progress import BarColumn, Progress, TextColumn
from rich.table import Table
from rich.text import Text

from xtremer_robust.cli.common import DataDirOption, console, err_console, handle_errors, resolve_data_dir, styled
from xtremer_robust.data.loader import SetStatus, scan_sets
from xtremer_robust.errors import DataError
from xtremer_robust.languages import all_languages
from xtremer_robust.tasks import TaskSpec, parse_tasks

__all__ = ["register", "tasks_document"]

_STATE_STYLE = {"missing": "yellow", "unavailable": "dim", "error": "bold red"}


def _spec_document(spec: TaskSpec) -> dict[str, Any]:
    return {
        "name": spec.name,
        "family": spec.family.name,
        "metric": spec.metric,
        "languages": list(spec.languages),
        "eval_split": spec.eval_split,
        "labels": list(spec.labels),
        "licence": spec.licence,
        "hub": None
        if spec.hub is None
        else {"path": spec.hub.path, "config": spec.hub.config, "splits": dict(spec.hub.splits)},
        "unavailable": spec.unavailable,
    }


def _status_document(status: SetStatus) -> dict[str, Any]:
    return {
        "language": status.language,
        "split": status.split,
        "state": status.state,
        "count": status.count,
        "files": list(status.files),
        "expected": list(status.expected),
        "message": status.message,
    }


def tasks_document(
    specs: list[TaskSpec], data_dir: Path | None, *, on_task: Callable[[str], None] | None = None
) -> dict[str, Any]:
    """The JSON document of ``tasks --json``: every spec, and with a data folder every set's state.

    ``on_task`` is called with each task's name before its sets are read (progress display).
    """
    tasks = []
    for spec in specs:
        entry = _spec_document(spec)
        if data_dir is not None:
            if on_task is not None:
                on_task(spec.name)
            entry["sets"] = [_status_document(s) for s in scan_sets(spec.name, data_dir)]
        tasks.append(entry)
    languages = sorted({lang for spec in specs for lang in spec.languages})
    return {
        "data_dir": None if data_dir is None else str(data_dir),
        "source": "local" if data_dir is not None else "hub",
        "tasks": tasks,
        "languages": languages,
        "language_tiers": {code: all_languages()[code].tier for code in languages},
    }


def _summary_table(document: dict[str, Any]) -> Table:
    table = Table(title=f"{len(document['tasks'])} tasks, {len(document['languages'])} languages", title_justify="left")
    for column in ("task", "family", "metric", "langs", "eval split", "licence"):
        table.add_column(column, overflow="fold")
    if document["data_dir"] is not None:
        table.add_column("sets found")
    for task in document["tasks"]:
        languages = str(len(task["languages"]))
        row = [task["name"], task["family"], task["metric"], languages, task["eval_split"], task["licence"]]
        if "sets" in task:
            ok = sum(s["state"] == "ok" for s in task["sets"])
            row.append(f"{ok}/{len(task['sets'])}")
        table.add_row(*row)
    return table


def _cell(status: dict[str, Any] | None) -> str | Text:
    if status is None:
        return ""
    if status["state"] == "ok":
        return str(status["count"])
    return styled(status["state"], _STATE_STYLE[status["state"]])


def _sets_table(task: dict[str, Any]) -> tuple[Table, list[str]]:
    splits = list(dict.fromkeys(s["split"] for s in task["sets"]))
    langs = list(dict.fromkeys(s["language"] for s in task["sets"]))
    by_key = {(s["language"], s["split"]): s for s in task["sets"]}
    table = Table(title=f"{task['name']} ({task['family']}, {task['metric']})", title_justify="left")
    table.add_column("lang")
    table.add_column("tier")
    for split in splits:
        table.add_column(split + (" (eval)" if split == task["eval_split"] else ""), justify="right")
    for lang in langs:
        table.add_row(lang, all_languages()[lang].tier, *(_cell(by_key.get((lang, split))) for split in splits))
    notes = list(dict.fromkeys(_note(s) for s in task["sets"] if s["state"] != "ok"))
    return table, notes


def _note(status: dict[str, Any]) -> str:
    if status["state"] == "unavailable":  # one reason for the whole split: said once
        return f"{status['split']} unavailable: {status['message']}"
    if status["state"] == "missing":
        return f"{status['language']} {status['split']} missing: no file matches {' or '.join(status['expected'])}"
    return f"{status['language']} {status['split']} error: {status['message']}"


def _render(document: dict[str, Any]) -> None:
    console.print(_summary_table(document))
    if document["data_dir"] is None:
        console.print("source: the Hugging Face Hub (give --data-dir to list the sets of a local folder)")
        return
    for task in document["tasks"]:
        table, notes = _sets_table(task)
        console.print(table)
        for note in notes:
            console.print(f"  {note}", soft_wrap=True)


def register(app: typer.Typer) -> None:
    """Add this module's commands to the application."""

    @app.command("tasks")
    @handle_errors
    def tasks(
        data_dir: Optional[Path] = DataDirOption,
        tasks_: Optional[str] = typer.Option(None, "--tasks", help="Comma-separated task names (default: all)."),
        as_json: bool = typer.Option(False, "--json", help="Print one JSON document for machines instead of tables."),
    ) -> None:
        """List the tasks (family, metric, languages, licence) and, with a data folder, every set
        found there with its example count, or why it is missing."""
        specs = parse_tasks(tasks_)
        folder = resolve_data_dir(data_dir)
        # Reading every set of a full folder takes seconds: show which task is being read (stderr,
        # transient, so --json output on stdout stays one clean document).
        with Progress(
            TextColumn("reading", markup=False), BarColumn(), TextColumn("{task.description}", markup=False), console=err_console, transient=True
        ) as progress:
            bar = progress.add_task("", total=len(specs) if folder is not None else 0)

            def on_task(name: str) -> None:
                progress.update(bar, advance=1, description=name)

            document = tasks_document(specs, folder, on_task=on_task)
        if as_json:
            typer.echo(json.dumps(document, ensure_ascii=False, indent=2))
        else:
            _render(document)
        errors = [s for t in document["tasks"] for s in t.get("sets", []) if s["state"] == "error"]
        if errors:
            raise DataError(
                f"{len(errors)} set(s) have malformed files; the first: {errors[0]['message']}"
            )
