"""Entity (chunk) F1 for sequence tagging, exactly as XTREME scores PAN-X and UD-POS.

XTREME's ``evaluate.py`` calls ``seqeval.metrics.f1_score`` (seqeval 1.2.2, default
non-strict IOB mode) on the list of sentences for both tasks: PAN-X with IOB2 entity tags,
UD-POS with bare POS tags. seqeval flattens the sentences into one sequence with an ``O``
between them and chunks it with conlleval's rules (``get_entities``); corpus F1 is then
``2 * tp / (n_pred + n_gold)`` over chunk sets ``(type, start, end)``.

This module re-implements that chunker (tests check it against seqeval itself) so that the
statistics can be kept per sentence: ``(tp, n_pred, n_gold)``.

- For IOB2 tags (PAN-X) every chunk ends at the ``O`` after its sentence, so each
  sentence's stats are those of the sentence alone, and ``item_stats`` is exact.
- For POS tags seqeval reads the first character as the IOB tag and the rest as the type
  (``NOUN`` -> tag ``N``, type ``OUN``; ``INTJ`` -> an ``I`` tag; ``SCONJ``/``SYM`` ->
  ``S`` tags). A chunk of ``X`` tags (type ``_``, the same as ``O``'s) is not closed by the
  separator ``O`` and can run into the next sentence. ``batch_stats`` therefore chunks the
  flattened corpus exactly as seqeval does and attributes each chunk to the sentence in
  which it ends: the per-sentence rows sum to seqeval's corpus counts exactly. The rare
  cross-sentence chunk belongs to one sentence in resamples.
"""

from __future__ import annotations

from typing import Any, ClassVar, Sequence

import numpy as np

from xtremer_robust.errors import ConfigError
from xtremer_robust.metrics.base import Metric, safe_ratio

__all__ = ["Chunk", "get_chunks", "SeqevalF1", "tagging_counts"]

Chunk = tuple[str, int, int]  # (type, first position, last position), as seqeval


def _split_tag(tag: str) -> tuple[str, str]:
    """seqeval's prefix mode: the first character is the IOB tag, the rest after '-' the type."""
    return tag[0], tag[1:].split("-", maxsplit=1)[-1] or "_"


def _end_of_chunk(prev_tag: str, tag: str, prev_type: str, type_: str) -> bool:
    if prev_tag in ("E", "S"):
        return True
    if prev_tag in ("B", "I") and tag in ("B", "S", "O"):
        return True
    return prev_tag not in ("O", ".") and prev_type != type_


def _start_of_chunk(prev_tag: str, tag: str, prev_type: str, type_: str) -> bool:
    if tag in ("B", "S"):
        return True
    if prev_tag in ("E", "S", "O") and tag in ("E", "I"):
        return True  # conlleval: E->E, E->I, S->E, S->I, O->E, O->I open a chunk (I- without B-)
    return tag not in ("O", ".") and prev_type != type_


def get_chunks(sequence: Sequence[str]) -> list[Chunk]:
    """Chunks of one flat tag sequence, identical to ``seqeval...get_entities(seq)`` (prefix mode).

    Like seqeval, the scan starts with ``prev_type = ""`` and a trailing ``O`` closes the
    last chunk; an empty tag string is refused (seqeval would crash on it). Each distinct
    tag string is split once (a corpus has a handful), which keeps the scan fast.
    """
    split: dict[str, tuple[str, str]] = {}
    prev_tag, prev_type, begin = "O", "", 0
    chunks: list[Chunk] = []
    for i, raw in enumerate([*sequence, "O"]):
        parts = split.get(raw)
        if parts is None:
            if not raw:
                raise ConfigError(f"tag sequence: position {i} holds an empty tag; every token needs a tag such as 'O'")
            parts = split[raw] = _split_tag(raw)
        tag, type_ = parts
        if _end_of_chunk(prev_tag, tag, prev_type, type_):
            chunks.append((prev_type, begin, i - 1))
        if _start_of_chunk(prev_tag, tag, prev_type, type_):
            begin = i
        prev_tag, prev_type = tag, type_
    return chunks


