"""The training side of a family: ``family.training`` (features, collator, loss, augmentation).

Each family declares it in its own module (``xtremer_robust/families/<family>.py``,
:class:`~xtremer_robust.families.training.Trainable`); the head class is ``family.head``.
The training features are built exactly as the family's scoring featurizer builds its
inputs (same segments, multiple-choice prompts, QA windows), so a fine-tuned head sees at
scoring time what it saw in training. Padding is dynamic (per batch, to the longest
member), which is most of the training speed on short inputs: XTREME's scripts pad
everything to 128.
"""

from __future__ import annotations

from xtremer_robust.errors import ConfigError
from xtremer_robust.families import Family
from xtremer_robust.families.training import IGNORE_INDEX, Trainable

__all__ = ["trainable", "IGNORE_INDEX"]


def trainable(family: Family) -> Trainable:
    """How ``family``'s head trains, or a ConfigError for a family scored without fine-tuning."""
    if family.training is None:
        raise ConfigError(f"family {family.name} has no trainable head (its tasks are scored with the encoder as it is)")
    return family.training
