"""Robust-XLT's "generalized" cross-lingual pairs: text_a in language X, text_b in language Y.

Huang et al. 2021, "Improving Zero-Shot Cross-Lingual Transfer Learning via Robust Training"
(EMNLP, arXiv 2104.08645), section 4: the XNLI and PAWS-X test sets are translations of the
same English items, so row i of every language carries the same pair; mixing the first
sentence of language X with the second of language Y gives a pair whose label is still the
English one. The languages are named ``X-Y`` (``de-sw``).

PAWS-X labels are NOT identical across languages (the translators' sets disagree on about 1%
of rows); a pair is kept only where both languages carry the same label, and the rest are
counted as skipped with a reason, never relabelled.
"""

from __future__ import annotations

from xtremer_robust.families.records import PairItem
from xtremer_robust.families import PAIR_CLASSIFICATION, get_family
from xtremer_robust.data.taskdata import TaskData
from xtremer_robust.errors import ConfigError

__all__ = ["is_pair_language", "split_pair_language", "pair_language", "generalized_pairs"]


def pair_language(first: str, second: str) -> str:
    return f"{first}-{second}"


def is_pair_language(lang: str) -> bool:
    return "-" in lang


def split_pair_language(lang: str) -> tuple[str, str]:
    first, _, second = lang.partition("-")
    if not first or not second or first == second:
        raise ConfigError(f"generalized language '{lang}': expected X-Y with two different language codes (e.g. de-sw)")
    return first, second


def generalized_pairs(first: TaskData, second: TaskData) -> tuple[TaskData, dict[str, int]]:
    """Join two parallel pair-classification sets by item id: text_a from ``first``, text_b from ``second``.

    Returns the joined set (in ``first``'s order) and the counts of items left out, by reason.
    """
    if get_family(first.family) is not PAIR_CLASSIFICATION or get_family(second.family) is not PAIR_CLASSIFICATION:
        raise ConfigError(f"generalized pairs need pair-classification sets, got {first.family} and {second.family}")
    if (first.task, first.split) != (second.task, second.split):
        raise ConfigError(f"generalized pairs need the same task and split, got {first.task}/{first.split} "
                          f"and {second.task}/{second.split}")
    by_id = {item.id: item for item in second.items}
    items: list[PairItem] = []
    dropped: dict[str, int] = {}
    for item in first.items:
        other = by_id.get(item.id)
        if other is None:
            dropped["missing in second language"] = dropped.get("missing in second language", 0) + 1
            continue
        if not isinstance(item, PairItem) or not isinstance(other, PairItem):
            raise ConfigError(f"generalized pairs: item {item.id} is not a sentence pair")
        if item.label != other.label:
            dropped["labels differ across languages"] = dropped.get("labels differ across languages", 0) + 1
            continue
        items.append(PairItem(id=item.id, text_a=item.text_a, text_b=other.text_b, label=item.label))
    joined = TaskData(
        task=first.task,
        language=pair_language(first.language, second.language),
        split=first.split,
        family=first.family,
        items=tuple(items),
        sources=tuple(first.sources) + tuple(s for s in second.sources if s not in first.sources),
    )
    return joined, dropped
