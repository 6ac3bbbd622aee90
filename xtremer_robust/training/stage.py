"""One training stage on transformers' ``Trainer``: a seeded sampler, resume, exports.

Why a ``Trainer`` subclass at all: the sampler. ``Trainer``'s length-grouped sampler draws
its permutation from torch's global generator when an epoch starts, so a run resumed in
the middle of an epoch would see another order than the uninterrupted run. Ours draws the
order of epoch ``e`` from ``(seed, e)`` alone: resuming skips the batches already seen
(``Trainer`` does this) and continues with exactly the batches the uninterrupted run saw,
so on CPU in fp32 the final weights are identical (tested with a real ``kill -9``).
Everything else (optimizer, schedule, gradient accumulation, checkpoints with optimizer
and RNG state, data-parallel training under ``torchrun`` / ``accelerate launch``) is
``Trainer``'s own.
"""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np
import torch
from torch.utils.data import Dataset, Sampler

from xtremer_robust.errors import ConfigError, ModelError
from xtremer_robust.models.info import TRAINING_METADATA

__all__ = ["FeatureDataset", "SeededLengthSampler", "StagePlan", "run_stage", "export_folder", "freeze"]

#: Batches are sorted by length inside windows of this many batches (then shuffled): most
#: of the padding saving of a full sort, while each batch stays a random draw.
_LENGTH_WINDOW = 50


#: Callbacks added to every stage (tests use one to see when state is saved).
_EXTRA_CALLBACKS: list[Any] = []


class FeatureDataset(Dataset):
    """Training features (dicts of token lists and labels) with their lengths."""

    def __init__(self, features: Sequence[dict], lengths: Sequence[int]):
        self.features, self.lengths = list(features), list(lengths)

    def __len__(self) -> int:
        return len(self.features)

    def __getitem__(self, index: int) -> dict:
        return self.features[index]


class SeededLengthSampler(Sampler[int]):
    """Length-grouped random order that depends only on ``(seed, epoch)``."""

    def __init__(self, lengths: Sequence[int], batch_size: int, seed: int):
        self.lengths, self.batch_size, self.seed, self.epoch = np.asarray(lengths), batch_size, seed, 0

    def set_epoch(self, epoch: int) -> None:
        self.epoch = int(epoch)

    def __len__(self) -> int:
        return len(self.lengths)

    def __iter__(self):
        rng = np.random.default_rng([self.seed, self.epoch])
        order = rng.permutation(len(self.lengths))
        window = self.batch_size * _LENGTH_WINDOW
        batches = []
        for start in range(0, len(order), window):
            chunk = order[start : start + window]
            chunk = chunk[np.argsort(-self.lengths[chunk], kind="stable")]
            batches.extend(chunk[i : i + self.batch_size] for i in range(0, len(chunk), self.batch_size))
        for b in rng.permutation(len(batches)):
            yield from (int(i) for i in batches[b])


def freeze(model: Any, *, embeddings: bool, layers: int) -> None:
    """Freeze the word embeddings and/or the lowest ``layers`` transformer layers."""
    if embeddings:
        model.get_input_embeddings().requires_grad_(False)
    if layers:
        encoder = getattr(model.base_model, "encoder", None)
        stack = getattr(encoder, "layer", None)
        if stack is None:
            raise ConfigError(f"freeze_layers: this architecture ({type(model.base_model).__name__}) has no encoder.layer stack to freeze")
        if layers > len(stack):
            raise ConfigError(f"freeze_layers: {layers} asked but the model has {len(stack)} layers")
        model.base_model.embeddings.requires_grad_(False)
        for layer in stack[:layers]:
            layer.requires_grad_(False)


@dataclass(frozen=True)
class StagePlan:
    """Settings of one stage: how many steps, which schedule, where its resumable state lives."""

    steps: int
    learning_rate: float
    schedule: str  # a transformers lr_scheduler_type
    warmup_steps: int
    batch_size: int
    grad_accumulation: int
    weight_decay: float
    seed: int
    save_every: int
    work_dir: Path
    bf16: bool = False


