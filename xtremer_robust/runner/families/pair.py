"""Pair classification (XNLI, PAWS-X): one sequence-classification forward per pair."""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from xtremer_robust.data.records import PairItem
from xtremer_robust.runner.engine import Feature

__all__ = ["PairFamily", "model_max_length"]


def model_max_length(loaded: Any, cap: int = 512) -> int:
    """The longest input the model accepts (tokenizers often report a huge sentinel)."""
    limits = [cap, getattr(loaded.tokenizer, "model_max_length", cap) or cap]
    positions = getattr(loaded.model.config, "max_position_embeddings", None)
    if positions:
        # RoBERTa-style position ids start after the padding index.
        offset = 2 if getattr(loaded.model.config, "model_type", "") in ("xlm-roberta", "roberta", "camembert") else 0
        limits.append(positions - offset)
    return int(min(limits))


def _inputs(encoding: Any, index: int | None = None) -> dict[str, list[int]]:
    keys = [k for k in ("input_ids", "attention_mask", "token_type_ids") if k in encoding]
    return {k: list(encoding[k] if index is None else encoding[k][index]) for k in keys}


class PairFamily:
    """Predicts the task label of ``(text_a, text_b)`` with the head's argmax."""

    def __init__(self, loaded: Any):
        self.loaded = loaded
        self.max_length = model_max_length(loaded)

    def head_key(self) -> str:
        return f"pair_classification:max{self.max_length}:labels={','.join(self.loaded.id2label[i] for i in sorted(self.loaded.id2label))}"

    def featurize(self, items: Sequence[PairItem]) -> list[Feature]:
        enc = self.loaded.tokenizer(
            [i.text_a for i in items], [i.text_b for i in items], truncation=True, max_length=self.max_length
        )
        return [Feature(owner=n, inputs=_inputs(enc, n), length=len(enc["input_ids"][n])) for n in range(len(items))]

    def forward(self, model: Any, batch: dict[str, Any]) -> list[np.ndarray]:
        return list(model(**batch).logits.float().cpu().numpy())

    def finalize(self, item: PairItem, features: list[Feature], outputs: list[np.ndarray]) -> str:
        return self.loaded.id2label[int(np.argmax(outputs[0]))]
