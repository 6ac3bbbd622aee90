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
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from xtremer_robust.errors import ConfigError, SchemaError, XtremerError
from xtremer_robust.metrics import metric_for_task
from xtremer_robust.metrics.item_stats import check_item_stats
from xtremer_robust.runner.outputs import items_relpath, write_items, write_results
from xtremer_robust.safepaths import check_name, check_output_dir, safe_relpath
from xtremer_robust.strict_json import load_json_file, loads_strict

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


#: A shard's items file is a score run's own output: one line per item, each far below 1 MiB.
_MAX_ITEM_LINE = 1024 * 1024


def _read_lines(path: Path, stat_names: list[str], labelled: bool) -> list[dict[str, Any]]:
    """The per-item rows of one shard's cell, each checked (object, index, stats of the right width and range)."""
    rows = []
    try:
        handle = path.open("rb")
    except OSError as exc:
        raise SchemaError(f"{path}: cannot read this shard's items file ({exc.strerror}); rerun that shard") from None
    with handle:
        for number, line in enumerate(iter(lambda: handle.readline(_MAX_ITEM_LINE + 1), b""), start=1):
            where = f"{path}, line {number}"
            if len(line) > _MAX_ITEM_LINE:
                raise SchemaError(f"{where}: longer than {_MAX_ITEM_LINE:,} bytes; this is not a score run's items file")
            if not line.strip():
                continue
            try:
                text = line.decode("utf-8")
            except UnicodeDecodeError:
                raise SchemaError(f"{where}: not UTF-8 text; rerun that shard") from None
            row = loads_strict(text, where=where, max_depth=8)
            index = row.get("index") if isinstance(row, dict) else None
            if not isinstance(row, dict) or not isinstance(row.get("id"), str) or not isinstance(index, int) or isinstance(index, bool) or index < 0:
                raise SchemaError(f"{where}: expected an object with a string 'id' and an integer 'index' >= 0; rerun that shard")
            stats = row.get("stats")
            if labelled:
                if not isinstance(stats, list) or len(stats) != len(stat_names) or not all(
                    isinstance(v, (int, float)) and not isinstance(v, bool) for v in stats
                ):
                    raise SchemaError(f"{where}: 'stats' must be a list of {len(stat_names)} numbers ({', '.join(stat_names)})")
                check_item_stats(stat_names, stats, where=where)
            rows.append(row)
    return rows


def _read_run(folder: Path) -> dict[str, Any]:
    """One shard's results.json, strictly parsed and shape-checked."""
    path = Path(folder) / "results.json"
    if not path.is_file():
        raise SchemaError(f"{path}: missing; every shard must finish before merging (rerun that shard: it resumes).")
    run = load_json_file(path)
    shard = run.get("shard") if isinstance(run, dict) else None
    if not isinstance(run, dict) or not isinstance(run.get("cells"), list) or not isinstance(run.get("unlabelled", []), list):
        raise SchemaError(f"{path}: expected a score run's results.json with a 'cells' list; rerun that shard")
    if not isinstance(shard, dict) or not all(isinstance(shard.get(k), int) and not isinstance(shard.get(k), bool) for k in ("index", "count")):
        raise SchemaError(f"{path}: no 'shard' with integer index and count; is this the --out folder of `score --shard i/n`?")
    model = run.get("model")
    if not isinstance(model, dict) or not isinstance(model.get("weights_sha256"), str) or not isinstance(run.get("harness", {}), dict):
        raise SchemaError(f"{path}: 'model.weights_sha256' (a string) and 'harness' (an object) are required; rerun that shard")
    for position, cell in enumerate([*run["cells"], *run.get("unlabelled", [])]):
        where = f"{path}: cells[{position}]"
        if not isinstance(cell, dict):
            raise SchemaError(f"{where}: expected an object")
        for name in ("task", "language", "split", "variant", "items_file"):
            if not isinstance(cell.get(name), str):
                raise SchemaError(f"{where}.{name}: expected a string, got {type(cell.get(name)).__name__}")
        for name in ("task", "language", "split", "variant"):
            check_name(cell[name], field=f"{where}.{name}")
        names = cell.get("stat_names")
        if not isinstance(names, list) or not all(isinstance(n, str) for n in names) or not isinstance(cell.get("labelled", True), bool):
            raise SchemaError(f"{where}: 'stat_names' must be a list of strings and 'labelled' a boolean")
    return run


def merge_shards(shard_dirs: Sequence[Path], out: Path) -> Path:
    """Merge the score folders of shards 0..n-1 into ``out``; returns the merged results.json.

    Shard folders are input like any other: results.json is parsed strictly, every name in
    it must be a safe path component, and each ``items_file`` must resolve inside its own
    shard folder (no ``..``, no absolute path, no link out of it).
    """
    check_output_dir(out, option="--out")
    runs = [_read_run(Path(folder)) for folder in shard_dirs]
    shards = sorted(r["shard"]["index"] for r in runs)
    count = runs[0]["shard"]["count"]
    if shards != list(range(count)) or any(r["shard"]["count"] != count for r in runs):
        raise SchemaError(f"merge-shards: expected shards 0..n-1 of one run, got indices {shards} of n={count}")
    weights = {r["model"]["weights_sha256"] for r in runs}
    if len(weights) != 1:
        raise SchemaError("merge-shards: the shards were scored with different model weights; they cannot be merged")
    cells: dict[tuple, list[tuple[dict, list[dict]]]] = {}
    for folder, run in zip(shard_dirs, runs):
        for cell in [*run["cells"], *run.get("unlabelled", [])]:
            key = (cell["task"], cell["language"], cell["split"], cell["variant"])
            items = safe_relpath(Path(folder), cell["items_file"], field=f"{Path(folder) / 'results.json'}: items_file")
            labelled = cell.get("labelled", True)
            cells.setdefault(key, []).append((cell, _read_lines(items, cell["stat_names"], labelled)))
    merged_cells, unlabelled = [], []
    for key, parts in cells.items():
        rows = sorted((row for _, lines in parts for row in lines), key=lambda r: r["index"])
        if [r["index"] for r in rows] != list(range(len(rows))):
            raise SchemaError(f"merge-shards: cell {key} has missing or repeated items across shards")
        first = dict(parts[0][0])
        if any(cell["stat_names"] != first["stat_names"] for cell, _ in parts):
            raise SchemaError(f"merge-shards: cell {key} has different stat_names in different shards")
        task, language = key[0], key[1]
        try:
            metric = metric_for_task(task, language)
        except XtremerError as exc:
            raise SchemaError(f"merge-shards: cell {key}: {exc}") from None
        flags = {cell.get("labelled", True) for cell, _ in parts}
        if len(flags) != 1:
            raise SchemaError(f"merge-shards: cell {key} is labelled in some shards and not in others; rerun the shards")
        labelled = flags.pop()
        if labelled and tuple(first["stat_names"]) != tuple(metric.stat_names):
            raise SchemaError(f"merge-shards: cell {key}: stat_names {first['stat_names']}, but {task} scores with {list(metric.stat_names)}")
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
    harness = dict(runs[0].get("harness") or {})
    harness["merged_from_shards"] = count
    rates = [(r.get("harness") or {}).get("throughput_items_per_s") for r in runs]
    numeric = all(isinstance(r, (int, float)) and not isinstance(r, bool) and r > 0 for r in rates)
    harness["throughput_items_per_s"] = sum(rates) if numeric else None
    skipped = runs[0].get("skipped", [])
    return write_results(out, runs[0]["model"], harness, merged_cells, skipped=skipped if isinstance(skipped, list) else [],
                         unlabelled=unlabelled)
