"""What one ``xtremer-robust train`` run is: a frozen, validated configuration.

The same fields come from the command line or a YAML file. The configuration is written
into the output folder; a later run with another configuration in the same folder is
refused (its checkpoints would be mixed with this one's).
"""

from __future__ import annotations

import sys
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

import yaml

from xtremer_robust.errors import ConfigError

__all__ = ["Hyperparameters", "TrainConfig", "parse_int_list", "load_train_yaml"]


#: Hyperparameters that count something and must be at least 1.
_POSITIVE = ("target_steps", "batch_size", "grad_accumulation", "max_length", "qa_max_length", "save_every")


def _shown(value: Any) -> str:
    """A short repr for messages (an integer of thousands of digits has none in Python 3.11)."""
    try:
        text = repr(value)
    except ValueError:
        return f"an integer of more than {sys.get_int_max_str_digits()} digits"
    return text if len(text) <= 80 else text[:77] + "..."


def _is_number(value: Any) -> bool:
    """A real number (bool is not one, though Python counts it as an int)."""
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _whole(name: str, value: Any, *, minimum: int) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or value < minimum:
        what = "a positive whole number" if minimum == 1 else f"a whole number >= {minimum}"
        raise ConfigError(f"{name}: expected {what}, got {_shown(value)}")


def _text(name: str, value: Any, *, optional: bool = False) -> None:
    if value is None and optional:
        return
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(f"{name}: expected a non-empty text value, got {_shown(value)}")
    if any(ord(c) < 32 or 0xD800 <= ord(c) <= 0xDFFF for c in value):
        raise ConfigError(f"{name}: {_shown(value)} holds control characters or lone surrogates; give a plain name")


def _int_list(name: str, value: Any) -> tuple[int, ...]:
    if isinstance(value, str):
        return parse_int_list(value, name)
    if not isinstance(value, (list, tuple)) or any(not isinstance(v, int) or isinstance(v, bool) for v in value):
        raise ConfigError(f"--{name}: expected a list of whole numbers such as [0, 100, 1000], got {_shown(value)}")
    return tuple(value)


@dataclass(frozen=True)
class Hyperparameters:
    """Training settings shared by both stages (defaults: CPU-sized, see docs/training.md)."""

    #: Target fine-tuning: a fixed number of optimizer steps (zero-shot: no target-language dev set).
    target_steps: int = 300
    target_lr: float = 3e-5
    #: Intermediate training: linear warmup over this many steps, then constant (see docs/training.md).
    intermediate_lr: float = 3e-5
    intermediate_warmup: int = 10
    batch_size: int = 16
    grad_accumulation: int = 1
    max_length: int = 128
    qa_max_length: int = 256
    weight_decay: float = 0.01
    #: Freeze the word-embedding matrix (most of a multilingual model's parameters).
    freeze_embeddings: bool = False
    #: Also freeze the lowest N transformer layers (0: train every layer).
    freeze_layers: int = 0
    #: With frozen layers: compute the frozen prefix once per example and train only the rest
    #: (training/prefix_cache.py); frozen layers then run without dropout.
    cache_frozen: bool = True
    #: Use at most this many English training examples (None: all), a seeded sample.
    max_train_examples: int | None = None
    #: The same for the intermediate task (None: as max_train_examples).
    max_intermediate_examples: int | None = None
    #: Save resumable state every this many optimizer steps.
    save_every: int = 50
    #: torch threads (None: torch's default).
    threads: int | None = None
    #: bf16 mixed precision (GPU only; CPU training stays fp32).
    bf16: bool = False

    def __post_init__(self) -> None:
        for name in _POSITIVE:
            _whole(name, getattr(self, name), minimum=1)
        for name in ("intermediate_warmup", "freeze_layers"):
            _whole(name, getattr(self, name), minimum=0)
        for name in ("max_train_examples", "max_intermediate_examples", "threads"):
            if getattr(self, name) is not None:
                _whole(name, getattr(self, name), minimum=1)
        for name in ("target_lr", "intermediate_lr"):
            value = getattr(self, name)
            if not _is_number(value) or not 0 < value < 1:
                raise ConfigError(f"{name}: expected a learning rate between 0 and 1, got {_shown(value)}")
        if not _is_number(self.weight_decay) or not 0 <= self.weight_decay < 1:
            raise ConfigError(f"weight_decay: expected a number from 0 up to (not including) 1, got {_shown(self.weight_decay)}")
        for name in ("freeze_embeddings", "cache_frozen", "bf16"):
            if not isinstance(getattr(self, name), bool):
                raise ConfigError(f"{name}: expected true or false, got {_shown(getattr(self, name))}")

    @property
    def examples_per_step(self) -> int:
        return self.batch_size * self.grad_accumulation


