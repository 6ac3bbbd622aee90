"""A study configuration: one YAML file, checked against a schema, with errors naming the key.

Example (``baselines/study-me5-small/study.yaml`` is the real one)::

    schema: 1
    base: builtin:me5-small
    intermediate: tydiqa
    durations: [0, 10, 40, 160]
    seeds: [1, 2, 3]
    targets:
      xnli: {languages: [ar, bg, de, ...]}
      panx: {languages: [de, sw, yo, ...]}
    arms:
      none: {augment: none}
      rsda: {augment: rsda, durations: [0, 160], targets: [xnli]}
    variants: [char_swap_10, keyboard_typo_10, word_swap_10]
    items_per_language: 25
    train: {target_steps: 60, batch_size: 8, ...}     # Hyperparameters fields
    compute: {device: auto, dtype: auto, batch_size: auto}
    bootstrap: {resamples: 2000, seed: 0}
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any, Mapping

import yaml

from xtremer_robust.errors import ConfigError, XtremerError, unknown_name
from xtremer_robust.languages import all_languages
from xtremer_robust.subsets.suite import load_suite
from xtremer_robust.tasks import get_task
from xtremer_robust.training.config import Hyperparameters, TrainConfig
from xtremer_robust.training.sources import get_source, target_source

__all__ = ["StudyConfig", "ArmConfig", "load_study_config", "parse_study_config", "SCHEMA_VERSION"]

SCHEMA_VERSION = 1
_TOP_KEYS = {"schema", "name", "base", "revision", "intermediate", "durations", "seeds", "targets", "arms", "variants",
             "items_per_language", "train", "compute", "bootstrap", "data", "adversarial"}
_COMPUTE_KEYS = {"device", "dtype", "batch_size", "threads", "measured"}
#: compute.measured: throughput measured on the machine the study will run on, for --dry-run
#: before any unit of this folder has run.
_MEASURED_KEYS = {"seconds_per_step", "items_per_second"}


@dataclass(frozen=True)
class ArmConfig:
    """One training arm: an augmentation, at some durations, for some targets."""

    name: str
    augment: str
    durations: tuple[int, ...]
    targets: tuple[str, ...]


@dataclass(frozen=True)
class StudyConfig:
    """A whole study, validated."""

    name: str
    base: str
    revision: str | None
    intermediate: str
    durations: tuple[int, ...]
    seeds: tuple[int, ...]
    targets: Mapping[str, tuple[str, ...]]  # target -> evaluation languages
    arms: tuple[ArmConfig, ...]
    variants: tuple[str, ...]
    items_per_language: int | None
    hyper: Hyperparameters
    compute: Mapping[str, Any]
    resamples: int
    bootstrap_seed: int
    data: str | None = None  # "hub" or None (a local folder given by --data-dir)
    raw: Mapping[str, Any] = field(default_factory=dict)

    def train_config(self, target: str, arm: ArmConfig, seed: int) -> TrainConfig:
        return TrainConfig(base=self.base, revision=self.revision, target=target, intermediate=self.intermediate,
                           durations=arm.durations, seeds=(seed,), augment=arm.augment, hyper=self.hyper)


def _int_list(raw: Any, key: str, where: str) -> tuple[int, ...]:
    if not isinstance(raw, list) or not raw or any(not isinstance(v, int) or isinstance(v, bool) for v in raw):
        raise ConfigError(f"{where}: '{key}' must be a non-empty list of whole numbers, got {raw!r}")
    return tuple(raw)


def _mapping(raw: Any, key: str, where: str) -> dict:
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise ConfigError(f"{where}: '{key}' must be a mapping, got {type(raw).__name__}")
    return raw


def parse_study_config(raw: Any, *, where: str = "study config") -> StudyConfig:
    """Validate a parsed YAML mapping; every error names the key and what was expected."""
    if not isinstance(raw, dict):
        raise ConfigError(f"{where}: expected a mapping of study settings, got {type(raw).__name__}")
    unknown = sorted(set(raw) - _TOP_KEYS)
    if unknown:
        raise ConfigError(f"{where}: unknown keys {unknown}; expected some of {sorted(_TOP_KEYS)}")
    if raw.get("schema") != SCHEMA_VERSION:
        raise ConfigError(f"{where}: 'schema' must be {SCHEMA_VERSION} (this version of the tool), got {raw.get('schema')!r}")
    for key in ("base", "intermediate", "targets"):
        if key not in raw:
            raise ConfigError(f"{where}: '{key}' is required")
    durations = _int_list(raw.get("durations"), "durations", where)
    if durations[0] != 0 or any(b <= a for a, b in zip(durations, durations[1:])):
        raise ConfigError(f"{where}: 'durations' must start at 0 (the base model) and increase strictly, got {list(durations)}")
    seeds = _int_list(raw.get("seeds"), "seeds", where)
    if len(set(seeds)) != len(seeds):
        raise ConfigError(f"{where}: 'seeds' must be distinct, got {list(seeds)}")
    get_source(str(raw["intermediate"]), what=f"{where}: intermediate")
    targets: dict[str, tuple[str, ...]] = {}
    for target, spec in _mapping(raw["targets"], "targets", where).items():
        source = target_source(target)
        task = get_task(target)
        spec = _mapping(spec, f"targets.{target}", where)
        bad_keys = sorted(set(spec) - {"languages"})
        if bad_keys:
            raise ConfigError(f"{where}: unknown keys under targets.{target}: {bad_keys}; expected 'languages'")
        langs = spec.get("languages") or [l for l in task.languages if l != "en"]
        if not isinstance(langs, list) or any(not isinstance(l, str) for l in langs):
            raise ConfigError(f"{where}: targets.{target}.languages must be a list of language codes")
        for lang in langs:
            if lang not in all_languages():
                raise unknown_name(f"language in targets.{target}", lang, all_languages())
            if lang not in task.languages:
                raise ConfigError(f"{where}: targets.{target}.languages: {lang} is not a language of {target} ({', '.join(task.languages)})")
        leaks = [f"{t} {s}" for t, s in source.translated_in if t == target and s == task.eval_split]
        if leaks:
            raise ConfigError(f"{where}: target {target} trains on English {source.name} {source.splits} and would be scored on {leaks[0]}, "
                              "the translations of those very items (leakage); score another split")
        targets[target] = tuple(langs)
    if not targets:
        raise ConfigError(f"{where}: 'targets' must name at least one target task")
    arms = []
    for name, spec in _mapping(raw.get("arms") or {"none": {"augment": "none"}}, "arms", where).items():
        spec = _mapping(spec, f"arms.{name}", where)
        bad_keys = sorted(set(spec) - {"augment", "durations", "targets"})
        if bad_keys:
            raise ConfigError(f"{where}: unknown keys under arms.{name}: {bad_keys}; expected augment, durations, targets")
        arm_durations = _int_list(spec["durations"], f"arms.{name}.durations", where) if "durations" in spec else durations
        stray = [d for d in arm_durations if d not in durations]
        if stray:
            raise ConfigError(f"{where}: arms.{name}.durations {stray} are not among the study's durations {list(durations)}")
        raw_targets = spec.get("targets") or list(targets)
        if not isinstance(raw_targets, list) or not all(isinstance(t, str) for t in raw_targets):
            raise ConfigError(f"{where}: arms.{name}.targets must be a list of target task names, got {raw_targets!r:.60}")
        arm_targets = tuple(raw_targets)
        stray_t = [t for t in arm_targets if t not in targets]
        if stray_t:
            raise ConfigError(f"{where}: arms.{name}.targets {stray_t} are not among the study's targets {list(targets)}")
        arms.append(ArmConfig(str(name), str(spec.get("augment", "none")), arm_durations, arm_targets))
    suite_names = [v.name for v in load_suite(None).variants]
    variants = raw.get("variants") or []
    if not isinstance(variants, list) or not variants:
        raise ConfigError(f"{where}: 'variants' must list at least one perturbation of the canonical suite ({', '.join(suite_names)})")
    for v in variants:
        if v not in suite_names:
            raise unknown_name(f"variant in {where}", str(v), suite_names)
    items = raw.get("items_per_language")
    if items is not None and (not isinstance(items, int) or isinstance(items, bool) or items < 2):
        raise ConfigError(f"{where}: 'items_per_language' must be a whole number >= 2 or absent (every item), got {items!r}")
    hyper_raw = _mapping(raw.get("train"), "train", where)
    try:
        hyper = Hyperparameters(**hyper_raw)
    except TypeError as exc:
        raise ConfigError(f"{where}: unknown key under train ({exc}); see xtremer_robust/training/config.py Hyperparameters") from exc
    compute = _mapping(raw.get("compute"), "compute", where)
    bad = sorted(set(compute) - _COMPUTE_KEYS)
    if bad:
        raise ConfigError(f"{where}: unknown keys under compute: {bad}; expected some of {sorted(_COMPUTE_KEYS)}")
    measured = _mapping(compute.get("measured"), "compute.measured", where)
    for key, value in measured.items():
        if key not in _MEASURED_KEYS:
            raise ConfigError(f"{where}: unknown key compute.measured.{key}; expected some of {sorted(_MEASURED_KEYS)}")
        if not isinstance(value, (int, float)) or isinstance(value, bool) or not value > 0:
            raise ConfigError(f"{where}: compute.measured.{key} must be a positive number, got {value!r}")
    boot = _mapping(raw.get("bootstrap"), "bootstrap", where)
    resamples, boot_seed = boot.get("resamples", 2000), boot.get("seed", 0)
    if not isinstance(resamples, int) or resamples < 100:
        raise ConfigError(f"{where}: bootstrap.resamples must be a whole number >= 100, got {resamples!r}")
    if raw.get("data") not in (None, "hub", "local"):
        raise ConfigError(f"{where}: 'data' must be 'hub' or 'local', got {raw.get('data')!r}")
    config = StudyConfig(
        name=str(raw.get("name") or "study"), base=str(raw["base"]), revision=raw.get("revision"), intermediate=str(raw["intermediate"]),
        durations=durations, seeds=seeds, targets=MappingProxyType(targets), arms=tuple(arms), variants=tuple(variants),
        items_per_language=items, hyper=hyper, compute=MappingProxyType(compute), resamples=resamples, bootstrap_seed=int(boot_seed),
        data=raw.get("data"), raw=MappingProxyType(dict(raw)),
    )
    for arm in config.arms:  # every training configuration must be valid before any work
        for target in arm.targets:
            config.train_config(target, arm, seeds[0])
    return config


def load_study_config(path: Path) -> StudyConfig:
    """Read and validate a study YAML file."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the study config ({exc.strerror or exc})") from exc
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: not UTF-8 text (byte {exc.start}); save the study config as UTF-8") from None
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML ({exc})") from exc
    except RecursionError:
        raise ConfigError(f"{path}: nested too deeply to be a study config") from None
    except ValueError as exc:  # YAML's int() of a number with thousands of digits
        raise ConfigError(f"{path}: a value cannot be read ({exc})") from None
    try:
        return parse_study_config(raw, where=str(path))
    except XtremerError:
        raise
    except (TypeError, ValueError, KeyError, AttributeError) as exc:  # a value of the wrong shape somewhere
        raise ConfigError(f"{path}: a value has the wrong type or shape ({type(exc).__name__}: {exc}); "
                          "see docs/study.md for the format") from None
