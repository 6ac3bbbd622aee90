"""The XTREME leaderboard layout of a finished run, written from the runner's records.

The runner returns one record per scored cell and writes each cell's per-item predictions
(``items/...jsonl``); this part turns the clean cells of a complete run (no ``--limit``,
no ``--shard``: the leaderboard needs every test item) into ``<out>/xtreme/<task>/test-<lang>.<ext>``.
The set is read again through its plan for what the items files do not hold (Tatoeba's
English pool, whose texts fix XTREME's sorted index space).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Sequence

from xtremer_robust.errors import DataError
from xtremer_robust.report.xtreme_layout import write_xtreme_predictions
from xtremer_robust.runner.cells import CLEAN, CellPlan

__all__ = ["write_run_layout"]


def _predictions(out: Path, cell: dict[str, Any]) -> dict[str, Any]:
    path = out / cell["items_file"]
    rows = {}
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            try:
                row = json.loads(line)
                rows[row["id"]] = row["prediction"]
            except (json.JSONDecodeError, KeyError, TypeError) as exc:
                raise DataError(f"expected an items line with 'id' and 'prediction' ({exc!r})", path=path, line=number) from exc
    return rows


def write_run_layout(out: str | Path, plans: Sequence[CellPlan]) -> list[Path]:
    """Write the layout file of every clean cell, labelled or not, of the run under ``out``.

    ``plans`` are the run's cell plans (to read each set's items and candidate pool).
    Returns the written paths, in the order of ``results.json``.
    """
    out = Path(out)
    results_path = out / "results.json"
    try:
        results = json.loads(results_path.read_text(encoding="utf-8"))
        cells = [*results["cells"], *results.get("unlabelled", [])]
    except (OSError, json.JSONDecodeError, KeyError, TypeError) as exc:
        raise DataError(f"expected the results.json of a finished score run ({exc!r})", path=results_path) from exc
    by_key = {(p.task.name, p.language, p.split, p.variant): p for p in plans}
    written = []
    for cell in cells:
        if cell["variant"] != CLEAN:
            continue
        plan = by_key[(cell["task"], cell["language"], cell["split"], cell["variant"])]
        data, _ = plan.load()
        stored = _predictions(out, cell)
        items = [item for item in data.items if item.id in stored]
        if len(items) != len(data.items):
            raise DataError(
                f"{cell['task']}/{cell['language']}: the run scored {len(items)} of {len(data.items)} items; the "
                "leaderboard layout needs every test item (run without --limit and --shard)",
                path=out / cell["items_file"],
            )
        predictions = [stored[item.id] for item in items]
        if data.candidates:
            predictions = [p["top"] for p in predictions]
        written.append(
            write_xtreme_predictions(out / "xtreme", cell["task"], cell["language"], predictions, items, candidates=data.candidates or None)
        )
    return written
