"""The bridge between the builder and the parts it uses: data readers and perturbation recipes.

The builder never imports a reader or a recipe module directly; it goes through an
:class:`Engine` (three plain functions) so that tests and other callers can swap in their
own (a tiny recipe, an in-memory set) and so that a process pool can pickle the whole thing
by reference. :func:`default_engine` wires the package's own ``xtremer_robust.perturb``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Mapping, Protocol, Sequence

import numpy as np

from xtremer_robust.data.loader import load_task_data
from xtremer_robust.data.local import local_files
from xtremer_robust.families.records import Record
from xtremer_robust.data.taskdata import TaskData
from xtremer_robust.errors import ConfigError, DataUnavailableError, XtremerError
from xtremer_robust.perturb import apply_recipe, get_recipe
from xtremer_robust.perturb.apply import DEFAULT_FIELDS, perturbable_texts
from xtremer_robust.perturb.validity import validity_figures
from xtremer_robust.tasks import get_task

__all__ = ["Engine", "PerturbedLike", "SetSource", "default_engine", "DataDirSource", "MemorySource"]


class PerturbedLike(Protocol):
    """What an ``apply`` function returns (``xtremer_robust.perturb.Perturbed``)."""

    record: Record
    changed: bool
    char_edit_ratio: float
    skipped_reason: str | None


#: (recipe name, params) -> a recipe object (raises ConfigError for unknown names or bad rates).
ResolveFn = Callable[..., Any]
#: (record, recipe, *, seed, task, lang) -> PerturbedLike
ApplyFn = Callable[..., PerturbedLike]
#: (originals, perturbed records, lang, recipe) -> dict of validity figures
ValidityFn = Callable[[Sequence[Record], Sequence[Record], str, Any], Mapping[str, Any]]


@dataclass(frozen=True)
class Engine:
    """How recipes are resolved, applied and judged. All three must be picklable (module-level)."""

    resolve: ResolveFn
    apply: ApplyFn
    validity: ValidityFn | None = None

    def recipe(self, name: str, params: Mapping[str, Any]) -> Any:
        return self.resolve(name, **dict(params))


#: A sentence every recipe can work on: a recipe that needs a file (a lexicon) reads it here.
_PREFLIGHT_TEXT = "Preflight sentence, with some words to change."


def _resolve_default(name: str, **params: Any) -> Any:
    """The recipe, tried once on a short sentence: a missing lexicon or a bad parameter stops the
    build here, before any subset file is written, not after the first few sets."""
    try:
        recipe = get_recipe(name, **params)
    except XtremerError:
        raise
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"recipe '{name}' with parameters {dict(params)}: {exc}") from None
    try:
        recipe.perturb(_PREFLIGHT_TEXT, lang="en", rng=np.random.default_rng(0))
    except XtremerError:
        raise
    except Exception as exc:  # a recipe that cannot run at all: say which, before any work
        raise ConfigError(f"recipe '{name}' with parameters {dict(params)} fails on a test sentence: {exc}") from None
    return recipe


def _apply_default(record: Record, recipe: Any, *, seed: int, task: str, lang: str) -> PerturbedLike:
    return apply_recipe(record, recipe, seed=seed, task=task, lang=lang)


def _validity_default(originals: Sequence[Record], perturbed: Sequence[Record], lang: str, recipe: Any) -> Mapping[str, Any]:
    """``xtremer_robust.perturb.validity.validity_figures`` over the texts the recipe could edit."""
    before: list[str] = []
    after: list[str] = []
    for old, new in zip(originals, perturbed):
        fields = DEFAULT_FIELDS[type(old)]
        a, b = perturbable_texts(old, fields), perturbable_texts(new, fields)
        if len(a) == len(b):  # texts pair up one to one (tagging keeps its token count)
            before.extend(a)
            after.extend(b)
    return validity_figures(before, after, lang, rewrites_marks=bool(getattr(recipe, "rewrites_marks", False)))


def default_engine() -> Engine:
    """The package's own recipes (``xtremer_robust.perturb``)."""
    return Engine(resolve=_resolve_default, apply=_apply_default, validity=_validity_default)


class SetSource(Protocol):
    """Where (task, language, split) sets come from."""

    def load(self, task: str, lang: str, split: str) -> TaskData: ...

    def available(self, task: str) -> list[tuple[str, str]] | None:
        """(language, split) pairs present, or None when the source cannot tell cheaply."""


@dataclass(frozen=True)
class DataDirSource:
    """The data readers (``xtremer_robust.data.load_task_data``) over a local folder, or the Hub when None."""

    data_dir: str | None

    def load(self, task: str, lang: str, split: str) -> TaskData:
        return load_task_data(task, lang, split, data_dir=self.data_dir)

    def available(self, task: str) -> list[tuple[str, str]] | None:
        """Sets whose files exist (a cheap check: files are read later, once, by the jobs)."""
        if self.data_dir is None:
            return None
        spec = get_task(task)
        found = []
        for split in spec.splits:
            for lang in spec.languages_for(split):
                try:
                    local_files(spec, lang, split, Path(self.data_dir))
                except DataUnavailableError:
                    continue
                found.append((lang, split))
        return found


@dataclass(frozen=True)
class MemorySource:
    """Sets held in memory (tests, callers that read data themselves)."""

    sets: tuple[TaskData, ...]

    def load(self, task: str, lang: str, split: str) -> TaskData:
        for data in self.sets:
            if (data.task, data.language, data.split) == (task, lang, split):
                return data
        raise DataUnavailableError(f"no {task} {split} set for language '{lang}' in memory")

    def available(self, task: str) -> list[tuple[str, str]] | None:
        return [(d.language, d.split) for d in self.sets if d.task == task]
