"""Sequence tagging (UD-POS, PAN-X): one tag per word, read off the word's FIRST sub-word.

XTREME (``third_party/utils_tag.py``) labels the first sub-word of each word and ignores
the rest; we predict the same way. A word the tokenizer turns into no sub-word at all,
or that falls beyond the model's maximum length, gets :data:`FALLBACK` ("O" where the
task has it, else its first label): rare, and counted against the model.
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from xtremer_robust.data.records import TaggingItem
from xtremer_robust.runner.engine import Feature
from xtremer_robust.runner.families.pair import _inputs, model_max_length

__all__ = ["TaggingFamily"]


class TaggingFamily:
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
            word_ids = enc.word_ids(n)
            first: dict[int, int] = {}
            for position, word in enumerate(word_ids):
                if word is not None and word not in first:
                    first[word] = position
            features.append(Feature(owner=n, inputs=_inputs(enc, n), length=len(enc["input_ids"][n]), extra=first))
        return features

    def forward(self, model: Any, batch: dict[str, Any]) -> list[np.ndarray]:
        ids = model(**batch).logits.argmax(-1).cpu().numpy()
        return list(ids)

    def finalize(self, item: TaggingItem, features: list[Feature], outputs: list[np.ndarray]) -> list[str]:
        first, best = features[0].extra, outputs[0]
        return [self.loaded.id2label[int(best[first[w]])] if w in first else self.fallback for w in range(len(item.tokens))]
