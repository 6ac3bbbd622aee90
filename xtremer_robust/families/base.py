"""The shape of a task family: one frozen object declares everything the other parts ask.

A family is what tasks of one kind share: the record type their readers return, which file
layouts hold them, the model head that scores them, how records become model inputs and
predictions become the inputs of the task's metric, and which fields a perturbation or an
attack may edit. Code asks the family (``spec.family.head``, ``spec.family.featurizer``)
instead of comparing family names, so a new task of an existing family is a registry entry
and nothing else.

Fields are plain data and plain functions, so a later part can extend the objects (the
training code adds a collator and a loss) with new fields that have defaults.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Callable, Protocol, Sequence

import numpy as np

from xtremer_robust.families.features import Featurizer
from xtremer_robust.families.records import Record

__all__ = ["Family", "Head", "ReaderRule", "MetricLike"]


@dataclass(frozen=True)
class Head:
    """The model head a family needs.

    ``auto_class`` is the transformers Auto class that builds it; ``architecture_suffix``
    is how a checkpoint's ``config.architectures`` names it ("" for a bare encoder, which
    every checkpoint has). ``task_labels`` is True when the head's outputs are the task's
    label set, so a checkpoint serves one task only and its ``id2label`` must match it.
    """

    auto_class: str
    architecture_suffix: str
    task_labels: bool

    def fits(self, architectures: Sequence[str]) -> bool:
        """Whether a checkpoint with these architectures carries this head."""
        return not self.architecture_suffix or any(a.endswith(self.architecture_suffix) for a in architectures)

    @property
    def label(self) -> str:
        """A short human name for messages ("SequenceClassification", "encoder")."""
        return self.architecture_suffix.removeprefix("For") or "encoder"


@dataclass(frozen=True)
class ReaderRule:
    """Files whose name matches ``pattern`` (a regular expression, searched) are read as ``format``.

    The format names a reader of :mod:`xtremer_robust.data.local`; the family only says
    which of its layouts a file name means.
    """

    pattern: str
    format: str

    def matches(self, rel: str) -> bool:
        return re.search(self.pattern, rel) is not None


class MetricLike(Protocol):
    """What a family needs of a metric (:class:`xtremer_robust.metrics.Metric` fits)."""

    def batch_stats(self, *, predictions: Sequence[Any], references: Sequence[Any]) -> np.ndarray: ...


@dataclass(frozen=True)
class Family:
    """One task family (see the module docstring); compare families as objects, never by name."""

    #: The name tasks.yaml's ``family`` field uses.
    name: str
    #: The record type every reader of this family returns.
    record_type: type
    #: File layouts of the family, first match wins.
    readers: tuple[ReaderRule, ...]
    head: Head
    #: Text fields a perturbation recipe may edit, in the order randomness is drawn.
    perturbable: tuple[str, ...]
    #: Text fields the adversarial attack edits (empty: the family cannot be attacked).
    attack_fields: tuple[str, ...]
    #: Builds the featurizer of a loaded model; None where the runner has its own driver
    #: (retrieval embeds texts and ranks a candidate pool).
    featurizer: Callable[[Any], Featurizer] | None
    #: True when a set carries a candidate pool and predictions are rankings over it.
    uses_candidates: bool
    #: What each item's prediction is compared with (None where the set has no gold).
    references: Callable[[Sequence[Record]], list[Any]]
    #: The runner's stored predictions turned into what the metric takes.
    metric_inputs: Callable[[Sequence[Record], Sequence[Any]], list[Any]]
    #: Higher = closer to the gold answer (1.0 = fully right); None where undefined.
    gold_score: Callable[[Record, Any], float] | None = None
    #: XTREME leaderboard files of the family: (extension, file kind) pairs; the kinds are
    #: written and read by :mod:`xtremer_robust.report.xtreme_layout`.
    layouts: tuple[tuple[str, str], ...] = ()
    #: How ``train`` fine-tunes this family's head (:class:`~xtremer_robust.families.training.Trainable`);
    #: None where the family is scored without fine-tuning (retrieval).
    training: Any = None

    def reader_for(self, rel: str) -> str | None:
        """The reader format of a file of this family, or None when no layout matches."""
        for rule in self.readers:
            if rule.matches(rel):
                return rule.format
        return None

    def layout_kind(self, ext: str) -> str | None:
        """The leaderboard file kind of a task of this family whose files end in ``ext``."""
        return dict(self.layouts).get(ext)

    def is_labelled(self, items: Sequence[Record]) -> bool:
        """Whether every item carries gold (unlabelled sets get predictions but no score)."""
        return all(r is not None for r in self.references(items))

    def item_stats(self, metric: MetricLike, items: Sequence[Record], predictions: Sequence[Any]) -> np.ndarray | None:
        """Per-item statistics of ``predictions`` under ``metric``; None for an unlabelled set."""
        references = self.references(items)
        if not items or any(r is None for r in references):
            return None
        return metric.batch_stats(predictions=self.metric_inputs(items, predictions), references=references)

    @property
    def attackable(self) -> bool:
        """Whether a prediction of this family can be flipped by editing one item."""
        return bool(self.attack_fields) and self.gold_score is not None

    def __repr__(self) -> str:
        return f"Family({self.name!r})"
