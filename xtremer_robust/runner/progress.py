"""Rich progress for a score run: one bar over cells (task, language, variant), one over items."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.text import Text
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

__all__ = ["RichReporter"]


class RichReporter:
    """Implements the runner's Reporter hooks with two rich progress bars."""

    def __init__(self, console: Console):
        self.console = console
        self.progress = Progress(
            TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), TimeRemainingColumn(),
            console=console, transient=False,
        )
        self._cells: Any = None
        self._items: Any = None

    def __enter__(self) -> "RichReporter":
        self.progress.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self.progress.__exit__(*exc)

    def start(self, n_cells: int) -> None:
        self._cells = self.progress.add_task("cells", total=n_cells)

    def cell(self, plan: Any, n_items: int) -> None:
        if self._items is not None:
            self.progress.remove_task(self._items)
        if self._cells is not None and self.progress.tasks[self._cells].completed < self.progress.tasks[self._cells].total:
            started = getattr(self, "_started", False)
            if started:
                self.progress.advance(self._cells)
        self._started = True
        label = f"{plan.task.name}/{plan.language}/{plan.variant}"
        self.progress.update(self._cells, description=f"cells  {escape(label)}")
        self._items = self.progress.add_task("  items", total=n_items)

    def advance(self, n: int) -> None:
        if self._items is not None:
            self.progress.advance(self._items, n)

    def note(self, message: str) -> None:
        self.console.print(Text(message, style="yellow"))

    def finish(self) -> None:
        if self._cells is not None:
            self.progress.update(self._cells, completed=self.progress.tasks[self._cells].total)
