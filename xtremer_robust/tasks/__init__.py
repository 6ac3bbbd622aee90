"""Task registry: one frozen spec per XTREME-R task (plus XTREME's PAWS-X), read from ``tasks.yaml``.

Adding a task of an existing family is adding a spec to the YAML file: its ``family`` is
a :class:`~xtremer_robust.families.Family` object that every other part asks (head, readers,
featurizer, fields a perturbation may edit), and every other per-task fact (metric and the
score names it reports, leaderboard extension, retrieval prefixes, Hub converter, licence)
is a field of the spec. :func:`use_registry` scores against another registry file (tests,
private tasks) without touching the package.
"""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from types import MappingProxyType
from typing import Iterator, Mapping

import yaml

from xtremer_robust.errors import ConfigError, unknown_name
from xtremer_robust.families import FAMILIES as _FAMILIES_BY_NAME
from xtremer_robust.families import Family
from xtremer_robust.languages import all_languages
from xtremer_robust.tasks.benchmarks import BenchmarkFacts, parse_benchmarks

__all__ = ["FAMILIES", "METRICS", "HubSource", "TaskSpec", "all_tasks", "get_task", "parse_tasks", "use_registry"]

#: The family objects a task may have (``xtremer_robust.families``).
FAMILIES: tuple[Family, ...] = tuple(_FAMILIES_BY_NAME.values())
#: Metric names of ``xtremer_robust.metrics`` a task may be scored with.
METRICS = ("accuracy", "f1", "em_f1", "mlqa_em_f1", "top1", "map20", "map", "map20_full")
#: Candidate pools of XQuAD-R retrieval (``TaskSpec.candidate_pool``).
CANDIDATE_POOLS = ("own_language", "multilingual")
#: Row converters of ``xtremer_robust.data.hub`` a Hub source may name.
HUB_CONVERTERS = ("pairs", "choices", "pos_tags", "ner_tags", "squad", "squad_by_language", "tatoeba")


@dataclass(frozen=True)
class HubSource:
    """Where the task lives on the Hugging Face Hub."""

    path: str
    config: str  # template with {lang}, {name} (English language name) or {tatoeba}
    splits: Mapping[str, str]  # our split name -> the Hub's split name
    #: The row converter of ``xtremer_robust.data.hub`` (one of HUB_CONVERTERS).
    converter: str = ""
    #: Names of an integer label column, for copies whose features carry none.
    label_names: tuple[str, ...] = ()

    def config_for(self, lang: str) -> str:
        language = all_languages()[lang]
        return self.config.format(lang=lang, name=language.name, tatoeba=language.tatoeba_code or lang)


@dataclass(frozen=True)
class TaskSpec:
    """Everything the harness knows about one task."""

    name: str
    family: Family
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
    #: The score name the metric reports first ("accuracy", "f1", "map@20") and the others
    #: it reports beside it from the same per-item rows (QA: exact_match).
    headline: str = ""
    companions: tuple[str, ...] = ()
    #: Retrieval: both sides are the same kind of text (translation pairs), so a model with
    #: prefixes puts its symmetric prefix on both (E5: "query: "), not query/passage.
    symmetric_prefix: bool = False
    #: Per benchmark version ("xtreme", "xtreme-r"): its language list, groups and avg_metric
    #: (``xtremer_robust.tasks.benchmarks``); absent for a version the task is not part of.
    benchmarks: Mapping[str, BenchmarkFacts] = field(default_factory=lambda: MappingProxyType({}))
    #: XQuAD-R retrieval: rank against the question's own language's sentences ("own_language")
    #: or against one pool of every language of the split ("multilingual", XTREME-R's LAReQA).
    candidate_pool: str = "own_language"
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
    if family not in _FAMILIES_BY_NAME:
        raise ConfigError(f"tasks.yaml: task {name} has family '{family}', expected one of {tuple(_FAMILIES_BY_NAME)}")
    if metric not in METRICS:
        raise ConfigError(f"tasks.yaml: task {name} has metric '{metric}', expected one of {METRICS}")
    langs = tuple(raw["languages"])
    bad = [lang for lang in langs if lang not in known]
    if bad:
        raise ConfigError(f"tasks.yaml: task {name} lists languages not in languages.tsv: {bad}")
    hub = raw.get("hub")
    if hub and hub.get("converter") not in HUB_CONVERTERS:
        raise ConfigError(
            f"tasks.yaml: task {name} has hub converter {hub.get('converter')!r}, expected one of {HUB_CONVERTERS}"
        )
    return TaskSpec(
        name=name,
        family=_FAMILIES_BY_NAME[family],
        metric=metric,
        languages=langs,
        labels=tuple(str(label) for label in raw.get("labels", ())),
        splits=MappingProxyType({k: tuple(v) for k, v in (raw.get("splits") or {}).items()}),
        split_languages=MappingProxyType({k: tuple(v) for k, v in (raw.get("split_languages") or {}).items()}),
        eval_split=raw["eval_split"],
        hub=_hub(hub) if hub else None,
        leaderboard_ext=raw["leaderboard_ext"],
        licence=raw["licence"],
        unavailable=raw.get("unavailable"),
        headline=str(raw["headline"]),
        companions=tuple(raw.get("companions") or ()),
        symmetric_prefix=bool(raw.get("symmetric_prefix", False)),
        benchmarks=parse_benchmarks(name, raw.get("benchmarks"), known),
        candidate_pool=_candidate_pool(name, raw.get("candidate_pool", "own_language")),
    )


