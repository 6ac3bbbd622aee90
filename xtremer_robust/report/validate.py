"""``validate``: is a submission file safe, well-formed, internally consistent and hash-linked?

Layers, cheapest first, stopping at the first problem with a message that names the field:
1. hostile input (size cap before parsing, depth cap, NaN/Infinity, duplicate keys, UTF-8),
   see :mod:`xtremer_robust.report.safe_json`;
2. the JSON Schema shipped in the package (types, required fields, no unknown fields);
3. ranges the schema cannot say: one score scale throughout, ``ci_low <= value <= ci_high``,
   ``p <= p_holm``, unique cells, languages and tiers as in the languages table, one subset
   entry per cell;
4. consistency: each gap equals clean minus perturbed; Holm/BH recomputed; every aggregate
   recomputed from the cells and gaps;
5. the per-item sidecar: a path that stays in the submission's folder, its sha256, every
   per-item statistic within its metric's range, and every cell's score recomputed from its items.
Nothing in the file is executed, imported or unpickled.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
from jsonschema import Draft202012Validator
from jsonschema.exceptions import best_match

from xtremer_robust.errors import SchemaError
from xtremer_robust.languages import all_languages
from xtremer_robust.report.aggregates import AggEntry, combine, plan_aggregates
from xtremer_robust.metrics.item_stats import check_item_stats
from xtremer_robust.report.safe_json import iter_jsonl_gz, load_json_file, safe_relative_path
from xtremer_robust.report.scoring import metric_for_cell
from xtremer_robust.report.submission import load_schema
from xtremer_robust.safepaths import check_name
from xtremer_robust.schema import CLEAN
from xtremer_robust.stats import benjamini_hochberg, holm

__all__ = ["ValidationReport", "validate_submission", "validate_document", "load_submission"]

_TOL = 1e-6


@dataclass(frozen=True)
class ValidationReport:
    """What was checked in a valid submission."""

    path: str
    n_cells: int
    n_gaps: int
    n_aggregates: int
    n_items: int | None  # None when the sidecar was not checked


@lru_cache(maxsize=1)
def _validator() -> Draft202012Validator:
    return Draft202012Validator(load_schema())


def _where(error: Any) -> str:
    parts = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in error.absolute_path)
    return parts.lstrip(".") or "(top level)"


def _check_schema(doc: Any) -> None:
    if not isinstance(doc, dict):
        raise SchemaError(f"the top level must be a JSON object (a submission), got {type(doc).__name__}")
    if doc.get("schema") != "xtremer-robust/submission/v1":
        raise SchemaError(
            f"schema: expected 'xtremer-robust/submission/v1', got {doc.get('schema')!r}; "
            "is this a submission (not a results.json)? Build one with `xtremer-robust submit`"
        )
    error = best_match(_validator().iter_errors(doc))
    if error is not None:
        raise SchemaError(f"{_where(error)}: {error.message}")


def _check_interval(where: str, low: float, value: float, high: float) -> None:
    if not low - _TOL <= value <= high + _TOL:
        raise SchemaError(f"{where}: expected ci_low <= value <= ci_high, got {low} <= {value} <= {high}")


def _check_ranges(doc: dict[str, Any]) -> None:
    top = 1.0 if doc["statistics"]["score_scale"] == "fraction" else 100.0
    seen: set[tuple[str, ...]] = set()
    for i, cell in enumerate(doc["cells"]):
        key = (cell["task"], cell["language"], cell["split"], cell["variant"])
        if key in seen:
            raise SchemaError(f"cells[{i}]: cell {'/'.join(key)} appears twice")
        seen.add(key)
        for name in ("score", "ci_low", "ci_high"):
            if cell[name] > top:
                raise SchemaError(
                    f"cells[{i}].{name}: {cell[name]} is above {top:g}, but statistics.score_scale is "
                    f"'{doc['statistics']['score_scale']}'; use one scale throughout"
                )
        _check_interval(f"cells[{i}]", cell["ci_low"], cell["score"], cell["ci_high"])
    for i, gap in enumerate(doc["gaps"]):
        _check_interval(f"gaps[{i}]", gap["ci_low"], gap["gap"], gap["ci_high"])
        if gap["p_holm"] < gap["p_value"] - _TOL or gap["p_bh"] < gap["p_value"] - _TOL:
            raise SchemaError(f"gaps[{i}]: adjusted p-values cannot be below the raw p_value {gap['p_value']}")
    for bucket in ("per_task", "per_tier", "overall"):
        for i, agg in enumerate(doc["aggregates"][bucket]):
            _check_interval(f"aggregates.{bucket}[{i}]", agg["ci_low"], agg["value"], agg["ci_high"])


def _check_languages_and_subsets(doc: dict[str, Any]) -> None:
    """Languages and tiers from the languages table (a tier drives the tier aggregates); one subset entry per cell."""
    table = all_languages()
    for section in ("cells", "gaps"):
        for i, record in enumerate(doc[section]):
            language = table.get(record["language"])
            if language is None:
                raise SchemaError(f"{section}[{i}].language: '{record['language']}' is not one of the 50 XTREME-R languages")
            if record["tier"] != language.tier:
                raise SchemaError(
                    f"{section}[{i}].tier: '{record['tier']}', but {record['language']} is a {language.tier}-resource language"
                )
    cells = sorted((c["task"], c["language"], c["split"], c["variant"]) for c in doc["cells"])
    entries = sorted((e["task"], e["language"], e["split"], e["variant"]) for e in doc["subsets"]["entries"])
    if cells != entries:
        extra = sorted(set(entries) - set(cells)) or sorted(set(cells) - set(entries)) or ["a repeated entry"]
        raise SchemaError(f"subsets.entries: expected one entry per cell; mismatch at {extra[0]}")


def _check_consistency(doc: dict[str, Any]) -> None:
    cells = {(c["task"], c["language"], c["split"], c["variant"]): c for c in doc["cells"]}
    for i, gap in enumerate(doc["gaps"]):
        if not math.isclose(gap["gap"], gap["clean_score"] - gap["perturbed_score"], abs_tol=_TOL):
            raise SchemaError(
                f"gaps[{i}].gap: {gap['gap']} is not clean_score - perturbed_score = "
                f"{gap['clean_score'] - gap['perturbed_score']}"
            )
        clean = cells.get((gap["task"], gap["language"], gap["split"], CLEAN))
        pert = cells.get((gap["task"], gap["language"], gap["split"], gap["variant"]))
        if clean is None or pert is None:
            raise SchemaError(f"gaps[{i}]: no clean or no '{gap['variant']}' cell for {gap['task']}/{gap['language']}")
        if gap["n"] == clean["n"] == pert["n"] and not (
            math.isclose(gap["clean_score"], clean["score"], abs_tol=_TOL)
            and math.isclose(gap["perturbed_score"], pert["score"], abs_tol=_TOL)
        ):
            raise SchemaError(f"gaps[{i}]: its scores differ from the cells' scores although all items are shared")
    if doc["gaps"]:
        raw = np.array([g["p_value"] for g in doc["gaps"]])
        for name, adjusted in (("p_holm", holm(raw)), ("p_bh", benjamini_hochberg(raw))):
            for i, (gap, expected) in enumerate(zip(doc["gaps"], adjusted)):
                if not math.isclose(gap[name], expected, abs_tol=_TOL):
                    raise SchemaError(f"gaps[{i}].{name}: {gap[name]} but the adjustment over all gaps gives {expected}")
    entries = [AggEntry("score", c["task"], c["split"], c["language"], c["tier"], c["variant"]) for c in doc["cells"]]
    entries += [AggEntry("gap", g["task"], g["split"], g["language"], g["tier"], g["variant"]) for g in doc["gaps"]]
    values = [c["score"] for c in doc["cells"]] + [g["gap"] for g in doc["gaps"]]
    expected = {(p.kind, p.scope, p.variant): (float(combine(p, values)), p) for p in plan_aggregates(entries)}
    stored = {}
    for bucket in ("per_task", "per_tier", "overall"):
        for i, agg in enumerate(doc["aggregates"][bucket]):
            stored[(agg["kind"], agg["scope"], agg["variant"])] = (f"aggregates.{bucket}[{i}]", agg)
    for key, (where, agg) in stored.items():
        if key not in expected:
            raise SchemaError(f"{where}: aggregate {key} has no cells behind it")
        value, plan = expected[key]
        if not math.isclose(agg["value"], value, abs_tol=_TOL):
            raise SchemaError(f"{where}.value: {agg['value']}, but recomputed from the cells it is {value}")
        if agg["complete"] != plan.complete or sorted(agg["tasks"]) != sorted(plan.groups):
            raise SchemaError(f"{where}: 'tasks' or 'complete' do not match the cells present")
    missing = sorted(set(expected) - set(stored))
    if missing:
        raise SchemaError(f"aggregates: missing {missing[0]} (and {len(missing) - 1} more); rebuild with `submit`")


def _check_sidecar(doc: dict[str, Any], folder: Path) -> int:
    spec = doc["items"]
    path = safe_relative_path(folder, spec["path"], field="items.path")
    check_name(spec["path"], field="items.path")  # and one plain file name, beside the submission
    if not path.is_file():
        raise SchemaError(f"items.path: sidecar '{spec['path']}' not found beside the submission (in {folder})")
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    if digest.hexdigest() != spec["sha256"]:
        raise SchemaError(f"items.sha256: the sidecar '{spec['path']}' has another hash; it was changed or swapped")
    cells = {(c["task"], c["language"], c["split"], c["variant"]): c for c in doc["cells"]}
    rows: dict[tuple[str, ...], list[list[float]]] = {key: [] for key in cells}
    ids: dict[tuple[str, ...], set[str]] = {key: set() for key in cells}
    n_lines = 0
    for number, obj in iter_jsonl_gz(path):
        where = f"{spec['path']}, line {number}"
        if not isinstance(obj, dict) or not {"task", "language", "split", "variant", "id", "stats"} <= set(obj):
            raise SchemaError(f"{where}: expected an object with task, language, split, variant, id, stats")
        wrong = [k for k in ("task", "language", "split", "variant", "id") if not isinstance(obj[k], str)]
        if wrong:
            raise SchemaError(f"{where}: {', '.join(wrong)} must be strings, got {', '.join(type(obj[k]).__name__ for k in wrong)}")
        key = (obj["task"], obj["language"], obj["split"], obj["variant"])
        if key not in cells:
            raise SchemaError(f"{where}: cell {key} is not in the submission's cells")
        stats = obj["stats"]
        width = len(cells[key]["stat_names"])
        if not isinstance(stats, list) or len(stats) != width or not all(
            isinstance(v, (int, float)) and not isinstance(v, bool) for v in stats
        ):
            raise SchemaError(f"{where}: 'stats' must be a list of {width} numbers")
        check_item_stats(cells[key]["stat_names"], stats, where=where)
        if obj["id"] in ids[key]:
            raise SchemaError(f"{where}: item id {obj['id']!r} repeats in cell {key}")
        ids[key].add(obj["id"])
        rows[key].append(stats)
        n_lines += 1
    if n_lines != spec["n_lines"]:
        raise SchemaError(f"items.n_lines: {spec['n_lines']}, but the sidecar has {n_lines} lines")
    for key, cell in cells.items():
        if len(rows[key]) != cell["n"]:
            raise SchemaError(f"cell {'/'.join(key)}: n = {cell['n']}, but the sidecar has {len(rows[key])} items")
        metric = metric_for_cell(cell["metric"], cell["stat_names"], cell["language"])
        score = metric.score(np.asarray(rows[key], dtype=np.float64))
        if doc["statistics"]["score_scale"] == "percent":
            score *= 100
        if not math.isclose(score, cell["score"], abs_tol=_TOL):
            raise SchemaError(f"cell {'/'.join(key)}: score {cell['score']}, but its items in the sidecar give {score}")
    return n_lines


def validate_document(doc: Any, folder: Path | None, *, where: str = "submission") -> ValidationReport:
    """Check a parsed submission; ``folder`` holds its sidecar (None: skip the sidecar)."""
    _check_schema(doc)
    _check_ranges(doc)
    _check_languages_and_subsets(doc)
    _check_consistency(doc)
    n_items = _check_sidecar(doc, folder) if folder is not None else None
    n_aggs = sum(len(doc["aggregates"][b]) for b in ("per_task", "per_tier", "overall"))
    return ValidationReport(where, len(doc["cells"]), len(doc["gaps"]), n_aggs, n_items)


def load_submission(path: str | Path, *, check_items: bool = True) -> tuple[dict[str, Any], ValidationReport]:
    """Read, check and return a submission; raises :class:`SchemaError` naming the problem."""
    path = Path(path)
    doc = load_json_file(path)
    try:
        report = validate_document(doc, path.parent if check_items else None, where=str(path))
    except SchemaError as exc:
        raise SchemaError(f"{path}: {exc}") from None
    return doc, report


def validate_submission(path: str | Path, *, check_items: bool = True) -> ValidationReport:
    """``xtremer-robust validate FILE``: the report of a valid file, or :class:`SchemaError`."""
    return load_submission(path, check_items=check_items)[1]
