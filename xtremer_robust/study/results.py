"""Read a study's finished scoring units and compute its results (``study.json``).

Each model's per-item statistics are read from its ``results.json`` items files; the clean
and perturbed sets of one (language, variant) are aligned by item id (a perturbed subset
may hold fewer items, where a perturbation could not keep the label true), so every gap
is on the same items.
"""

from __future__ import annotations

import json
import platform
from pathlib import Path
from typing import Any

import numpy as np

from xtremer_robust import __version__
from xtremer_robust.errors import ConfigError, SchemaError
from xtremer_robust.languages import all_languages
from xtremer_robust.metrics.registry import metric_for_task
from xtremer_robust.report.score_outputs import read_score_run
from xtremer_robust.runner import CLEAN
from xtremer_robust.study.analysis import CellStats, GroupResult, StudyData, analyse_group
from xtremer_robust.study.config import StudyConfig
from xtremer_robust.study.run import _models, _score_dir

__all__ = ["collect", "compute_results", "STUDY_SCHEMA", "STUDY_VERSION"]

STUDY_SCHEMA = "xtremer-robust/study"
STUDY_VERSION = 1


def _model_cells(folder: Path) -> dict[tuple[str, str], tuple[tuple[str, ...], np.ndarray]]:
    """(language, variant) -> (item ids, per-item statistics) of one finished scoring unit.

    Read with the checks every score output gets (safe item paths, hashes, counts, value
    ranges): a study's folder is an input when it resumes.
    """
    run = read_score_run(folder)
    return {(c.record["language"], c.record["variant"]): (c.ids, c.stats) for c in run.cells.values()}


def _paired_order(seen: dict[tuple[str, str], tuple[tuple[str, ...], Path]], key: tuple[str, str], ids: tuple[str, ...],
                  folder: Path) -> tuple[str, ...]:
    """The item order of a cell shared by every model (the first one read), for paired draws.

    The analysis draws the same item positions for every duration, seed and arm, so every
    model must score the same items of a cell; a unit that scored others is refused.
    """
    first, where = seen.setdefault(key, (ids, folder))
    if set(first) != set(ids):
        raise SchemaError(f"{folder}: the items of {key[0]} {key[1]} differ from those of {where} (the analysis pairs items across "
                          "models); delete this scoring unit's folder and run the study again to rescore it")
    return first


def collect(config: StudyConfig, out: Path) -> tuple[dict[str, StudyData], list[dict[str, Any]]]:
    """Every finished model's aligned cells per target, and the flat table of cell scores."""
    data: dict[str, StudyData] = {}
    table: list[dict[str, Any]] = []
    for target, langs in config.targets.items():
        metric = metric_for_task(target)
        cells: dict[tuple[str, int, int], dict[tuple[str, str], CellStats]] = {}
        seen: dict[tuple[str, str], tuple[tuple[str, ...], Path]] = {}
        for (t, arm, duration, seed) in _models(config):
            if t != target:
                continue
            folder = _score_dir(out, t, arm, duration, seed)
            if not (folder / "unit.json").is_file():
                continue
            raw = _model_cells(folder)
            aligned: dict[tuple[str, str], CellStats] = {}
            for lang in langs:
                if (lang, CLEAN) not in raw:
                    continue
                clean_ids, clean_stats = raw[(lang, CLEAN)]
                clean = dict(zip(clean_ids, clean_stats))
                for variant in config.variants:
                    if (lang, variant) not in raw:
                        continue
                    pert = dict(zip(*raw[(lang, variant)]))
                    ids = tuple(i for i in clean_ids if i in pert)
                    if len(ids) < 2:
                        continue
                    ids = _paired_order(seen, (lang, variant), ids, folder)
                    cell = CellStats(np.stack([clean[i] for i in ids]), np.stack([pert[i] for i in ids]))
                    aligned[(lang, variant)] = cell
                    c, p = metric.score(cell.clean) * 100, metric.score(cell.perturbed) * 100
                    table.append({"target": target, "arm": arm, "duration": duration, "seed": seed, "language": lang,
                                  "variant": variant, "n": len(ids), "clean": round(c, 3), "perturbed": round(p, 3), "gap": round(c - p, 3)})
            cells[(arm, duration, seed)] = aligned
        data[target] = StudyData(target, metric, config.durations, config.seeds, cells)
    return data, table


def _groups(config: StudyConfig, target: str) -> list[tuple[str, list[tuple[str, str]]]]:
    langs = config.targets[target]
    table = all_languages()
    every = [(l, v) for l in langs for v in config.variants]
    groups = [("all", every)]
    for tier in ("high", "mid", "low"):
        members = [(l, v) for l, v in every if table[l].tier == tier]
        if members:
            groups.append((f"tier:{tier}", members))
    unseen = [(l, v) for l, v in every if not getattr(table[l], "in_xlmr", True)]
    if unseen:
        groups.append(("unseen:xlmr", unseen))
    for v in config.variants:
        groups.append((f"recipe:{v}", [(l, w) for l, w in every if w == v]))
    return groups


def _group_dict(result: GroupResult) -> dict[str, Any]:
    return {"arm": result.arm, "group": result.group, "durations": list(result.durations), "n_cells": result.n_cells,
            "n_items": result.n_items, "per_duration": list(result.per_duration), "trend": result.trend}


def compute_results(config: StudyConfig, out: Path, *, command: str) -> dict[str, Any]:
    """The whole ``study.json`` document from the finished units of ``out``."""
    import torch
    import transformers

    data, table = collect(config, out)
    targets: dict[str, Any] = {}
    for target, study in data.items():
        groups = []
        arms = [a for a in study.arms()]
        baseline_name = "none" if "none" in arms else None
        for group, members in _groups(config, target):
            base_reps = None
            ordered = ([baseline_name] if baseline_name else []) + [a for a in arms if a != baseline_name]
            for arm in ordered:
                try:
                    result, reps = analyse_group(study, arm, group, members, n_resamples=config.resamples,
                                                 seed=config.bootstrap_seed, baseline=base_reps if arm != baseline_name else None)
                except ConfigError:  # an arm without complete models yet (interrupted study): left out
                    continue
                if arm == baseline_name:
                    base_reps = reps
                groups.append(_group_dict(result))
        seeds_done = {arm: sorted({s for a, d, s in study.cells if a == arm}) for arm in arms}
        targets[target] = {"metric": study.metric.name, "languages": list(config.targets[target]),
                           "seeds_done": seeds_done, "groups": groups}
    return {
        "schema": STUDY_SCHEMA, "version": STUDY_VERSION, "name": config.name, "command": command,
        "config": json.loads(json.dumps(dict(config.raw), default=str)),
        "models_done": len({(r["target"], r["arm"], r["duration"], r["seed"]) for r in table}),
        "models_planned": len(_models(config)),
        "cells": table, "targets": targets,
        "bootstrap": {"resamples": config.resamples, "seed": config.bootstrap_seed, "method": "two-level (seeds, then items) percentile"},
        "libraries": {"xtremer_robust": __version__, "torch": torch.__version__, "transformers": transformers.__version__, "python": platform.python_version()},
    }