def _as_tags(value: Any, what: str) -> Sequence[str]:
    if isinstance(value, str) or not isinstance(value, Sequence):
        raise ConfigError(f"{what}: expected a sequence of tag strings (one per token), got {type(value).__name__}")
    if all(type(tag) is str for tag in value):
        return value
    return [str(tag) for tag in value]


def tagging_counts(predictions: Sequence[Sequence[str]], references: Sequence[Sequence[str]]) -> np.ndarray:
    """Per-sentence ``(tp, n_pred, n_gold)`` whose column sums equal seqeval's corpus counts.

    Both sides are flattened the way seqeval flattens a list of sentences (an ``O`` after
    each); every chunk is attributed to the sentence whose span (separator included)
    contains its last position.
    """
    if len(predictions) != len(references):
        raise ConfigError(f"tagging: {len(predictions)} predicted sentences but {len(references)} gold sentences")
    flat_pred: list[str] = []
    flat_gold: list[str] = []
    lengths: list[int] = []  # tokens + separator per sentence
    for k, (pred, gold) in enumerate(zip(predictions, references)):
        pred_tags, gold_tags = _as_tags(pred, f"prediction {k}"), _as_tags(gold, f"reference {k}")
        if len(pred_tags) != len(gold_tags):
            raise ConfigError(
                f"tagging: sentence {k} has {len(pred_tags)} predicted tags but {len(gold_tags)} gold tags; "
                "predict exactly one tag per gold token"
            )
        flat_pred.extend(pred_tags)
        flat_pred.append("O")
        flat_gold.extend(gold_tags)
        flat_gold.append("O")
        lengths.append(len(gold_tags) + 1)
    n = len(lengths)
    counts = np.zeros((n, 3), dtype=np.float64)
    if n == 0:
        return counts
    # sentence index of every flat position (its separator included); a chunk's end can also
    # be the position of the final extra "O" that get_chunks appends: the last sentence.
    sentence_of = np.append(np.repeat(np.arange(n), lengths), n - 1)
    pred_chunks, gold_chunks = set(get_chunks(flat_pred)), set(get_chunks(flat_gold))
    for column, chunks in ((0, pred_chunks & gold_chunks), (1, pred_chunks), (2, gold_chunks)):
        ends = np.fromiter((end for _, _, end in chunks), dtype=np.int64, count=len(chunks))
        counts[:, column] = np.bincount(sentence_of[ends], minlength=n)
    return counts


class SeqevalF1(Metric):
    """seqeval's micro entity F1 (XTREME's ``f1`` for panx and udpos), stats per sentence."""

    name: ClassVar[str] = "f1"
    headline: ClassVar[str] = "f1"
    stat_names: ClassVar[tuple[str, ...]] = ("tp", "n_pred", "n_gold")
    is_mean: ClassVar[bool] = False
    secondary_names: ClassVar[tuple[str, ...]] = ("precision", "recall")

    def item_stats(self, *, prediction: Any, reference: Any) -> tuple[float, ...]:
        """The sentence scored alone; exact for IOB2 tags, see the module note for POS tags."""
        tp, n_pred, n_gold = tagging_counts([prediction], [reference])[0]
        return (tp, n_pred, n_gold)

    def batch_stats(self, *, predictions: Sequence[Any], references: Sequence[Any]) -> np.ndarray:
        return tagging_counts(predictions, references)

    def aggregate(self, stats: np.ndarray) -> np.ndarray:
        totals = np.asarray(stats, dtype=np.float64).sum(axis=-2)
        return safe_ratio(2.0 * totals[..., 0], totals[..., 1] + totals[..., 2])

    def aggregate_secondary(self, name: str, stats: np.ndarray) -> np.ndarray:
        totals = np.asarray(stats, dtype=np.float64).sum(axis=-2)
        if name == "precision":
            return safe_ratio(totals[..., 0], totals[..., 1])
        if name == "recall":
            return safe_ratio(totals[..., 0], totals[..., 2])
        return super().aggregate_secondary(name, stats)
