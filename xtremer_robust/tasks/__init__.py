"""Task registry: one frozen spec per XTREME-R task (plus XTREME's PAWS-X), read from ``tasks.yaml``.

Adding a task is adding a spec to the YAML file; the runner and the subset builder only
look at the spec's ``family``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from types import MappingProxyType
from typing import Mapping

import yaml

from xtremer_robust.errors import ConfigError, unknown_name
from xtremer_robust.languages import all_languages

__all__ = ["FAMILIES", "METRICS", "HubSource", "TaskSpec", "all_tasks", "get_task", "parse_tasks"]

FAMILIES = ("pair_classification", "multiple_choice", "tagging", "span_qa", "retrieval")
METRICS = ("accuracy", "f1", "em_f1", "top1", "map20", "map")


@dataclass(frozen=True)
class HubSource:
    """Where the task lives on the Hugging Face Hub."""

    path: str
    config: str  # template with {lang}, {name} (English language name) or {tatoeba}
    splits: Mapping[str, str]  # our split name -> the Hub's split name

    def config_for(self, lang: str) -> str:
        language = all_languages()[lang]
        return self.config.format(lang=lang, name=language.name, tatoeba=language.tatoeba_code or lang)


@dataclass(frozen=True)
class TaskSpec:
    """Everything the harness knows about one task."""

    name: str
    family: str
    metric: str
    languages: tuple[str, ...]
    labels: tuple[str, ...]
    splits: Mapping[str, tuple[str, ...]]
    split_languages: Mapping[str, tuple[str, ...]]
    eval_split: str
    hub: HubSource | None
    leaderboard_ext: str
    licence: str
    unavailable: str | None = None
    extra: Mapping[str, object] = field(default_factory=dict)

    def languages_for(self, split: str) -> tuple[str, ...]:
        """The languages a split exists for (the task's languages unless overridden)."""
        return self.split_languages.get(split, self.languages)

    def check_language(self, lang: str) -> str:
        if lang not in self.languages and not any(lang in v for v in self.split_languages.values()):
            raise unknown_name(f"language for task {self.name}", lang, self.languages)
        return lang


def _spec(name: str, raw: dict) -> TaskSpec:
    known = set(all_languages())
    family, metric = raw["family"], raw["metric"]
    if family not in FAMILIES:
        raise ConfigError(f"tasks.yaml: task {name} has family '{family}', expected one of {FAMILIES}")
    if metric not in METRICS:
        raise ConfigError(f"tasks.yaml: task {name} has metric '{metric}', expected one of {METRICS}")
    langs = tuple(raw["languages"])
    bad = [lang for lang in langs if lang not in known]
    if bad:
        raise ConfigError(f"tasks.yaml: task {name} lists languages not in languages.tsv: {bad}")
    hub = raw.get("hub")
    return TaskSpec(
        name=name,
        family=family,
        metric=metric,
        languages=langs,
        labels=tuple(str(label) for label in raw.get("labels", ())),
        splits=MappingProxyType({k: tuple(v) for k, v in (raw.get("splits") or {}).items()}),
        split_languages=MappingProxyType({k: tuple(v) for k, v in (raw.get("split_languages") or {}).items()}),
        eval_split=raw["eval_split"],
        hub=HubSource(hub["path"], hub["config"], MappingProxyType(dict(hub["splits"]))) if hub else None,
        leaderboard_ext=raw["leaderboard_ext"],
        licence=raw["licence"],
        unavailable=raw.get("unavailable"),
    )


@lru_cache(maxsize=1)
def all_tasks() -> Mapping[str, TaskSpec]:
    """Every registered task by name (frozen)."""
    text = resources.files(__package__).joinpath("tasks.yaml").read_text(encoding="utf-8")
    raw = yaml.safe_load(text)
    return MappingProxyType({name: _spec(name, spec) for name, spec in raw.items()})


def get_task(name: str) -> TaskSpec:
    """The spec of task ``name``; unknown names answer with "did you mean"."""
    tasks = all_tasks()
    if name not in tasks:
        raise unknown_name("task", name, tasks)
    return tasks[name]


def parse_tasks(spec: str | None) -> list[TaskSpec]:
    """Parse a comma-separated ``--tasks`` value; None or empty means all tasks."""
    if spec is None or not spec.strip():
        return list(all_tasks().values())
    return [get_task(part.strip()) for part in spec.split(",") if part.strip()]