class _SeededTrainer:
    """Built lazily so that importing this module does not import transformers."""

    cls: Any = None

    @classmethod
    def get(cls) -> Any:
        if cls.cls is None:
            from transformers import Trainer

            class SeededTrainer(Trainer):
                def _get_train_sampler(self, train_dataset=None):  # noqa: D401 (transformers' hook)
                    dataset = train_dataset if train_dataset is not None else self.train_dataset
                    return SeededLengthSampler(dataset.lengths, self.args.per_device_train_batch_size, self.args.seed)

            cls.cls = SeededTrainer
        return cls.cls


def _callback(on_step: Callable[[int, Any], None], export_steps: set[int]) -> Any:
    from transformers import TrainerCallback

    class ExportAtSteps(TrainerCallback):
        """Save resumable state at every export step and hand the model to ``on_step``."""

        def on_step_end(self, args, state, control, model=None, **kwargs):
            if state.global_step in export_steps:
                control.should_save = True
                if state.is_world_process_zero:
                    on_step(state.global_step, model)
            return control

    return ExportAtSteps()


def run_stage(model: Any, dataset: FeatureDataset, collator: Any, plan: StagePlan, *,
              export_steps: Sequence[int] = (), on_export: Callable[[int, Any], None] | None = None) -> tuple[Any, float | None]:
    """Train ``model`` for ``plan.steps`` optimizer steps, resuming from ``plan.work_dir``.

    Returns the trained model and the last logged training loss.
    """
    from transformers import TrainingArguments
    from transformers.trainer_utils import get_last_checkpoint

    plan.work_dir.mkdir(parents=True, exist_ok=True)
    args = TrainingArguments(
        output_dir=str(plan.work_dir),
        max_steps=plan.steps,
        per_device_train_batch_size=plan.batch_size,
        gradient_accumulation_steps=plan.grad_accumulation,
        learning_rate=plan.learning_rate,
        lr_scheduler_type=plan.schedule,
        warmup_steps=plan.warmup_steps,
        weight_decay=plan.weight_decay,
        seed=plan.seed,
        data_seed=plan.seed,
        save_strategy="steps",
        save_steps=plan.save_every,
        save_total_limit=1,
        logging_steps=max(1, min(50, plan.steps // 10)),
        report_to=[],
        use_cpu=not torch.cuda.is_available(),
        bf16=plan.bf16 and torch.cuda.is_available(),
        dataloader_num_workers=0,
        remove_unused_columns=False,
        disable_tqdm=False,
        ddp_find_unused_parameters=False,
    )
    callbacks = ([_callback(on_export, set(export_steps))] if on_export else []) + list(_EXTRA_CALLBACKS)
    trainer = _SeededTrainer.get()(model=model, args=args, train_dataset=dataset, data_collator=collator, callbacks=callbacks)
    last = get_last_checkpoint(str(plan.work_dir)) if plan.work_dir.is_dir() else None
    trainer.train(resume_from_checkpoint=last)
    trainer.accelerator.wait_for_everyone()
    losses = [entry["loss"] for entry in trainer.state.log_history if "loss" in entry]
    return trainer.accelerator.unwrap_model(trainer.model), (round(float(losses[-1]), 4) if losses else None)


def export_folder(model: Any, tokenizer: Any, dest: Path, metadata: dict, *, encoder_only: bool) -> Path:
    """Write a Hugging Face folder (safetensors) atomically: a temporary sibling, then a rename.

    A folder that exists is complete (the rename is the last step), so a rerun skips it.
    """
    if dest.is_dir():
        return dest
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_name(f".{dest.name}.tmp-{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    try:
        target = model.base_model if encoder_only else model
        target.save_pretrained(str(tmp), safe_serialization=True)
        tokenizer.save_pretrained(str(tmp))
        (tmp / TRAINING_METADATA).write_text(json.dumps(metadata, indent=2, sort_keys=True, ensure_ascii=False) + "\n", encoding="utf-8")
        os.replace(tmp, dest)
    except OSError as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        raise ModelError(f"cannot write the checkpoint {dest} ({exc.strerror or exc}); check the folder is writable and the disk has space") from exc
    return dest


