"""Frozen-prefix caching: run the frozen embeddings and lowest layers once, train only the rest.

When the word embeddings and the lowest ``L`` transformer layers are frozen, their output
for a training example is the same at every step and every epoch, so computing it at
every step is wasted work. We compute it once per example (in eval mode: frozen layers
apply no dropout), then train a view of the same model whose embedding module passes
``inputs_embeds`` through and whose layer stack holds only layers ``L..``: the head, its
loss and every trainable parameter are the model's own objects, so after training the
full model (restored in place) holds the trained top layers. On the 2-core CPU this
makes a step several times cheaper (docs/training.md, Speed).

Architectures: encoders with ``base_model.embeddings`` and ``base_model.encoder.layer``
(BERT, XLM-R, mBERT, multilingual-e5, RoBERTa, ELECTRA...). Others stay on the uncached
path (a ConfigError says so).
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Any, Iterator, Sequence

import torch
from torch import nn

from xtremer_robust.errors import ConfigError
from xtremer_robust.families.features import INPUT_KEYS
from xtremer_robust.families.training import IGNORE_INDEX

__all__ = ["PassThroughEmbeddings", "Truncation", "encode_prefix", "CachedCollator"]


class PassThroughEmbeddings(nn.Module):
    """Stands in for the embedding module: the cached hidden states arrive as ``inputs_embeds``."""

    def forward(self, input_ids=None, position_ids=None, token_type_ids=None, inputs_embeds=None, past_key_values_length=0):
        return inputs_embeds


def _parts(model: Any) -> tuple[Any, Any]:
    base = model.base_model
    encoder = getattr(base, "encoder", None)
    if getattr(base, "embeddings", None) is None or getattr(encoder, "layer", None) is None:
        raise ConfigError(f"frozen-prefix caching needs an encoder with embeddings and encoder.layer ({type(base).__name__} has not); set cache_frozen: false")
    return base, encoder


class Truncation:
    """Swaps the model into "layers ``layers..`` + head, fed cached hidden states" and back.

    ``swap``/``restore`` rather than a context manager: an export in the middle of training
    restores the full model, saves it, and swaps again.
    """

    def __init__(self, model: Any, layers: int):
        self.base, self.encoder = _parts(model)
        self.layers = layers
        self.embeddings, self.stack = self.base.embeddings, self.encoder.layer
        if layers > len(self.stack):
            raise ConfigError(f"freeze_layers: {layers} asked but the model has {len(self.stack)} layers")

    def swap(self) -> None:
        self.base.embeddings, self.encoder.layer = PassThroughEmbeddings(), nn.ModuleList(list(self.stack)[self.layers:])

    def restore(self) -> None:
        self.base.embeddings, self.encoder.layer = self.embeddings, self.stack


@contextmanager
def prefix_only(model: Any, layers: int) -> Iterator[Any]:
    """The encoder seen as "embeddings + layers ``..layers``" (its output is the cache)."""
    base, encoder = _parts(model)
    stack = encoder.layer
    encoder.layer = nn.ModuleList(list(stack)[:layers])
    try:
        yield base
    finally:
        encoder.layer = stack


def encode_prefix(model: Any, features: Sequence[dict], layers: int, *, pad_id: int = 0, batch_size: int = 32) -> list[dict]:
    """Each feature with its tokens replaced by the frozen prefix's output (``inputs_embeds``)."""
    if features and isinstance(features[0]["input_ids"][0], list):
        raise ConfigError("frozen-prefix caching is not available for multiple-choice features; set cache_frozen: false")
    was_training = model.training
    model.eval()
    order = sorted(range(len(features)), key=lambda i: len(features[i]["input_ids"]))
    cached: dict[int, dict] = {}
    with prefix_only(model, layers) as base, torch.inference_mode():
        for start in range(0, len(order), batch_size):
            chunk = order[start : start + batch_size]
            width = max(len(features[i]["input_ids"]) for i in chunk)
            batch = {}
            for key in INPUT_KEYS:
                if key in features[chunk[0]]:
                    pad = pad_id if key == "input_ids" else 0
                    batch[key] = torch.tensor([list(features[i][key]) + [pad] * (width - len(features[i][key])) for i in chunk])
            hidden = base(**batch).last_hidden_state
            for row, i in enumerate(chunk):
                length = len(features[i]["input_ids"])
                rest = {k: v for k, v in features[i].items() if k not in INPUT_KEYS}
                cached[i] = {"inputs_embeds": hidden[row, :length].clone(), **rest}  # the collator rebuilds the mask
    model.train(was_training)
    return [cached[i] for i in range(len(features))]


class CachedCollator:
    """Pads cached hidden states (zeros, masked out), attention masks and labels per batch."""

    def __init__(self, label_pad: int = IGNORE_INDEX):
        self.label_pad = label_pad

    def __call__(self, rows: list[dict]) -> dict[str, torch.Tensor]:
        width = max(r["inputs_embeds"].shape[0] for r in rows)
        hidden = rows[0]["inputs_embeds"].shape[1]
        embeds = torch.zeros(len(rows), width, hidden, dtype=rows[0]["inputs_embeds"].dtype)
        mask = torch.zeros(len(rows), width, dtype=torch.long)
        for n, r in enumerate(rows):
            length = r["inputs_embeds"].shape[0]
            embeds[n, :length] = r["inputs_embeds"]
            mask[n, :length] = 1
        batch: dict[str, torch.Tensor] = {"inputs_embeds": embeds, "attention_mask": mask}
        for key in rows[0]:
            if key in ("inputs_embeds", "attention_mask"):
                continue
            values = [r[key] for r in rows]
            if isinstance(values[0], list):  # token labels
                batch[key] = torch.tensor([v + [self.label_pad] * (width - len(v)) for v in values])
            else:
                batch[key] = torch.tensor(values)
        return batch
