"""Reading what ``xtremer-robust score`` wrote: ``results.json`` and the per-item files.

The contract (the runner's side): ``<out>/results.json`` holds ``{"schema":
"xtremer-robust/results/v1", "model": {...}, "harness": {...}, "cells": [{task, language,
split, variant, metric, score, n, subset_sha256, stat_names, items_file, items_sha256}]}``
and each ``items_file`` (relative to ``<out>``) is JSON lines ``{"id", "content_hash",
"prediction", "stats": [...]}``. The files are read with the same caution as a submission:
they may have been copied from another machine.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from xtremer_robust.errors import SchemaError
from xtremer_robust.schema import RESULTS_SCHEMA
from xtremer_robust.metrics.item_stats import check_item_stats
from xtremer_robust.report.safe_json import MAX_LINE_BYTES, load_json_file, loads_strict, safe_relative_path

__all__ = ["RESULTS_SCHEMA", "CellItems", "ScoreRun", "read_score_run", "CellKey"]


#: (task, language, split, variant)
CellKey = tuple[str, str, str, str]


@dataclass(frozen=True)
class CellItems:
    """One scored cell: its record in results.json and its items in file order."""

    record: dict[str, Any]
    ids: tuple[str, ...]
    content_hashes: tuple[str, ...]
    predictions: tuple[Any, ...]
    stats: np.ndarray  # (n_items, n_stats)

    @property
    def key(self) -> CellKey:
        r = self.record
        return (r["task"], r["language"], r["split"], r["variant"])


@dataclass(frozen=True)
class ScoreRun:
    """A score output folder, read and checked."""

    root: Path
    results: dict[str, Any]
    cells: dict[CellKey, CellItems]
    #: Cells that carry no scores (unlabelled sets) and sets the run skipped, with the reason.
    skipped: list[dict[str, Any]]


_CELL_FIELDS = ("task", "language", "split", "variant", "metric", "score", "n", "stat_names", "items_file")


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _read_items(path: Path, n_stats: int, stat_names: list[str] | None = None) -> tuple[list[str], list[str], list[Any], np.ndarray]:
    ids: list[str] = []
    hashes: list[str] = []
    preds: list[Any] = []
    rows: list[list[float]] = []
    with path.open("rb") as handle:
        for number, line in enumerate(iter(lambda: handle.readline(MAX_LINE_BYTES + 1), b""), start=1):
            if not line.strip():
                continue
            where = f"{path}, line {number}"
            if len(line) > MAX_LINE_BYTES:
                raise SchemaError(f"{where}: longer than {MAX_LINE_BYTES:,} bytes")
            obj = loads_strict(line.decode("utf-8", errors="strict"), where=where, max_depth=8)
            if not isinstance(obj, dict) or not {"id", "stats"} <= set(obj):
                raise SchemaError(f"{where}: expected an object with 'id' and 'stats', got {str(obj)[:80]}")
            stats = obj["stats"]
            if (
                not isinstance(stats, list)
                or len(stats) != n_stats
                or not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in stats)
            ):
                raise SchemaError(f"{where}: 'stats' must be a list of {n_stats} numbers, got {str(stats)[:80]}")
            if stat_names is not None:
                check_item_stats(stat_names, stats, where=where)
            ids.append(str(obj["id"]))
            hashes.append(str(obj.get("content_hash") or ""))
            preds.append(obj.get("prediction"))
            rows.append([float(v) for v in stats])
    if len(set(ids)) != len(ids):
        raise SchemaError(f"{path}: item ids repeat; every item of a cell needs its own id")
    return ids, hashes, preds, np.asarray(rows, dtype=np.float64).reshape(len(rows), n_stats)


def read_score_run(root: str | Path) -> ScoreRun:
    """Read ``<root>/results.json`` and every cell's items, checking hashes and counts."""
    root = Path(root)
    results_path = root / "results.json"
    if not results_path.is_file():
        raise SchemaError(
            f"{results_path}: not found; pass the --out folder of `xtremer-robust score` (it holds results.json)"
        )
    results = load_json_file(results_path)
    if not isinstance(results, dict) or results.get("schema") != RESULTS_SCHEMA:
        got = results.get("schema") if isinstance(results, dict) else type(results).__name__
        raise SchemaError(f"{results_path}: expected schema '{RESULTS_SCHEMA}', got {got!r}")
    if "shard" in results:
        raise SchemaError(
            f"{results_path}: this is one shard of a sharded run; merge the shards first "
            "(`xtremer-robust merge-shards`) and build the submission from the merged folder"
        )
    raw_cells = results.get("cells")
    if not isinstance(raw_cells, list) or not raw_cells:
        raise SchemaError(f"{results_path}: 'cells' must be a non-empty list; did the score run finish?")
    cells: dict[CellKey, CellItems] = {}
    skipped = [
        {k: str(s.get(k)) for k in ("task", "language", "reason")} for s in results.get("skipped") or [] if isinstance(s, dict)
    ]
    for position, record in enumerate(raw_cells):
        where = f"{results_path}: cells[{position}]"
        if not isinstance(record, dict):
            raise SchemaError(f"{where}: expected an object")
        missing = [name for name in _CELL_FIELDS if name not in record]
        if missing:
            raise SchemaError(f"{where}: missing {missing}")
        wrong = [k for k in ("task", "language", "split", "variant", "metric", "items_file") if not isinstance(record[k], str)]
        if wrong or not isinstance(record["n"], int) or not (
            isinstance(record["stat_names"], list) and all(isinstance(v, str) for v in record["stat_names"])
        ):
            raise SchemaError(f"{where}: expected strings for {', '.join(wrong) or 'the names'}, an integer n and a list of stat_names")
        if record.get("labelled") is False or record.get("score") is None:
            skipped.append({
                "task": str(record["task"]), "language": str(record["language"]), "split": str(record["split"]),
                "variant": str(record["variant"]), "reason": "no gold labels in this set (predictions only)",
            })
            continue
        items_path = safe_relative_path(root, record["items_file"], field=f"{where}.items_file")
        if not items_path.is_file():
            raise SchemaError(f"{where}: items file '{record['items_file']}' does not exist under {root}")
        expected_sha = record.get("items_sha256")
        if expected_sha and _sha256_file(items_path) != expected_sha:
            raise SchemaError(f"{where}: items file '{record['items_file']}' does not match its items_sha256")
        ids, hashes, preds, stats = _read_items(items_path, len(record["stat_names"]), record["stat_names"])
        if len(ids) != record["n"]:
            raise SchemaError(f"{where}: n = {record['n']} but '{record['items_file']}' has {len(ids)} items")
        if not ids:
            raise SchemaError(f"{where}: the cell has no items")
        cell = CellItems(dict(record), tuple(ids), tuple(hashes), tuple(preds), stats)
        if cell.key in cells:
            raise SchemaError(f"{where}: cell {cell.key} appears twice")
        cells[cell.key] = cell
    if not cells:
        raise SchemaError(f"{results_path}: no cell has scores (all sets were unlabelled or skipped); nothing to submit")
    return ScoreRun(root, results, cells, skipped)
