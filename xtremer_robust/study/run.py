"""``xtremer-robust study``: train what is missing, build the subsets, score every checkpoint, analyse.

Every unit of work is written atomically and skipped when it is complete, so a study
killed at any point (``kill -9`` included) continues where it stopped:

- subsets: ``build-subsets`` resumes by manifest;
- training: ``train`` writes each fine-tuned folder by rename and resumes a stage from its
  last Trainer checkpoint; intermediate trajectories are shared by every target and arm;
- scoring: each model's ``results.json`` is the unit; predictions are cached per item;
- analysis: recomputed from the finished units (cheap), written by rename.

Order: seed by seed, then target by target, then arm by arm, so that an interrupted
study holds whole seeds (every duration of one seed) rather than half of every seed.

Layout of ``--out``::

    study-config.json           the validated configuration (a different one is refused)
    subsets/<target>/           clean and perturbed subsets (build-subsets layout)
    intermediate/               encoders along each intermediate trajectory (shared)
    train/<target>/<arm>/seed-<s>/    `train` folders (models/..., summary.json)
    scores/<target>/<arm>/step-<d>/seed-<s>/results.json (+ items/)
    predictions.sqlite          the prediction cache
    study.json, report.md, plots/
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from xtremer_robust.errors import ConfigError, SchemaError
from xtremer_robust.models.info import TRAINING_METADATA, load_training_metadata
from xtremer_robust.runner import RunSettings, ScoreOptions, plan_cells, score_cells
from xtremer_robust.atomic import atomic_write_text
from xtremer_robust.strict_json import loads_strict
from xtremer_robust.study.config import StudyConfig
from xtremer_robust.subsets.build import build_subsets
from xtremer_robust.subsets.engine import DataDirSource
from xtremer_robust.subsets.suite import load_suite
from xtremer_robust.tasks import get_task
from xtremer_robust.training.run import model_folder, train

__all__ = ["StudyPlan", "plan_study", "run_study", "CONFIG_SNAPSHOT"]

CONFIG_SNAPSHOT = "study-config.json"


@dataclass(frozen=True)
class StudyPlan:
    """What a study will run: models to fine-tune, cells to score, and what it costs."""

    trajectories: int
    intermediate_steps: int
    models: list[tuple[str, str, int, int]]  # (target, arm, duration, seed)
    target_steps: int
    items_per_model: dict[str, int]  # target -> items scored per model (all languages and variants)
    done_models: int
    done_scores: int
    seconds_per_step: float | None
    items_per_second: float | None

    def estimate_seconds(self) -> float | None:
        if self.seconds_per_step is None or self.items_per_second is None:
            return None
        todo_models = len(self.models) - self.done_models
        todo_scores = len(self.models) - self.done_scores
        per_model_items = sum(self.items_per_model.values()) / max(1, len(self.items_per_model))
        steps = todo_models * self.target_steps + (self.intermediate_steps if self.done_models == 0 else 0)
        return steps * self.seconds_per_step + todo_scores * per_model_items / self.items_per_second


def _models(config: StudyConfig) -> list[tuple[str, str, int, int]]:
    return [(t, arm.name, d, s) for s in config.seeds for t in config.targets for arm in config.arms if t in arm.targets for d in arm.durations]


def _score_dir(out: Path, target: str, arm: str, duration: int, seed: int) -> Path:
    return out / "scores" / target / arm / f"step-{duration}" / f"seed-{seed}"


def _train_dir(out: Path, target: str, arm: str, seed: int) -> Path:
    return out / "train" / target / arm / f"seed-{seed}"


def _arm(config: StudyConfig, name: str):
    return next(a for a in config.arms if a.name == name)


def _model_dir(config: StudyConfig, out: Path, target: str, arm: str, duration: int, seed: int) -> Path:
    train_config = config.train_config(target, _arm(config, arm), seed)
    return model_folder(_train_dir(out, target, arm, seed), train_config, duration, seed)


def _measured(out: Path) -> tuple[float | None, float | None]:
    """Seconds per training step and items scored per second, from the finished units of ``out``."""
    steps = seconds = 0.0
    for meta_path in out.glob(f"train/*/*/seed-*/models/*/*/step-*/seed-*/{TRAINING_METADATA}"):
        target = (load_training_metadata(meta_path.parent) or {}).get("target") or {}
        if target.get("seconds"):
            steps += _count(target, "steps", meta_path)
            seconds += _count(target, "seconds", meta_path)
    items = score_seconds = 0.0
    for unit in out.glob("scores/*/*/step-*/seed-*/unit.json"):
        data = _unit(unit)
        items += _count(data, "items", unit)
        score_seconds += _count(data, "seconds", unit)
    return (seconds / steps if steps else None), (items / score_seconds if score_seconds else None)


def _unit(path: Path) -> dict[str, Any]:
    """A finished scoring unit's ``unit.json``, or a SchemaError naming it and the fix."""
    try:
        data = loads_strict(path.read_text(encoding="utf-8"), where=str(path))
    except (OSError, UnicodeDecodeError) as exc:
        raise SchemaError(f"{path}: unreadable ({exc}); delete its folder to rescore the unit") from None
    if not isinstance(data, dict):
        raise SchemaError(f"{path}: expected a JSON object; delete its folder to rescore the unit")
    return data


