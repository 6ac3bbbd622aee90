"""Pair classification (XNLI, PAWS-X): two texts, one label from the task's label set.

The head is a sequence classifier whose outputs are the task's labels (so one checkpoint
per task); one forward per pair, the prediction is the label of the argmax.
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from xtremer_robust.families.base import Family, Head, ReaderRule
from xtremer_robust.families.features import Feature, encoding_inputs, model_max_length
from xtremer_robust.families.records import PairItem, Record
from xtremer_robust.families.training import Trainable, pad_collator

__all__ = ["PAIR_CLASSIFICATION", "PairFeaturizer", "label_references", "exact_label_score", "as_is"]


class PairFeaturizer:
    """Predicts the task label of ``(text_a, text_b)`` with the head's argmax."""

    def __init__(self, loaded: Any):
        self.loaded = loaded
        self.max_length = model_max_length(loaded)

    def head_key(self) -> str:
        labels = ",".join(self.loaded.id2label[i] for i in sorted(self.loaded.id2label))
        return f"pair_classification:max{self.max_length}:labels={labels}"

    def featurize(self, items: Sequence[PairItem]) -> list[Feature]:
        enc = self.loaded.tokenizer(
            [i.text_a for i in items], [i.text_b for i in items], truncation=True, max_length=self.max_length
        )
        return [Feature(owner=n, inputs=encoding_inputs(enc, n), length=len(enc["input_ids"][n])) for n in range(len(items))]

    def forward(self, model: Any, batch: dict[str, Any]) -> list[np.ndarray]:
        return list(model(**batch).logits.float().cpu().numpy())

    def finalize(self, item: PairItem, features: list[Feature], outputs: list[np.ndarray]) -> str:
        return self.loaded.id2label[int(np.argmax(outputs[0]))]


def label_references(items: Sequence[Record]) -> list[Any]:
    """The gold label of each item (None where unlabelled)."""
    return [item.label for item in items]  # type: ignore[union-attr]


def as_is(items: Sequence[Record], predictions: Sequence[Any]) -> list[Any]:
    """Predictions the metric takes unchanged."""
    return list(predictions)


def exact_label_score(item: Record, prediction: Any) -> float:
    """1.0 when the predicted label is the gold one (compared as text), else 0.0."""
    return 1.0 if str(prediction) == str(item.label) else 0.0  # type: ignore[union-attr]


def train_features(items: Sequence[PairItem], tokenizer: Any, labels: Sequence[str], max_length: int) -> list[dict]:
    """The scoring inputs of each pair plus its label id (single sentences, e.g. SST-2, alone)."""
    index = {label: i for i, label in enumerate(labels)}
    firsts, seconds = [i.text_a for i in items], [i.text_b for i in items]
    if all(b == "" for b in seconds):
        enc = tokenizer(firsts, truncation=True, max_length=max_length)
    else:
        enc = tokenizer(firsts, seconds, truncation=True, max_length=max_length)
    return [{**encoding_inputs(enc, n), "labels": index[item.label]} for n, item in enumerate(items)]


def augment_pair(item: PairItem, augmenter: Any, rng: Any) -> list[Record]:
    """The augmenter's copies of both texts, label kept."""
    copies = augmenter.augment_pair(item.text_a, item.text_b, rng=rng)
    return [PairItem(id=f"{item.id}~{k}", text_a=a, text_b=b, label=item.label) for k, (a, b) in enumerate(copies)]


PAIR_CLASSIFICATION = Family(
    name="pair_classification",
    record_type=PairItem,
    readers=(ReaderRule(r"\.tsv$", "pair_tsv"),),
    head=Head("AutoModelForSequenceClassification", "ForSequenceClassification", task_labels=True),
    perturbable=("text_a", "text_b"),
    attack_fields=("text_a", "text_b"),
    featurizer=PairFeaturizer,
    uses_candidates=False,
    references=label_references,
    metric_inputs=as_is,
    gold_score=exact_label_score,
    layouts=(("tsv", "label"),),  # one label per line
    training=Trainable(train_features, pad_collator, "cross-entropy over the task's labels on the pooled first token", augment_pair),
)
