"""Writing what a score run produces, atomically: per-item files, results.json, leaderboard files.

The layout is a contract other parts read (``xtremer_robust.report.score_outputs``):

- ``<out>/results.json``: ``{"schema": "xtremer-robust/results/v1", "model": {...},
  "harness": {...}, "cells": [...]}``, one cell per (task, language, split, variant);
- ``<out>/items/<task>/<lang>/<split>/<variant>.jsonl``: one line per item, ``{"id",
  "content_hash", "prediction", "stats", "index"}`` (``index`` = position in the set,
  which lets shards merge back into the unsharded order);
- ``<out>/xtreme/<task>/test-<lang>.<ext>``: the XTREME leaderboard layout of the clean cells.

Every file is written to a temporary file in its own folder and renamed into place, so a
crash leaves either the old file or the new one, never half of one.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any, Sequence

from xtremer_robust.atomic import atomic_write_text
from xtremer_robust.schema import RESULTS_SCHEMA
from xtremer_robust.safepaths import check_name, safe_relpath

__all__ = ["RESULTS_SCHEMA", "items_relpath", "write_items", "write_results", "sha256_file"]



def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def items_relpath(task: str, language: str, split: str, variant: str) -> str:
    """``items/<task>/<lang>/<split>/<variant>.jsonl``; every part must be a safe name (the output boundary)."""
    for field, value in (("task", task), ("language", language), ("split", split), ("variant", variant)):
        check_name(value, field=f"cell {field}")
    return f"items/{task}/{language}/{split}/{variant}.jsonl"


def write_items(out: Path, relpath: str, rows: Sequence[dict[str, Any]]) -> str:
    """Write one cell's per-item lines inside ``out``; returns the file's sha256."""
    text = "".join(json.dumps(row, ensure_ascii=False, separators=(",", ":")) + "\n" for row in rows)
    path = safe_relpath(out, relpath, field="items file")
    atomic_write_text(path, text)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def write_results(out: Path, model: dict[str, Any], harness: dict[str, Any], cells: list[dict[str, Any]], **extra: Any) -> Path:
    """Write ``results.json`` last: its presence means the run finished."""
    payload = {"schema": RESULTS_SCHEMA, "model": model, "harness": harness, "cells": cells, **extra}
    path = out / "results.json"
    atomic_write_text(path, json.dumps(payload, ensure_ascii=False, indent=2) + "\n")
    return path