def _count(block: dict[str, Any], key: str, path: Path) -> float:
    """A non-negative number of a finished unit (steps, seconds, items), or a SchemaError naming the file."""
    value = block.get(key)
    if not isinstance(value, (int, float)) or isinstance(value, bool) or not 0 <= value < float("inf"):
        raise SchemaError(f"{path}: '{key}' must be a number >= 0, got {value!r}; delete its folder to redo the unit")
    return float(value)


def plan_study(config: StudyConfig, out: Path) -> StudyPlan:
    """The plan of a study and, where finished units of this folder measured them, its cost."""
    models = _models(config)
    items = config.items_per_language
    per_model = {t: len(langs) * (1 + len(config.variants)) * (items or 0) for t, langs in config.targets.items()}
    done_models = sum(1 for (t, a, d, s) in models if (_model_dir(config, out, t, a, d, s) / TRAINING_METADATA).is_file())
    done_scores = sum(1 for (t, a, d, s) in models if (_score_dir(out, t, a, d, s) / "unit.json").is_file())
    sps, ips = _measured(out) if out.is_dir() else (None, None)
    measured = dict(config.compute).get("measured") or {}
    return StudyPlan(
        trajectories=len(config.seeds) if max(config.durations) > 0 else 0,
        intermediate_steps=len(config.seeds) * max(config.durations),
        models=models, target_steps=config.hyper.target_steps, items_per_model=per_model,
        done_models=done_models, done_scores=done_scores,
        seconds_per_step=sps or measured.get("seconds_per_step"), items_per_second=ips or measured.get("items_per_second"),
    )


def check_out(config: StudyConfig, out: Path) -> None:
    """Refuse an output folder that is a file or holds another study's configuration."""
    if out.exists() and not out.is_dir():
        raise ConfigError(f"--out: '{out}' is a file; pass a folder (it is created if missing)")
    snapshot = out / CONFIG_SNAPSHOT
    if snapshot.is_file():
        try:
            previous = json.loads(snapshot.read_text(encoding="utf-8"))
        except (OSError, ValueError, RecursionError) as exc:
            raise ConfigError(f"--out: {snapshot} is unreadable ({exc}); remove it or use a new --out folder") from None
        if previous != json.loads(json.dumps(dict(config.raw))):
            raise ConfigError(f"--out: {out} holds a study with a different configuration; use a new --out folder, or the same config to resume")
    elif out.is_dir() and any(out.iterdir()):
        raise ConfigError(f"--out: {out} is not empty and holds no study; pick an empty or new folder")


def run_study(config: StudyConfig, *, out: Path, data_dir: Path | None, log: Callable[[str], None] = print,
              analyse: Callable[[StudyConfig, Path], Any] | None = None) -> Any:
    """Run (or resume) every unit of the study, then analyse what is finished."""
    out = Path(out)
    check_out(config, out)
    if config.data != "hub" and data_dir is None:
        raise ConfigError("--data-dir: this study reads local data (set data: hub in the config to use the Hub)")
    resources = data_dir  # the RS-DA neighbour list lives in the data folder (robust_xlt/)
    data_dir = None if config.data == "hub" else data_dir
    out.mkdir(parents=True, exist_ok=True)
    atomic_write_text(out / CONFIG_SNAPSHOT, json.dumps(dict(config.raw), indent=2, sort_keys=True, default=str) + "\n")
    suite = load_suite(None).select(list(config.variants))
    source = DataDirSource(str(data_dir) if data_dir is not None else None)
    for target, langs in config.targets.items():
        log(f"subsets: {target} ({', '.join(langs)}), {len(config.variants)} variants, {config.items_per_language or 'all'} items per language")
        build_subsets(out / "subsets" / target, suite=suite, tasks=[get_task(target)], langs=list(langs), source=source,
                      limit=config.items_per_language, workers=1, generalized=False)
    settings = RunSettings(device=str(config.compute.get("device", "auto")), dtype=str(config.compute.get("dtype", "auto")),
                           batch_size=config.compute.get("batch_size", "auto"))
    for seed in config.seeds:
        for target in config.targets:
            for arm in config.arms:
                if target not in arm.targets:
                    continue
                train_dir = _train_dir(out, target, arm.name, seed)
                rows = train(config.train_config(target, arm, seed), out=train_dir, data_dir=data_dir,
                             shared_intermediate=out / "intermediate", resources_dir=resources, log=log)
                for row in rows:
                    _score(config, out, target, arm.name, row.duration, seed, Path(row.folder), settings, log)
                if analyse is not None:
                    analyse(config, out)
    return analyse(config, out) if analyse is not None else None


def _score(config: StudyConfig, out: Path, target: str, arm: str, duration: int, seed: int, folder: Path,
           settings: RunSettings, log: Callable[[str], None]) -> None:
    dest = _score_dir(out, target, arm, duration, seed)
    if (dest / "unit.json").is_file():
        return
    log(f"score {target} {arm} step {duration} seed {seed}")
    started = time.time()
    plans = plan_cells([get_task(target)], langs=list(config.targets[target]), subsets_dir=out / "subsets" / target)
    result = score_cells(plans, ScoreOptions(model_id=str(folder), out=dest, settings=settings, cache_path=out / "predictions.sqlite"))
    seconds = time.time() - started
    unit = {"items": int(sum(c["n"] for c in result.cells)), "seconds": round(seconds, 1), "model": str(folder.relative_to(out))}
    atomic_write_text(dest / "unit.json", json.dumps(unit, indent=2) + "\n")
