"""The training view of a family: its head class (``family.head``) and its ``family.training``.

The features, collator, loss and augmentation of each family are declared on the family
object (``xtremer_robust/families/<family>.py``, :class:`~xtremer_robust.families.training.Trainable`);
they build the inputs exactly as the family's scoring featurizer does (same segments,
multiple-choice prompts, QA windows), so a fine-tuned head sees at scoring time what it saw
in training. Padding is dynamic (per batch, to the longest member), which is most of the
training speed on short inputs: XTREME's scripts pad everything to 128.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Mapping, Sequence

from xtremer_robust.errors import ConfigError
from xtremer_robust.families import Family
from xtremer_robust.families.records import Record
from xtremer_robust.families.training import IGNORE_INDEX, Trainable

__all__ = ["HeadTraining", "head_training", "IGNORE_INDEX"]


@dataclass(frozen=True)
class HeadTraining:
    """What training one family's head needs: the Auto class, features, collator, loss."""

    family: Family
    trainable: Trainable

    @property
    def auto_class(self) -> str:
        return self.family.head.auto_class

    @property
    def labelled_head(self) -> bool:
        """True when the head's outputs are the task's labels (classification, tagging)."""
        return self.family.head.task_labels

    @property
    def featurize(self) -> Callable[[Sequence[Record], Any, Sequence[str], int], list[dict]]:
        return self.trainable.featurize

    @property
    def make_collator(self) -> Callable[[Any], Callable[[list[dict]], dict]]:
        return self.trainable.make_collator

    @property
    def loss(self) -> str:
        return self.trainable.loss

    @property
    def augment(self) -> Callable[[Record, Any, Any], list[Record]] | None:
        return self.trainable.augment

    @property
    def long_inputs(self) -> bool:
        return self.trainable.long_inputs

    def length(self, feature: Mapping[str, Any]) -> int:
        return self.trainable.length(feature)


def head_training(family: Family) -> HeadTraining:
    """The training view of ``family``, or a ConfigError for a family scored without fine-tuning."""
    if family.training is None:
        raise ConfigError(f"family {family.name} has no trainable head (its tasks are scored with the encoder as it is)")
    return HeadTraining(family, family.training)
