"""Label-true application of a recipe to a record of any task family.

Why here and not in each recipe: what may be edited depends on the task, not on the noise.
Labels are never touched; tagging tokens keep their count and stay whitespace-free; QA answer
texts are kept verbatim and their offsets recomputed; retrieval perturbs only the query. The
randomness of an item comes from ``item_rng(seed, task, lang, item id, recipe name)`` and is
consumed field by field in a fixed order, so the result does not depend on processing order.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, replace
from typing import Sequence

import numpy as np

from xtremer_robust.families.records import (
    Answer,
    QAItem,
    Record,
    TaggingItem,
)
from xtremer_robust.errors import ConfigError, DataError
from xtremer_robust.families import FAMILIES
from xtremer_robust.languages import get_language
from xtremer_robust.perturb.base import Recipe, item_rng
from xtremer_robust.perturb.editdistance import grapheme_distance
from xtremer_robust.perturb.segment import cluster_tuple, graphemes

__all__ = ["Perturbed", "apply_recipe", "DEFAULT_FIELDS", "perturbable_texts"]

#: The text fields each record type perturbs by default, in the order randomness is drawn:
#: what each family declares a perturbation may edit (``Family.perturbable``).
DEFAULT_FIELDS: dict[type, tuple[str, ...]] = {f.record_type: f.perturbable for f in FAMILIES.values()}


@dataclass(frozen=True)
class Perturbed:
    """The outcome for one item: the (possibly) new record and how much it moved."""

    record: Record
    changed: bool
    #: grapheme Levenshtein distance summed over edited fields / their original grapheme count
    char_edit_ratio: float
    #: why nothing was attempted (a counted skip), None when the recipe ran
    skipped_reason: str | None


def _check_fields(record: Record, fields: Sequence[str] | None) -> tuple[str, ...]:
    allowed = DEFAULT_FIELDS[type(record)]
    if fields is None:
        return allowed
    chosen = tuple(fields)
    wrong = [f for f in chosen if f not in allowed]
    if wrong or not chosen:
        raise ConfigError(
            f"fields={chosen!r} for {type(record).__name__}: expected a non-empty subset of {allowed!r}, "
            f"got unknown {wrong!r}"
        )
    return tuple(f for f in allowed if f in chosen)  # canonical order keeps randomness stable


def perturbable_texts(record: Record, fields: tuple[str, ...]) -> list[str]:
    """The texts of ``fields`` (sequence fields flattened), as the recipe will see them."""
    texts: list[str] = []
    for name in fields:
        value = getattr(record, name)
        texts.extend(value if isinstance(value, tuple) else [value])
    return texts


def _tagging(record: TaggingItem, recipe: Recipe, lang: str, rng: np.random.Generator) -> tuple[Record, list[tuple[str, str]]]:
    if recipe.level == "word":
        return record, []
    tokens = []
    for token in record.tokens:
        new = recipe.perturb(token, lang=lang, rng=rng)
        # a token must stay one non-empty, whitespace-free token so that tags stay aligned
        if not new or any(ch.isspace() for ch in new):
            new = token
        tokens.append(new)
    pairs = list(zip(record.tokens, tokens))
    return replace(record, tokens=tuple(tokens)), pairs


def _protected_intervals(context: str, answers: tuple[Answer, ...], item_id: str) -> list[tuple[int, int]]:
    """Answer spans widened to grapheme-cluster boundaries and merged (sorted, disjoint)."""
    bounds = [0]
    for cluster in graphemes(context):
        bounds.append(bounds[-1] + len(cluster))
    spans = []
    for answer in answers:
        end = answer.start + len(answer.text)
        if answer.start < 0 or context[answer.start : end] != answer.text:
            raise DataError(f"item {item_id}: answer {answer.text!r} is not at offset {answer.start} of its context")
        lo = bounds[bisect.bisect_right(bounds, answer.start) - 1]
        hi = bounds[bisect.bisect_left(bounds, end)] if end <= bounds[-1] else end
        spans.append((lo, hi))
    merged: list[tuple[int, int]] = []
    for lo, hi in sorted(spans):
        if merged and lo <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(hi, merged[-1][1]))
        else:
            merged.append((lo, hi))
    return merged


def _perturb_context(record: QAItem, recipe: Recipe, lang: str, rng: np.random.Generator) -> tuple[str, tuple[Answer, ...]]:
    intervals = _protected_intervals(record.context, record.answers, record.id)
    pieces: list[str] = []
    new_starts: dict[int, int] = {}  # old interval start -> new offset
    cursor = 0
    length = 0
    for lo, hi in intervals:
        outside = recipe.perturb(record.context[cursor:lo], lang=lang, rng=rng) if lo > cursor else ""
        pieces.append(outside)
        length += len(outside)
        new_starts[lo] = length
        pieces.append(record.context[lo:hi])  # answers are kept verbatim
        length += hi - lo
        cursor = hi
    if cursor < len(record.context):
        pieces.append(recipe.perturb(record.context[cursor:], lang=lang, rng=rng))
    context = "".join(pieces)
    answers = []
    for answer in record.answers:
        lo = max(start for start in new_starts if start <= answer.start)
        start = new_starts[lo] + (answer.start - lo)
        answers.append(Answer(text=answer.text, start=start))
        if context[start : start + len(answer.text)] != answer.text:  # an invariant, checked always
            raise AssertionError(f"item {record.id}: answer offset lost after perturbation")
    return context, tuple(answers)


def _perturb_fields(record: Record, recipe: Recipe, fields: tuple[str, ...], lang: str, rng: np.random.Generator) -> tuple[Record, list[tuple[str, str]]]:
    if isinstance(record, TaggingItem):
        return _tagging(record, recipe, lang, rng)
    updates: dict[str, object] = {}
    pairs: list[tuple[str, str]] = []
    for name in fields:
        value = getattr(record, name)
        if isinstance(record, QAItem) and name == "context":
            context, answers = _perturb_context(record, recipe, lang, rng)
            updates["context"], updates["answers"] = context, answers
            pairs.append((value, context))
        elif isinstance(value, tuple):
            new = tuple(recipe.perturb(v, lang=lang, rng=rng) for v in value)
            updates[name] = new
            pairs.extend(zip(value, new))
        else:
            updates[name] = recipe.perturb(value, lang=lang, rng=rng)
            pairs.append((value, updates[name]))
    return replace(record, **updates), pairs


def apply_recipe(
    record: Record,
    recipe: Recipe,
    *,
    seed: int,
    task: str,
    lang: str,
    fields: Sequence[str] | None = None,
) -> Perturbed:
    """Perturb the text fields of ``record`` with ``recipe``, keeping its labels true.

    ``fields`` narrows the edited fields (e.g. ``("text_a",)`` for one side of a pair); the
    defaults are :data:`DEFAULT_FIELDS`. Items with nothing the recipe could change come back
    unchanged with ``skipped_reason`` set. An unknown ``lang`` or field raises ConfigError.
    """
    get_language(lang)  # an unknown language fails here, with the closest codes
    if type(record) not in DEFAULT_FIELDS:
        raise ConfigError(f"apply_recipe: expected a record (PairItem, ChoiceItem, ...), got {type(record).__name__}")
    chosen = _check_fields(record, fields)
    texts = perturbable_texts(record, chosen)
    if isinstance(record, TaggingItem) and recipe.level == "word":
        return Perturbed(record, False, 0.0, f"word-level recipe '{recipe.name}' would break token/tag alignment")
    if not any(recipe.applicable(text, lang=lang) for text in texts):
        return Perturbed(record, False, 0.0, f"nothing for '{recipe.name}' to perturb in {', '.join(chosen)}")
    if isinstance(record, QAItem) and "context" in chosen:
        try:
            _protected_intervals(record.context, record.answers, record.id)
        except DataError as error:  # a broken source item is counted, not fatal
            return Perturbed(record, False, 0.0, f"answer span does not match its context: {error}")
    rng = item_rng(seed, task, lang, record.id, recipe.name)
    new_record, pairs = _perturb_fields(record, recipe, chosen, lang, rng)
    total = sum(len(cluster_tuple(old)) for old, _ in pairs)
    distance = sum(grapheme_distance(old, new) for old, new in pairs)
    ratio = distance / total if total else 0.0
    return Perturbed(new_record, new_record != record, ratio, None)