@dataclass(frozen=True)
class TrainConfig:
    """One training run: base model, target, optional intermediate trajectory, seeds, arm."""

    base: str
    target: str
    intermediate: str | None = None
    durations: tuple[int, ...] = (0,)
    seeds: tuple[int, ...] = (1,)
    augment: str = "none"
    revision: str | None = None
    hyper: Hyperparameters = field(default_factory=Hyperparameters)

    def __post_init__(self) -> None:
        _text("base", self.base)
        _text("target", self.target)
        _text("intermediate", self.intermediate, optional=True)
        _text("augment", self.augment)
        _text("revision", self.revision, optional=True)
        if not isinstance(self.hyper, Hyperparameters):
            raise ConfigError(f"hyper: expected the hyperparameters, got {type(self.hyper).__name__}")
        durations = _int_list("durations", self.durations)
        seeds = _int_list("seeds", self.seeds)
        if not durations:
            raise ConfigError("--durations: give at least one duration in optimizer steps (0 = the base model)")
        if any(not isinstance(d, int) or isinstance(d, bool) or d < 0 for d in durations):
            raise ConfigError(f"--durations: expected whole numbers of steps >= 0, got {list(durations)}")
        if any(b <= a for a, b in zip(durations, durations[1:])):
            raise ConfigError(f"--durations: must be strictly increasing (got {list(durations)}); e.g. 0,100,1000")
        if self.intermediate is None and durations != (0,):
            raise ConfigError(f"--durations {','.join(map(str, durations))} needs --intermediate TASK (durations are steps of intermediate training)")
        if not seeds or len(set(seeds)) != len(seeds) or any(s < 0 for s in seeds):
            raise ConfigError(f"--seeds: expected distinct whole numbers >= 0, got {list(seeds)}")
        object.__setattr__(self, "durations", durations)
        object.__setattr__(self, "seeds", seeds)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["durations"], data["seeds"] = list(self.durations), list(self.seeds)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any], *, where: str | None = None) -> "TrainConfig":
        """The config a mapping describes; ``where`` (the YAML file, if any) prefixes every message."""
        if where is not None:
            try:
                return cls.from_dict(data)
            except ConfigError as error:
                raise ConfigError(f"{where}: {error}") from None
        if not isinstance(data, dict):
            raise ConfigError(f"expected a mapping of training settings, got {type(data).__name__}")
        known = {f.name for f in fields(cls)}
        unknown = sorted(map(str, set(data) - known))
        if unknown:
            raise ConfigError(f"unknown keys {unknown}; expected some of {sorted(known)}")
        hyper_raw = data.get("hyper") or {}
        if not isinstance(hyper_raw, dict):
            raise ConfigError(f"'hyper' must be a mapping of hyperparameters, got {type(hyper_raw).__name__}")
        hyper_known = {f.name for f in fields(Hyperparameters)}
        bad = sorted(map(str, set(hyper_raw) - hyper_known))
        if bad:
            raise ConfigError(f"unknown keys under hyper: {bad}; expected some of {sorted(hyper_known)}")
        if "base" not in data or "target" not in data:
            raise ConfigError("'base' and 'target' are required")
        kwargs = {k: v for k, v in data.items() if k != "hyper"}
        return cls(**kwargs, hyper=Hyperparameters(**hyper_raw))


def parse_int_list(text: str, name: str) -> tuple[int, ...]:
    """``"0,100,1000"`` -> ``(0, 100, 1000)``, or a ConfigError naming ``name``."""
    try:
        return tuple(int(part) for part in str(text).split(",") if part.strip())
    except ValueError as exc:
        raise ConfigError(f"--{name}: expected comma-separated whole numbers such as 0,100,1000, got '{text}'") from exc


def load_train_yaml(path: Path) -> dict[str, Any]:
    """The mapping of a training YAML file, or a ConfigError naming the file."""
    try:
        raw = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the training config ({exc.strerror or exc})") from exc
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: not UTF-8 text (byte {exc.start}); save the training config as UTF-8") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML ({exc})") from exc
    except RecursionError:
        raise ConfigError(f"{path}: nested too deeply to be a training config") from None
    except ValueError as exc:  # YAML's int() of a number with thousands of digits
        raise ConfigError(f"{path}: a value cannot be read ({exc})") from None
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: expected a mapping of training settings, got {type(raw).__name__}")
    return raw
