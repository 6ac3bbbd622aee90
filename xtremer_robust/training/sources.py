"""English training sets (``sources.yaml``) and the target tasks that use them (``targets.yaml``).

A training set is read with the evaluation task's own reader (local sets) or from the Hub
through ``datasets`` (Phang et al. 2020's intermediate tasks). Either way the result is a
list of the family's records, so the featurisation of a family is written once.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import lru_cache
from importlib import resources
from pathlib import Path
from types import MappingProxyType
from typing import Any, Callable, Mapping

import yaml

from xtremer_robust.data.loader import load_task_data
from xtremer_robust.families.records import Answer, ChoiceItem, PairItem, QAItem, Record
from xtremer_robust.data.taskdata import SourceFile
from xtremer_robust.families import Family, get_family
from xtremer_robust.errors import ConfigError, DataUnavailableError, HubUnreachableError, unknown_name
from xtremer_robust.models.resolve import hub_reachable
from xtremer_robust.tasks import get_task

__all__ = ["TrainingSource", "all_sources", "get_source", "target_source", "all_targets", "load_training_items", "HUB_CONVERTERS"]


@dataclass(frozen=True)
class TrainingSource:
    """One English training set."""

    name: str
    family: Family
    labels: tuple[str, ...]
    task: str | None = None
    splits: tuple[str, ...] = ()
    translated_in: tuple[tuple[str, str], ...] = ()
    hub: Mapping[str, Any] | None = None
    unavailable: str | None = None
    reference: str = ""

    @property
    def is_local(self) -> bool:
        return self.task is not None


def _source(name: str, raw: dict) -> TrainingSource:
    task = raw.get("task")
    labels = raw.get("labels")
    family = get_family(raw["family"])
    if task is not None:
        spec = get_task(task)
        if spec.family is not family:
            raise ConfigError(f"training/sources.yaml: {name} trains family {family.name} but reads task {task} ({spec.family.name})")
        labels = spec.labels if labels is None else labels
    return TrainingSource(
        name=name,
        family=family,
        labels=tuple(str(x) for x in (labels or ())),
        task=task,
        splits=tuple(raw.get("splits") or ()),
        translated_in=tuple(tuple(pair) for pair in raw.get("translated_in") or ()),
        hub=MappingProxyType(dict(raw["hub"])) if raw.get("hub") else None,
        unavailable=raw.get("unavailable"),
        reference=raw.get("reference", ""),
    )


def _yaml(name: str) -> dict:
    return yaml.safe_load(resources.files(__package__).joinpath(name).read_text(encoding="utf-8"))


@lru_cache(maxsize=1)
def all_sources() -> Mapping[str, TrainingSource]:
    """Every training set by name (frozen)."""
    return MappingProxyType({name: _source(name, raw) for name, raw in _yaml("sources.yaml").items()})


@lru_cache(maxsize=1)
def all_targets() -> Mapping[str, str]:
    """Target task -> the training set its head is fine-tuned on."""
    return MappingProxyType(dict(_yaml("targets.yaml")))


def get_source(name: str, *, what: str = "--intermediate") -> TrainingSource:
    sources = all_sources()
    if name not in sources:
        raise unknown_name(f"training task for {what}", name, sources)
    source = sources[name]
    if source.unavailable:
        raise ConfigError(f"{what}: '{name}' cannot be trained on: {source.unavailable}")
    return source


def target_source(task: str) -> TrainingSource:
    """The English training set of target ``task``, or a ConfigError naming the ones that exist."""
    get_task(task)  # unknown names answer with did-you-mean over every task
    targets = all_targets()
    if task not in targets:
        raise ConfigError(
            f"--target: task '{task}' has no English training data this tool knows "
            f"(targets: {', '.join(sorted(targets))}); retrieval tasks are scored without fine-tuning."
        )
    return get_source(targets[task], what="--target")


def load_training_items(source: TrainingSource, *, data_dir: Path | None) -> tuple[list[Record], list[SourceFile]]:
    """Every English training record of ``source`` (ids unique), with the files they came from.

    ``data_dir`` None reads a local set's task from the Hub (as ``score`` does).
    """
    if source.is_local:  # the evaluation task's reader: local files, or its Hub copy when data_dir is None
        items: list[Record] = []
        files: list[SourceFile] = []
        for split in source.splits:
            try:
                data = load_task_data(source.task, "en", split, data_dir=data_dir)
            except DataUnavailableError as exc:
                raise DataUnavailableError(f"training set {source.name} needs {source.task} en {split}: {exc}") from exc
            items.extend(_prefixed(data.items, split) if len(source.splits) > 1 else data.items)
            files.extend(data.sources)
        return items, files
    return _load_hub(source)


def _prefixed(items: tuple[Record, ...], split: str) -> list[Record]:
    return [replace(item, id=f"{split}:{item.id}") for item in items]


# Hub converters: one row of the dataset -> one record (None drops the row, e.g. unlabelled).
def _nli(row: dict, n: int, labels: tuple[str, ...]) -> Record | None:
    label = int(row["label"])
    return PairItem(id=str(row.get("uid") or row.get("idx", n)), text_a=row["premise"], text_b=row["hypothesis"], label=labels[label]) if 0 <= label < len(labels) else None


def _qqp(row: dict, n: int, labels: tuple[str, ...]) -> Record | None:
    label = int(row["label"])
    return PairItem(id=str(row.get("idx", n)), text_a=row["question1"], text_b=row["question2"], label=labels[label]) if label >= 0 else None


def _sst2(row: dict, n: int, labels: tuple[str, ...]) -> Record | None:
    label = int(row["label"])
    return PairItem(id=str(row.get("idx", n)), text_a=row["sentence"], text_b="", label=labels[label]) if label >= 0 else None


def _squad(row: dict, n: int, labels: tuple[str, ...]) -> Record | None:
    answers = tuple(Answer(text=t, start=int(s)) for t, s in zip(row["answers"]["text"], row["answers"]["answer_start"]))
    return QAItem(id=str(row["id"]), question=row["question"], context=row["context"], answers=answers[:1]) if answers else None


def _hellaswag(row: dict, n: int, labels: tuple[str, ...]) -> Record | None:
    if str(row.get("label", "")) == "":
        return None
    return ChoiceItem(id=str(row.get("ind", n)), premise=row["ctx"], question="", choices=tuple(row["endings"]), label=int(row["label"]))


def _commonsenseqa(row: dict, n: int, labels: tuple[str, ...]) -> Record | None:
    letters = list(row["choices"]["label"])
    if row.get("answerKey") not in letters:
        return None
    return ChoiceItem(id=str(row["id"]), premise=row["question"], question="", choices=tuple(row["choices"]["text"]), label=letters.index(row["answerKey"]))


def _cosmosqa(row: dict, n: int, labels: tuple[str, ...]) -> Record | None:
    choices = tuple(row[f"answer{k}"] for k in range(4))
    return ChoiceItem(id=str(row["id"]), premise=row["context"], question=row["question"], choices=choices, label=int(row["label"]))


HUB_CONVERTERS: Mapping[str, Callable[[dict, int, tuple[str, ...]], Record | None]] = MappingProxyType({
    "nli": _nli, "qqp": _qqp, "sst2": _sst2, "squad": _squad,
    "hellaswag": _hellaswag, "commonsenseqa": _commonsenseqa, "cosmosqa": _cosmosqa,
})


def _load_hub(source: TrainingSource) -> tuple[list[Record], list[SourceFile]]:
    hub = source.hub or {}
    converter = HUB_CONVERTERS[hub["converter"]]
    import datasets  # heavy; only Hub sets need it

    if not hub_reachable():
        raise HubUnreachableError(
            f"--intermediate {source.name}: the Hugging Face Hub dataset {hub['path']} cannot be reached from this "
            "machine. Use a local intermediate task (xnli, pawsx, panx, udpos, tydiqa, copa) with --data-dir, "
            "or run where the Hub is reachable."
        )
    try:
        rows = datasets.load_dataset(hub["path"], hub.get("config"), split=hub["split"])
    except (ConnectionError, OSError) as exc:
        raise HubUnreachableError(f"--intermediate {source.name}: loading {hub['path']} from the Hub failed ({exc}).") from exc
    items = [record for n, row in enumerate(rows) if (record := converter(row, n, source.labels)) is not None]
    fingerprint = getattr(rows, "_fingerprint", None) or "unknown"
    where = f"hub:{hub['path']}/{hub.get('config') or 'default'}/{hub['split']}"
    return items, [SourceFile(path=where, sha256=str(fingerprint))]
