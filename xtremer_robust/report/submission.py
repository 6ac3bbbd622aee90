"""Build the leaderboard submission (schema ``xtremer-robust/submission/v1``) from a score run.

``build_submission`` reads ``results.json`` and the per-item files of ``xtremer-robust
score``, recomputes every cell's score from its per-item statistics, adds paired-bootstrap
intervals, the robustness gap of every non-clean variant against the clean cell on the same
item ids (with McNemar or a permutation test, Holm and BH adjustments, flip rate and the
minimum detectable effect), and aggregates per task, tier and overall. Per-item predictions
go to a gzipped JSON-lines sidecar whose sha256 the submission pins, so that two
submissions can be compared item by item. Both files are written atomically, sidecar first.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from xtremer_robust.errors import ConfigError, SchemaError
from xtremer_robust.languages import all_languages
from xtremer_robust.metrics import Metric
from xtremer_robust.report.aggregates import CONVENTION, AggEntry, plan_aggregates
from xtremer_robust.report.provenance import harness_block, model_block, subsets_block
from xtremer_robust.report.safe_json import write_bytes_atomic
from xtremer_robust.safepaths import check_name, check_output_file
from xtremer_robust.schema import CLEAN
from xtremer_robust.report.score_outputs import CellItems, read_score_run
from xtremer_robust.report.scoring import headline_and_secondary, metric_for_cell
from xtremer_robust.stats import CellGap, PairedCell, Stratum, adjust_family, paired_gaps, score_cis, stratified_aggregate

__all__ = ["SUBMISSION_SCHEMA", "CLEAN_VARIANT", "build_submission", "load_schema", "sidecar_name"]

SUBMISSION_SCHEMA = "xtremer-robust/submission/v1"
CLEAN_VARIANT = CLEAN
_SCORE_TOLERANCE = 1e-6


def load_schema() -> dict[str, Any]:
    """The JSON Schema (Draft 2020-12) shipped with the package."""
    text = resources.files("xtremer_robust.report").joinpath("schemas/submission-v1.schema.json").read_text("utf-8")
    return json.loads(text)


def sidecar_name(submission_path: Path) -> str:
    """``submission.json`` -> ``submission.items.jsonl.gz`` (beside it)."""
    return f"{submission_path.stem}.items.jsonl.gz"


def _canonical(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def _label(key: tuple[str, ...]) -> str:
    return "/".join(key)


def _check_runner_score(cell: CellItems, mine: float) -> None:
    theirs = cell.record.get("score")
    if isinstance(theirs, (int, float)) and min(abs(theirs - mine), abs(theirs - 100 * mine)) > _SCORE_TOLERANCE:
        raise SchemaError(
            f"cell {_label(cell.key)}: results.json says score {theirs}, but its per-item statistics give {mine}; "
            "the items file and results.json disagree (re-run score)"
        )


def _align(clean: CellItems, pert: CellItems) -> PairedCell:
    """Clean and perturbed rows of the items both cells share (by id), and which predictions changed."""
    position = {item_id: i for i, item_id in enumerate(clean.ids)}
    pairs = [(position[item_id], j) for j, item_id in enumerate(pert.ids) if item_id in position]
    if not pairs:
        raise SchemaError(f"cell {_label(pert.key)}: no item id is shared with the clean cell; cannot pair them")
    ci = np.fromiter((p[0] for p in pairs), dtype=np.int64, count=len(pairs))
    pi = np.fromiter((p[1] for p in pairs), dtype=np.int64, count=len(pairs))
    changed = np.fromiter(
        (_canonical(clean.predictions[i]) != _canonical(pert.predictions[j]) for i, j in pairs), dtype=bool, count=len(pairs)
    )
    metric = metric_for_cell(pert.record["metric"], pert.record["stat_names"], pert.key[1])
    return PairedCell(_label(pert.key), clean.stats[ci], pert.stats[pi], metric, changed)


def _gap_record(key: tuple[str, str, str, str], tier: str, gap: CellGap) -> dict[str, Any]:
    task, language, split, variant = key
    d = gap.to_dict()
    return {
        "task": task, "language": language, "split": split, "variant": variant, "tier": tier,
        "metric": d["metric"], "clean_score": d["clean_score"], "perturbed_score": d["perturbed_score"],
        "gap": d["gap"], "ci_low": min(d["ci_low"], d["gap"]), "ci_high": max(d["ci_high"], d["gap"]),
        "ci_method": d["method"] if not d["method_note"] else f"{d['method']} ({d['method_note']})",
        "relative_drop": d["relative_drop"], "flip_rate": d["flip_rate"], "n": d["n"],
        "test": d["test"], "p_value": d["p_value"], "p_holm": d["p_holm"], "p_bh": d["p_bh"],
        "n_clean_only": d["n_clean_only"], "n_perturbed_only": d["n_perturbed_only"],
        "mde": d["mde"], "mde_method": d["mde_method"],
    }


def _sidecar_bytes(cells: list[CellItems]) -> tuple[bytes, int]:
    buffer = io.BytesIO()
    n_lines = 0
    # mtime=0 and no file name: the same items give byte-identical sidecars (and hashes).
    with gzip.GzipFile(filename="", mode="wb", fileobj=buffer, mtime=0) as handle:
        for cell in cells:
            task, language, split, variant = cell.key
            for item_id, chash, pred, stats in zip(cell.ids, cell.content_hashes, cell.predictions, cell.stats):
                line = {
                    "task": task,
                    "language": language,
                    "split": split,
                    "variant": variant,
                    "id": item_id,
                    "content_hash": chash,
                    "prediction": pred,
                    "stats": [float(v) for v in stats],
                }
                handle.write((_canonical(line) + "\n").encode("utf-8"))
                n_lines += 1
    return buffer.getvalue(), n_lines


def _aggregates(
    entries: list[AggEntry], strata: list[Stratum], *, n_resamples: int, seed: int, ci_level: float
) -> dict[str, list[dict[str, Any]]]:
    """Per-task, per-tier and overall aggregates through the statistics part's stratified bootstrap.

    Score aggregates use strata whose clean and perturbed sides are the same cell (only the
    clean-side interval is read; no test is needed, hence one permutation). Gap aggregates
    carry the stratified permutation p-value. Grouping (``Stratum.group`` = task/split) makes
    the statistics part's XTREME weights equal to the plan's mean of means.
    """
    out: dict[str, list[dict[str, Any]]] = {"per_task": [], "per_tier": [], "overall": []}
    for plan in plan_aggregates(entries):
        members = [strata[i] for group in plan.groups.values() for i in group]
        is_gap = plan.kind == "gap"
        agg = stratified_aggregate(
            members, label=plan.scope, n_resamples=n_resamples, seed=seed,
            n_permutations=n_resamples if is_gap else 1, confidence=ci_level, companions=False,
        )
        value, low, high = (agg.gap, agg.ci_low, agg.ci_high) if is_gap else (agg.clean_score, agg.clean_ci_low, agg.clean_ci_high)
        record = {
            "kind": plan.kind, "scope": plan.scope, "variant": plan.variant, "value": float(value),
            "ci_low": float(min(low, value)), "ci_high": float(max(high, value)),
            "tasks": sorted(plan.groups), "n_cells": plan.n_cells, "complete": plan.complete,
        }
        if is_gap:  # the result's method names the gap interval only, so score aggregates carry none
            record["ci_method"] = agg.method if not agg.method_note else f"{agg.method} ({agg.method_note})"
            record["p_value"] = float(agg.p_value)
        bucket = "per_task" if plan.scope.startswith("task:") else "per_tier" if plan.scope.startswith("tier:") else "overall"
        out[bucket].append(record)
    return out


def build_submission(
    score_out_dir: str | Path,
    *,
    out: str | Path | None = None,
    n_resamples: int = 10_000,
    seed: int = 0,
    ci_level: float = 0.95,
    intermediate_task: str | None = None,
    intermediate_steps: int | None = None,
    model_seed: int | None = None,
    subsets_dir: str | Path | None = None,
) -> dict[str, Any]:
    """Build, write (atomically) and return the submission of one score run.

    ``out`` defaults to ``<score_out_dir>/submission.json``; the sidecar
    ``<stem>.items.jsonl.gz`` is written beside it. ``subsets_dir`` is the ``build-subsets``
    folder the run scored (``score --subsets``): its index pins each subset's recipe and seed.
    """
    if n_resamples < 2:
        raise SchemaError(f"n_resamples: expected at least 2 bootstrap resamples (10,000 recommended), got {n_resamples}")
    out_path = Path(out) if out is not None else Path(score_out_dir) / "submission.json"
    check_output_file(out_path, option="--out")
    check_name(sidecar_name(out_path), field=f"--out '{out_path}': the sidecar name", error=ConfigError)
    run = read_score_run(score_out_dir)
    languages = all_languages()
    cells = [run.cells[key] for key in sorted(run.cells)]

    metrics: dict[tuple[str, str, str, str], Metric] = {}
    for cell in cells:
        if cell.key[1] not in languages:
            raise SchemaError(f"cell {_label(cell.key)}: language '{cell.key[1]}' is not one of the 50 XTREME-R languages")
        metrics[cell.key] = metric_for_cell(cell.record["metric"], cell.record["stat_names"], cell.key[1])
    cis = score_cis(
        [(_label(c.key), c.stats, metrics[c.key]) for c in cells], n_resamples=n_resamples, seed=seed, confidence=ci_level
    )
    cell_records, entries, strata = [], [], []
    for cell, ci in zip(cells, cis):
        task, language, split, variant = cell.key
        metric, tier = metrics[cell.key], languages[language].tier
        score, secondary = headline_and_secondary(metric, cell.stats)
        _check_runner_score(cell, score)
        record = {
            "task": task, "language": language, "split": split, "variant": variant, "tier": tier,
            "metric": cell.record["metric"], "stat_names": list(metric.stat_names), "score": score,
            "ci_low": min(ci.ci_low, score), "ci_high": max(ci.ci_high, score),
            "ci_method": ci.method if not ci.method_note else f"{ci.method} ({ci.method_note})",
            "n": int(cell.stats.shape[0]),
        }
        if secondary:
            record["secondary"] = secondary
        cell_records.append(record)
        entries.append(AggEntry("score", task, split, language, tier, variant))
        # A score aggregate is the clean side of a stratum whose two sides are the same cell.
        strata.append(Stratum(_label(cell.key), cell.stats, cell.stats, metric, f"{task}/{split}"))

    paired = [
        (c.key, _align(run.cells[(c.key[0], c.key[1], c.key[2], CLEAN_VARIANT)], c))
        for c in cells
        if c.key[3] != CLEAN_VARIANT and (c.key[0], c.key[1], c.key[2], CLEAN_VARIANT) in run.cells
    ]
    gaps = adjust_family(
        paired_gaps([p for _, p in paired], n_resamples=n_resamples, seed=seed, n_permutations=n_resamples, confidence=ci_level)
    ) if paired else []
    gap_records = []
    for (key, cell), gap in zip(paired, gaps):
        tier = languages[key[1]].tier
        gap_records.append(_gap_record(key, tier, gap))
        entries.append(AggEntry("gap", key[0], key[2], key[1], tier, key[3]))
        strata.append(Stratum(cell.label, cell.stats_clean, cell.stats_perturbed, cell.metric, f"{key[0]}/{key[2]}"))

    aggregates = _aggregates(entries, strata, n_resamples=n_resamples, seed=seed, ci_level=ci_level)

    sidecar, n_lines = _sidecar_bytes(cells)
    submission = {
        "schema": SUBMISSION_SCHEMA,
        "model": model_block(run.results.get("model") or {}, intermediate_task, intermediate_steps, model_seed),
        "harness": harness_block(run.results),
        "statistics": {
            "n_resamples": n_resamples,
            "seed": seed,
            "ci_level": ci_level,
            "ci_method": "paired bootstrap over items, BCa (percentile where BCa degenerates; each record names the "
            "method used); aggregates: stratified bootstrap (each language cell resampled on its own)",
            "gap_tests": "exact McNemar when per-item correctness is 0/1, else paired permutation (n_resamples swaps)",
            "adjustments": "Holm and Benjamini-Hochberg over all gaps of the submission",
            "score_scale": "fraction",
            "aggregation": CONVENTION,
            "implementation": "xtremer_robust.stats",
        },
        "subsets": subsets_block(run.results, [c.record for c in cells], Path(subsets_dir) if subsets_dir else None),
        "cells": cell_records,
        "skipped": run.skipped,
        "gaps": gap_records,
        "aggregates": {"convention": CONVENTION, **aggregates},
        "items": {
            "path": sidecar_name(out_path),
            "sha256": hashlib.sha256(sidecar).hexdigest(),
            "n_lines": n_lines,
            "format": "jsonl.gz",
        },
    }
    sidecar_path = out_path.parent / sidecar_name(out_path)
    existed = sidecar_path.exists()
    write_bytes_atomic(sidecar_path, sidecar)
    try:
        write_bytes_atomic(out_path, (json.dumps(submission, ensure_ascii=False, indent=1) + "\n").encode("utf-8"))
    except BaseException:
        if not existed:  # leave nothing behind: a sidecar without its submission is of no use
            sidecar_path.unlink(missing_ok=True)
        raise
    return submission
