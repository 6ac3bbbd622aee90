"""Split a run into shards (array jobs on a cluster, data-parallel GPUs) and merge them back.

An item belongs to shard ``i`` of ``n`` when ``sha256(id) mod n == i``: deterministic,
independent of item order and of which cells exist, and balanced for any ids. Each
shard writes an ordinary score folder holding its part of every cell (the per-item lines
carry their position in the full set); :func:`merge_shards` concatenates the parts in
that order and recomputes each cell's score from the per-item statistics, so the merged
folder equals what one unsharded run would have written.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from xtremer_robust.errors import ConfigError, SchemaError
from xtremer_robust.runner.outputs import items_relpath, write_items, write_results

__all__ = ["Shard", "parse_shard", "in_shard", "merge_shards"]

Shard = tuple[int, int]


def parse_shard(text: str | None) -> Shard | None:
    """``"i/n"`` (0 <= i < n) -> (i, n); None stays None."""
    if text is None:
        return None
    try:
        index, count = (int(part) for part in text.split("/"))
    except ValueError:
        raise ConfigError(f"--shard: expected i/n such as 0/4, got '{text}'") from None
    if count < 1 or not 0 <= index < count:
        raise ConfigError(f"--shard: expected 0 <= i < n, got '{text}'")
    return index, count


def in_shard(item_id: str, shard: Shard | None) -> bool:
    if shard is None or shard[1] == 1:
        return True
    digest = hashlib.sha256(item_id.encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") % shard[1] == shard[0]


def _read_lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def merge_shards(shard_dirs: Sequence[Path], out: Path) -> Path:
    """Merge the score folders of shards 0..n-1 into ``out``; returns the merged results.json."""
    from xtremer_robust.metrics import metric_for_task

    runs = []
    for folder in shard_dirs:
        path = Path(folder) / "results.json"
        if not path.is_file():
            raise SchemaError(f"{path}: missing; every shard must finish before merging (rerun that shard: it resumes).")
        runs.append(json.loads(path.read_text(encoding="utf-8")))
    shards = sorted((r.get("shard") or {}).get("index", -1) for r in runs)
    count = (runs[0].get("shard") or {}).get("count")
    if count is None or shards != list(range(count)):
        raise SchemaError(f"merge-shards: expected shards 0..n-1 of one run, got indices {shards} of n={count}")
    weights = {r["model"]["weights_sha256"] for r in runs}
    if len(weights) != 1:
        raise SchemaError("merge-shards: the shards were scored with different model weights; they cannot be merged")
    cells: dict[tuple, list[tuple[dict, list[dict]]]] = {}
    for folder, run in zip(shard_dirs, runs):
        for cell in [*run["cells"], *run.get("unlabelled", [])]:
            key = (cell["task"], cell["language"], cell["split"], cell["variant"])
            cells.setdefault(key, []).append((cell, _read_lines(Path(folder) / cell["items_file"])))
    merged_cells, unlabelled = [], []
    for key, parts in cells.items():
        rows = sorted((row for _, lines in parts for row in lines), key=lambda r: r["index"])
        if [r["index"] for r in rows] != list(range(len(rows))):
            raise SchemaError(f"merge-shards: cell {key} has missing or repeated items across shards")
        first = dict(parts[0][0])
        task, language = key[0], key[1]
        metric = metric_for_task(task, language)
        labelled = all(cell["labelled"] for cell, _ in parts)
        stats = np.asarray([r["stats"] for r in rows], dtype=np.float64).reshape(len(rows), len(first["stat_names"])) if labelled else None
        relpath = items_relpath(*key)
        first.update(
            score=metric.score(stats) if labelled else None,
            scores=metric.scores(stats) if labelled else {},
            labelled=labelled,
            n=len(rows),
            items_file=relpath,
            items_sha256=write_items(out, relpath, rows),
        )
        (merged_cells if labelled else unlabelled).append(first)
    harness = dict(runs[0]["harness"])
    harness["merged_from_shards"] = count
    rates = [r["harness"].get("throughput_items_per_s") for r in runs]
    harness["throughput_items_per_s"] = sum(rates) if all(rates) else None
    return write_results(out, runs[0]["model"], harness, merged_cells, skipped=runs[0].get("skipped", []), unlabelled=unlabelled)