def _candidate_pool(name: str, value: object) -> str:
    if value not in CANDIDATE_POOLS:
        raise ConfigError(f"tasks.yaml: task {name} has candidate_pool {value!r}, expected one of {CANDIDATE_POOLS}")
    return str(value)


def _hub(raw: dict) -> HubSource:
    return HubSource(
        raw["path"],
        raw["config"],
        MappingProxyType(dict(raw["splits"])),
        converter=raw["converter"],
        label_names=tuple(str(label) for label in raw.get("label_names") or ()),
    )


#: Registry files in use instead of the package's tasks.yaml (innermost last); see use_registry.
_ACTIVE_REGISTRIES: list[Path] = []


@lru_cache(maxsize=8)
def _load_registry(path: Path | None) -> Mapping[str, TaskSpec]:
    if path is None:
        text = resources.files(__package__).joinpath("tasks.yaml").read_text(encoding="utf-8")
    else:
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise ConfigError(f"task registry: cannot read '{path}' ({exc}); pass a tasks.yaml file") from exc
    raw = yaml.safe_load(text)
    if not isinstance(raw, dict):
        raise ConfigError(f"task registry {path or 'tasks.yaml'}: expected a mapping of task name -> spec")
    return MappingProxyType({name: _checked_spec(name, spec) for name, spec in raw.items()})


def _checked_spec(name: str, raw: object) -> TaskSpec:
    """A spec, or a ConfigError naming the task and the field that is missing."""
    if not isinstance(raw, dict):
        raise ConfigError(f"tasks.yaml: task {name} must be a mapping of fields, got {type(raw).__name__}")
    try:
        return _spec(name, raw)
    except KeyError as exc:
        raise ConfigError(
            f"tasks.yaml: task {name} lacks the field {exc.args[0]!r}; the comments at the top of tasks.yaml "
            "document every field"
        ) from None


def all_tasks() -> Mapping[str, TaskSpec]:
    """Every registered task by name (frozen): the package's tasks.yaml unless use_registry is active."""
    return _load_registry(_ACTIVE_REGISTRIES[-1] if _ACTIVE_REGISTRIES else None)


@contextmanager
def use_registry(path: str | Path) -> Iterator[Mapping[str, TaskSpec]]:
    """Use the registry file ``path`` instead of the package's tasks.yaml inside the ``with`` block.

    Why: a task of an existing family is one YAML entry; this lets a test (or a private
    task) use a copy of tasks.yaml with extra entries without editing the installed package.
    The file is parsed and checked on entry, so a bad entry fails before any work; it is
    parsed once per path in a process (edit a copy under a new name to change it).
    """
    resolved = Path(path).resolve()
    tasks = _load_registry(resolved)
    _ACTIVE_REGISTRIES.append(resolved)
    try:
        yield tasks
    finally:
        _ACTIVE_REGISTRIES.pop()


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
