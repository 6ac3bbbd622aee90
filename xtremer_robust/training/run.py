"""``xtremer-robust train``: intermediate trajectories, then target fine-tuning from each checkpoint.

For every seed: one intermediate trajectory (when ``--intermediate`` is given) saves the
encoder at each duration; then the target head is fine-tuned for a fixed number of steps
from every duration's encoder (duration 0 is the base model). Every finished folder is
complete (written to a temporary sibling, then renamed), so an interrupted run redoes
only the unfinished stage, resuming it from its last saved state.

Layout of ``--out``::

    train-config.json                      the configuration (a different one is refused)
    intermediate/<task>-<key>/seed-<s>/step-<n>/    encoders along each trajectory
    models/<target>/<arm>/step-<n>/seed-<s>/        fine-tuned models, scoreable by `score`
    summary.json                           one row per fine-tuned model
    work/                                  resumable Trainer state of unfinished stages
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import shutil
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Callable

import numpy as np

from xtremer_robust import __version__
from xtremer_robust.families.records import Record
from xtremer_robust.errors import ConfigError, ModelError
from xtremer_robust.models.info import TRAINING_METADATA, load_training_metadata
from xtremer_robust.models.resolve import resolve_model
from xtremer_robust.atomic import atomic_write_text
from xtremer_robust.training.augment import RSDA_COPIES, Augmenter, augment_fingerprint, example_rng, parse_augment
from xtremer_robust.training.config import TrainConfig
from xtremer_robust.families import Family
from xtremer_robust.families.training import Trainable
from xtremer_robust.training.features import trainable
from xtremer_robust.training.sources import TrainingSource, get_source, load_training_items, target_source
from xtremer_robust.training.prefix_cache import CachedCollator, Truncation, encode_prefix
from xtremer_robust.training.stage import FeatureDataset, StagePlan, export_folder, freeze, run_stage

__all__ = ["TrainedModel", "train", "check_train", "arm_name", "model_folder", "CONFIG_FILE"]

CONFIG_FILE = "train-config.json"
#: Seed of the sample drawn by ``max_train_examples``: the same examples for every training seed.
SAMPLE_SEED = 20211107
#: Default number of RS-DA copies per example where Robust-XLT's scripts give none.
DEFAULT_COPIES = 3


@dataclass(frozen=True)
class TrainedModel:
    """One fine-tuned model folder and how it was made."""

    target: str
    arm: str
    duration: int
    seed: int
    folder: str
    target_seconds: float | None
    final_loss: float | None


def arm_name(augment: str) -> str:
    """The folder-safe name of a training arm (``rsda:k=10`` -> ``rsda-k10``)."""
    return augment.replace(":", "-").replace("=", "").replace(",", "-") or "none"


def model_folder(out: Path, config: TrainConfig, duration: int, seed: int) -> Path:
    return Path(out) / "models" / config.target / arm_name(config.augment) / f"step-{duration}" / f"seed-{seed}"


def _intermediate_key(config: TrainConfig, base_weights: str) -> str:
    h = config.hyper
    parts = [base_weights, config.intermediate, h.intermediate_lr, h.intermediate_warmup, h.batch_size, h.grad_accumulation,
             h.max_length, h.qa_max_length, h.weight_decay, h.freeze_embeddings, h.freeze_layers, h.cache_frozen,
             h.max_intermediate_examples or h.max_train_examples, h.bf16]
    return hashlib.sha256(json.dumps(parts).encode()).hexdigest()[:10]


def check_train(config: TrainConfig, *, out: Path, data_dir: Path | None, resources_dir: Path | None = None) -> tuple[TrainingSource, TrainingSource | None, Augmenter | None]:
    """Every check that can fail on bad input, before any work or any file is written.

    ``resources_dir`` holds ``robust_xlt/counterfitted_neighbors.json`` for RS-DA (default:
    ``data_dir``; needed separately when the task data come from the Hub).
    """
    target = target_source(config.target)
    trainable(target.family)
    intermediate = get_source(config.intermediate) if config.intermediate else None
    if intermediate is not None:
        trainable(intermediate.family)
    if config.augment.strip() != "none" and trainable(target.family).augment is None:
        raise ConfigError(f"--augment {config.augment}: augmentation is defined for pair classification and tagging targets, not {target.family.name} ({config.target})")
    augmenter = parse_augment(config.augment, data_dir=resources_dir or data_dir, default_copies=RSDA_COPIES.get(config.target, DEFAULT_COPIES))
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise ConfigError(f"--out: '{out}' is a file; pass a folder (it is created if missing)")
    saved = out / CONFIG_FILE
    if saved.is_file():
        try:
            previous = json.loads(saved.read_text(encoding="utf-8"))
        except (OSError, ValueError, RecursionError) as exc:
            raise ConfigError(f"--out: {saved} is unreadable ({exc}); remove it or pick a new --out folder") from None
        if not isinstance(previous, dict):
            raise ConfigError(f"--out: {saved} is not a training configuration (a JSON {type(previous).__name__}); remove it or pick a new --out folder")
        if previous != config.to_dict():
            changed = sorted(k for k in set(previous) | set(config.to_dict()) if previous.get(k) != config.to_dict().get(k))
            raise ConfigError(f"--out: {out} holds a run with a different configuration (differs in: {', '.join(changed)}). Use a new --out folder, or the same settings to resume.")
    elif out.is_dir() and any(p.name != CONFIG_FILE for p in out.iterdir()) and not (out / "models").is_dir():
        raise ConfigError(f"--out: {out} is not empty and holds no training run; pick an empty or new folder")
    return target, intermediate, augmenter


def _sample(items: list[Record], limit: int | None) -> list[Record]:
    if limit is None or limit >= len(items):
        return items
    keep = np.random.default_rng(SAMPLE_SEED).choice(len(items), size=limit, replace=False)
    return [items[i] for i in sorted(keep)]


def _features(items: list[Record], head: Trainable, tokenizer: Any, labels: tuple[str, ...], max_length: int) -> FeatureDataset:
    features = head.featurize(items, tokenizer, labels, max_length)
    return FeatureDataset(features, [head.length(f) for f in features])


#: Seed of the augmented training set. Robust-XLT's perturb.py writes ONE augmented file that
#: every training run reads, so the copies do not change with the training seed here either.
AUGMENT_SEED = 20211107


def _augmented(items: list[Record], head: Trainable, augmenter: Augmenter | None) -> list[Record]:
    if augmenter is None:
        return items
    return [copy for item in items for copy in head.augment(item, augmenter, example_rng(AUGMENT_SEED, item.id, 0))]


def _load_head(folder: str, family: Family, labels: tuple[str, ...], model_id: str, seed: int) -> Any:
    """The checkpoint with a new head, initialised from ``seed`` (not from whatever the global generator holds)."""
    import transformers

    transformers.set_seed(seed)

    auto = getattr(transformers, family.head.auto_class)
    kwargs: dict[str, Any] = {}
    if family.head.task_labels:
        kwargs = {"num_labels": len(labels), "id2label": dict(enumerate(labels)), "label2id": {l: i for i, l in enumerate(labels)}}
    try:
        return auto.from_pretrained(folder, ignore_mismatched_sizes=True, **kwargs)
    except _LOAD_ERRORS as exc:
        raise ModelError(f"{model_id}: cannot build a {family.head.auto_class.removeprefix('AutoModelFor')} head on this checkpoint ({exc}). Use an encoder such as XLM-R, mBERT or builtin:me5-small.") from exc


#: Frozen-prefix outputs by (base weights, layers, data fingerprint): the frozen prefix is the
#: base model's in every stage, so one computation serves every duration, seed and arm.
_PREFIX_MEMO: dict[tuple, FeatureDataset] = {}
_PREFIX_MEMO_SIZE = 4


def _fingerprint(dataset: FeatureDataset) -> str:
    digest = hashlib.sha256()
    for feature in dataset.features:
        digest.update(json.dumps(feature, sort_keys=True).encode())
    return digest.hexdigest()


def _fit(model: Any, dataset: FeatureDataset, head: Trainable, tokenizer: Any, config: TrainConfig, plan: StagePlan,
         base_weights: str, *, export_steps: tuple[int, ...] = (), on_export: Callable[[int, Any], None] | None = None) -> tuple[Any, float | None]:
    """Freeze what the settings say, then train (through the frozen-prefix cache when it applies)."""
    h = config.hyper
    freeze(model, embeddings=h.freeze_embeddings, layers=h.freeze_layers)
    if not (h.cache_frozen and h.freeze_layers):
        return run_stage(model, dataset, head.make_collator(tokenizer), plan, export_steps=export_steps, on_export=on_export)
    cut = Truncation(model, h.freeze_layers)
    key = (base_weights, h.freeze_layers, _fingerprint(dataset))
    cached = _PREFIX_MEMO.get(key)
    if cached is None:
        cached = FeatureDataset(encode_prefix(model, dataset.features, h.freeze_layers, pad_id=tokenizer.pad_token_id or 0), dataset.lengths)
        while len(_PREFIX_MEMO) >= _PREFIX_MEMO_SIZE:
            _PREFIX_MEMO.pop(next(iter(_PREFIX_MEMO)))
        _PREFIX_MEMO[key] = cached

    def export(step: int, _model: Any) -> None:
        cut.restore()
        try:
            on_export(step, model)
        finally:
            cut.swap()

    cut.swap()
    try:
        _, loss = run_stage(model, cached, CachedCollator(), plan, export_steps=export_steps, on_export=export if on_export else None)
    finally:
        cut.restore()
    return model, loss


def _load_errors() -> tuple[type[BaseException], ...]:
    from safetensors import SafetensorError

    return (ValueError, OSError, KeyError, RuntimeError, TypeError, SafetensorError)


_LOAD_ERRORS = _load_errors()


def _tokenizer(folder: str, model_id: str) -> Any:
    from transformers import AutoTokenizer

    try:
        return AutoTokenizer.from_pretrained(folder, use_fast=True)
    except _LOAD_ERRORS as exc:
        raise ModelError(f"{model_id}: cannot load its tokenizer from {folder} ({exc}); the folder needs tokenizer.json or the files of a slow tokenizer") from exc


def _libraries() -> dict[str, str]:
    import torch
    import transformers

    return {"xtremer_robust": __version__, "torch": torch.__version__, "transformers": transformers.__version__, "python": platform.python_version()}


def train(config: TrainConfig, *, out: Path, data_dir: Path | None, shared_intermediate: Path | None = None,
          resources_dir: Path | None = None, log: Callable[[str], None] = print) -> list[TrainedModel]:
    """Run (or resume) every stage of ``config``; return one row per fine-tuned model."""
    import torch

    out = Path(out)
    target, intermediate, augmenter = check_train(config, out=out, data_dir=data_dir, resources_dir=resources_dir)
    base = resolve_model(config.base, revision=config.revision)
    if config.hyper.threads:
        torch.set_num_threads(config.hyper.threads)
    tokenizer = _tokenizer(base.path, config.base)
    out.mkdir(parents=True, exist_ok=True)
    if _rank() == 0:
        atomic_write_text(out / CONFIG_FILE, json.dumps(config.to_dict(), indent=2, sort_keys=True) + "\n")
    h = config.hyper
    rows: list[TrainedModel] = []
    inter_root = Path(shared_intermediate) if shared_intermediate else out / "intermediate"
    base_block = {"id": base.id, "revision": base.revision, "weights_sha256": base.weights_sha256, "tokenizer_sha256": base.tokenizer_sha256}
    target_items, target_files = load_training_items(target, data_dir=data_dir)
    target_items = _sample(target_items, h.max_train_examples)
    target_head = trainable(target.family)
    for seed in config.seeds:
        encoders = {0: (base.path, None)}
        if intermediate is not None and max(config.durations) > 0:
            encoders.update(_intermediate(config, intermediate, base, tokenizer, inter_root, seed, data_dir, base_block, log))
        items = _augmented(target_items, target_head, augmenter)
        dataset = None
        for duration in config.durations:
            dest = model_folder(out, config, duration, seed)
            folder, inter_meta = encoders[duration]
            if not (dest / TRAINING_METADATA).is_file():
                if dataset is None:
                    length = h.qa_max_length if target_head.long_inputs else h.max_length
                    dataset = _features(items, target_head, tokenizer, target.labels, length)
                log(f"target {config.target} ({arm_name(config.augment)}) from step {duration}, seed {seed}: {len(dataset)} features, {h.target_steps} steps")
                started = time.time()
                model = _load_head(folder, target.family, target.labels, config.base, seed)
                work = out / "work" / dest.relative_to(out)
                plan = StagePlan(h.target_steps, h.target_lr, "linear", max(1, h.target_steps // 10), h.batch_size,
                                 h.grad_accumulation, h.weight_decay, seed, h.save_every, work, h.bf16)
                model, final_loss = _fit(model, dataset, target_head, tokenizer, config, plan, base.weights_sha256)
                seconds = time.time() - started
                meta = {
                    "format": 1, "base": base_block, "intermediate": inter_meta,
                    "target": {"task": config.target, "training_set": target.name, "reference": target.reference,
                               "files": [asdict(f) for f in target_files], "examples": len(target_items),
                               "features": len(dataset), "steps": h.target_steps,
                               "examples_seen": h.target_steps * h.examples_per_step * _world_size(),
                               "schedule": {"type": "linear", "warmup_steps": max(1, h.target_steps // 10), "lr": h.target_lr},
                               "loss": target_head.loss, "final_loss": final_loss, "seconds": round(seconds, 1)},
                    "trained_on": [list(p) for p in target.translated_in] + ([list(p) for p in intermediate.translated_in] if intermediate and duration else []),
                    "seed": seed, "augment": {**augment_fingerprint(augmenter), "seed": AUGMENT_SEED if augmenter else None}, "arm": arm_name(config.augment),
                    "hyperparameters": asdict(h), "libraries": _libraries(),
                }
                if _rank() == 0:  # data-parallel runs: one writer, the others wait for the folder
                    export_folder(model, tokenizer, dest, meta, encoder_only=False)
                    shutil.rmtree(work, ignore_errors=True)
                _barrier()
            done = (load_training_metadata(dest) or {}).get("target") or {}
            rows.append(TrainedModel(config.target, arm_name(config.augment), duration, seed, str(dest), done.get("seconds"), done.get("final_loss")))
    if _rank() == 0:
        atomic_write_text(out / "summary.json", json.dumps([asdict(r) for r in rows], indent=2) + "\n")
    return rows


def _rank() -> int:
    return int(os.environ.get("RANK", "0"))


def _barrier() -> None:
    """Wait for every process of a data-parallel run (no-op in a single process)."""
    import torch.distributed as dist

    if dist.is_available() and dist.is_initialized():
        dist.barrier()


def _world_size() -> int:
    return int(os.environ.get("WORLD_SIZE", "1"))


def _intermediate(config: TrainConfig, source: TrainingSource, base: Any, tokenizer: Any, root: Path, seed: int,
                  data_dir: Path | None, base_block: dict, log: Callable[[str], None]) -> dict[int, tuple[str, dict]]:
    """The encoder at every positive duration of one trajectory (trained or resumed as needed)."""
    h = config.hyper
    key = _intermediate_key(config, base.weights_sha256)
    trajectory = root / f"{source.name}-{key}" / f"seed-{seed}"
    steps = [d for d in config.durations if d > 0]
    schedule = {"type": "constant_with_warmup", "warmup_steps": h.intermediate_warmup, "lr": h.intermediate_lr,
                "why": "constant after warmup: the checkpoint at step n is the same whatever the trajectory's length (docs/training.md)"}

    def meta(step: int) -> dict:
        return {"format": 1, "base": base_block, "seed": seed, "hyperparameters": asdict(h), "libraries": _libraries(),
                "intermediate": {"task": source.name, "reference": source.reference, "steps": step,
                                 "examples_seen": step * h.examples_per_step * _world_size(), "schedule": schedule,
                                 "files": files_block, "loss": head.loss, "trajectory": key}}

    head = trainable(source.family)
    files_block: list[dict] = []
    missing = [s for s in steps if not (trajectory / f"step-{s}" / TRAINING_METADATA).is_file()]
    if missing:
        items, files = load_training_items(source, data_dir=data_dir)
        files_block = [asdict(f) for f in files]
        items = _sample(items, h.max_intermediate_examples or h.max_train_examples)
        length = h.qa_max_length if head.long_inputs else h.max_length
        dataset = _features(items, head, tokenizer, source.labels, length)
        log(f"intermediate {source.name}, seed {seed}: {len(dataset)} features, checkpoints at steps {steps}")
        model = _load_head(base.path, source.family, source.labels, config.base, seed)
        plan = StagePlan(max(steps), h.intermediate_lr, "constant_with_warmup", h.intermediate_warmup, h.batch_size,
                         h.grad_accumulation, h.weight_decay, seed, h.save_every, root / "work" / trajectory.relative_to(root), h.bf16)

        def on_export(step: int, model: Any) -> None:
            export_folder(model, tokenizer, trajectory / f"step-{step}", meta(step), encoder_only=True)

        _fit(model, dataset, head, tokenizer, config, plan, base.weights_sha256, export_steps=tuple(steps), on_export=on_export)
        if _rank() == 0:
            shutil.rmtree(plan.work_dir, ignore_errors=True)
        _barrier()
    found = {}
    for s in steps:
        folder = trajectory / f"step-{s}"
        inter = (load_training_metadata(folder) or {}).get("intermediate")
        if not inter:
            raise ModelError(f"{folder / TRAINING_METADATA}: no 'intermediate' block; delete {folder} and run again to retrain it")
        found[s] = (str(folder), inter)
    return found
