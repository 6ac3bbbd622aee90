"""What training a family's head needs, declared on the family object (``Family.training``).

Each family module builds its :class:`Trainable`: how records become training features
(the same inputs its featurizer builds for scoring, plus labels), how features are batched
(dynamic padding), which loss the head computes, and how a training-time augmentation
copies one record. The training part (``xtremer_robust/training``) only asks the family.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Mapping, Sequence

from xtremer_robust.families.records import Record

__all__ = ["Trainable", "IGNORE_INDEX", "pad_collator", "token_collator", "choice_collator"]

#: Label of positions the loss ignores (PyTorch's cross-entropy default ``ignore_index``).
IGNORE_INDEX = -100


def pad_collator(tokenizer: Any) -> Callable[[list[dict]], dict]:
    """Pad each batch to its longest member (transformers' ``DataCollatorWithPadding``)."""
    from transformers import DataCollatorWithPadding

    return DataCollatorWithPadding(tokenizer)


def token_collator(tokenizer: Any) -> Callable[[list[dict]], dict]:
    """Dynamic padding with token labels padded by :data:`IGNORE_INDEX`."""
    from transformers import DataCollatorForTokenClassification

    return DataCollatorForTokenClassification(tokenizer, label_pad_token_id=IGNORE_INDEX)


def choice_collator(tokenizer: Any) -> Callable[[list[dict]], dict]:
    """Dynamic padding of every choice of every item (transformers' multiple-choice collator)."""
    from transformers import DataCollatorForMultipleChoice

    collate = DataCollatorForMultipleChoice(tokenizer)
    # transformers' collator pops "labels" out of the feature dicts it is given: copies keep
    # the dataset intact for the next epoch.
    return lambda features: collate([dict(f) for f in features])


@dataclass(frozen=True)
class Trainable:
    """Training of one family's head: features, collator, loss, augmentation."""

    #: records, tokenizer, label inventory, max length -> one feature dict per model input.
    featurize: Callable[[Sequence[Record], Any, Sequence[str], int], list[dict]]
    make_collator: Callable[[Any], Callable[[list[dict]], dict]]
    #: The head's own loss (transformers computes it when the label keys are in the batch).
    loss: str
    #: record, augmenter, rng -> perturbed copies (None: augmentation not defined here).
    augment: Callable[[Record, Any, Any], list[Record]] | None = None
    #: True where inputs are long (QA contexts): the ``qa_max_length`` setting applies.
    long_inputs: bool = False

    @staticmethod
    def length(feature: Mapping[str, Any]) -> int:
        """Sub-words of a feature (its longest choice for multiple choice)."""
        ids = feature["input_ids"]
        return max(len(x) for x in ids) if ids and isinstance(ids[0], list) else len(ids)
