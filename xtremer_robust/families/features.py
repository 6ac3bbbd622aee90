"""What a family's featurizer hands the shared forward loop, and two tokenizer helpers.

Why here: featurizers belong to their family (``families/<family>.py``), and the runner's
batching loop (:mod:`xtremer_robust.runner.engine`) consumes their output; the type both
sides share must sit below both.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol, Sequence

__all__ = ["Feature", "Featurizer", "model_max_length", "encoding_inputs", "INPUT_KEYS"]

#: The tokenizer outputs a model takes (others, such as offsets, stay on the feature).
INPUT_KEYS = ("input_ids", "attention_mask", "token_type_ids")


@dataclass
class Feature:
    """One model input: token lists (or, for multiple choice, one list per choice) of one item."""

    owner: int
    inputs: dict[str, Any]
    length: int
    extra: Any = None


class Featurizer(Protocol):
    """How one family turns records into model inputs and model outputs into predictions.

    ``head_key`` names every setting that changes a prediction (it is part of the cache key);
    ``finalize`` receives the features of one item in text order with their outputs.
    """

    def head_key(self) -> str: ...

    def featurize(self, items: Sequence[Any]) -> list[Feature]: ...

    def forward(self, model: Any, batch: dict[str, Any]) -> list[Any]: ...

    def finalize(self, item: Any, features: list[Feature], outputs: list[Any]) -> Any: ...


def model_max_length(loaded: Any, cap: int = 512) -> int:
    """The longest input the model accepts (tokenizers often report a huge sentinel)."""
    limits = [cap, getattr(loaded.tokenizer, "model_max_length", cap) or cap]
    positions = getattr(loaded.model.config, "max_position_embeddings", None)
    if positions:
        # RoBERTa-style position ids start after the padding index.
        offset = 2 if getattr(loaded.model.config, "model_type", "") in ("xlm-roberta", "roberta", "camembert") else 0
        limits.append(positions - offset)
    return int(min(limits))


def encoding_inputs(encoding: Any, index: int | None = None) -> dict[str, list[int]]:
    """The model inputs of one row of a tokenizer batch encoding (or of a single encoding)."""
    keys = [k for k in INPUT_KEYS if k in encoding]
    return {k: list(encoding[k] if index is None else encoding[k][index]) for k in keys}
