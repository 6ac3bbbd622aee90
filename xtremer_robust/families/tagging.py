"""Sequence tagging (UD-POS, PAN-X): one tag per word, read off the word's FIRST sub-word.

XTREME (``third_party/utils_tag.py``) labels the first sub-word of each word and ignores
the rest; we predict the same way. A word the tokenizer turns into no sub-word at all,
or that falls beyond the model's maximum length, gets the fallback tag ("O" where the
task has it, else its first label): rare, and counted against the model. The head's
outputs are the task's tag set, so one checkpoint serves one task.
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from xtremer_robust.families.base import Family, Head, ReaderRule
from xtremer_robust.families.features import Feature, encoding_inputs, model_max_length
from xtremer_robust.families.pair import as_is
from xtremer_robust.families.records import Record, TaggingItem
from xtremer_robust.families.training import IGNORE_INDEX, Trainable, token_collator

__all__ = ["TAGGING", "TaggingFeaturizer"]


class TaggingFeaturizer:
    def __init__(self, loaded: Any):
        self.loaded = loaded
        self.max_length = model_max_length(loaded)
        labels = [loaded.id2label[i] for i in sorted(loaded.id2label)]
        self.fallback = "O" if "O" in labels else labels[0]

    def head_key(self) -> str:
        labels = ",".join(self.loaded.id2label[i] for i in sorted(self.loaded.id2label))
        return f"tagging:first-subword:max{self.max_length}:labels={labels}"

    def featurize(self, items: Sequence[TaggingItem]) -> list[Feature]:
        enc = self.loaded.tokenizer(
            [list(i.tokens) for i in items], is_split_into_words=True, truncation=True, max_length=self.max_length
        )
        features = []
        for n in range(len(items)):
            first: dict[int, int] = {}
            for position, word in enumerate(enc.word_ids(n)):
                if word is not None and word not in first:
                    first[word] = position
            features.append(Feature(owner=n, inputs=encoding_inputs(enc, n), length=len(enc["input_ids"][n]), extra=first))
        return features

    def forward(self, model: Any, batch: dict[str, Any]) -> list[np.ndarray]:
        return list(model(**batch).logits.argmax(-1).cpu().numpy())

    def finalize(self, item: TaggingItem, features: list[Feature], outputs: list[np.ndarray]) -> list[str]:
        first, best = features[0].extra, outputs[0]
        return [self.loaded.id2label[int(best[first[w]])] if w in first else self.fallback for w in range(len(item.tokens))]


def tag_references(items: Sequence[Record]) -> list[Any]:
    """The gold tag sequence of each item."""
    return [list(item.tags) for item in items]  # type: ignore[union-attr]


def tag_share(item: Record, prediction: Any) -> float:
    """The share of tokens whose predicted tag is the gold one."""
    tags = item.tags  # type: ignore[union-attr]
    return sum(p == g for p, g in zip(prediction, tags)) / max(1, len(tags))


def train_features(items: Sequence[TaggingItem], tokenizer: Any, labels: Sequence[str], max_length: int) -> list[dict]:
    """Tag ids on each word's FIRST sub-word, the rest and special tokens ignored (XTREME's utils_tag.py)."""
    index = {label: i for i, label in enumerate(labels)}
    enc = tokenizer([list(i.tokens) for i in items], is_split_into_words=True, truncation=True, max_length=max_length)
    features = []
    for n, item in enumerate(items):
        seen: set[int] = set()
        row = []
        for word in enc.word_ids(n):
            if word is None or word in seen:
                row.append(IGNORE_INDEX)
            else:
                seen.add(word)
                row.append(index[item.tags[word]])
        features.append({**encoding_inputs(enc, n), "labels": row})
    return features


def augment_tokens(item: TaggingItem, augmenter: Any, rng: Any) -> list[Record]:
    """The augmenter's one-token-per-token copies, tags kept aligned."""
    copies = augmenter.augment_tokens(list(item.tokens), rng=rng)
    return [TaggingItem(id=f"{item.id}~{k}", tokens=tuple(t), tags=item.tags) for k, t in enumerate(copies)]


TAGGING = Family(
    name="tagging",
    record_type=TaggingItem,
    readers=(ReaderRule(r"\.conllu$", "conllu"), ReaderRule(r"\.tsv$", "token_tag_tsv")),
    head=Head("AutoModelForTokenClassification", "ForTokenClassification", task_labels=True),
    perturbable=("tokens",),
    attack_fields=("tokens",),
    featurizer=TaggingFeaturizer,
    uses_candidates=False,
    references=tag_references,
    metric_inputs=as_is,
    gold_score=tag_share,
    layouts=(("tsv", "tags"),),  # one tag per line, a blank line between sentences
    training=Trainable(train_features, token_collator, "token cross-entropy on each word's first sub-word (others ignored)", augment_tokens),
)
