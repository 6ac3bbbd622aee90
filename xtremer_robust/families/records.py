"""One immutable record type per task family (the families part owns them; ``data`` reads into them).

Why here and not in ``data``: a family declares its record type, and the task registry
(which sits below the readers) holds family objects, so the record types must sit below
both.

Every item carries a stable ``id`` shared by all its variants (clean, perturbed,
adversarial) so that every comparison is paired. For sets that are parallel across
languages (XNLI, PAWS-X, XQuAD, Tatoeba lines...) the id is the same across languages too.
``to_dict``/``from_dict`` give the JSON form written into subset files.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, fields
from typing import Any, ClassVar, Union

__all__ = [
    "PairItem",
    "ChoiceItem",
    "TaggingItem",
    "Answer",
    "QAItem",
    "RetrievalItem",
    "Candidate",
    "Record",
    "RECORD_TYPES",
    "record_from_dict",
    "record_to_dict",
    "content_hash",
]


@dataclass(frozen=True)
class PairItem:
    """Pair classification (XNLI, PAWS-X): two texts and a label name (None when unlabelled)."""

    family: ClassVar[str] = "pair_classification"
    id: str
    text_a: str
    text_b: str
    label: str | None


@dataclass(frozen=True)
class ChoiceItem:
    """Multiple choice (XCOPA): a premise, the question type (cause/effect), the choices, the gold index."""

    family: ClassVar[str] = "multiple_choice"
    id: str
    premise: str
    question: str
    choices: tuple[str, ...]
    label: int | None


@dataclass(frozen=True)
class TaggingItem:
    """Sequence tagging (UD-POS, PAN-X): one tag per token; ``len(tokens) == len(tags)`` always."""

    family: ClassVar[str] = "tagging"
    id: str
    tokens: tuple[str, ...]
    tags: tuple[str, ...]

    def __post_init__(self) -> None:
        if len(self.tokens) != len(self.tags):
            raise ValueError(f"item {self.id}: {len(self.tokens)} tokens but {len(self.tags)} tags")


@dataclass(frozen=True)
class Answer:
    """A gold answer span: ``context[start:start + len(text)] == text``."""

    text: str
    start: int


@dataclass(frozen=True)
class QAItem:
    """Extractive QA (XQuAD, MLQA, TyDiQA-GoldP)."""

    family: ClassVar[str] = "span_qa"
    id: str
    question: str
    context: str
    answers: tuple[Answer, ...]


@dataclass(frozen=True)
class Candidate:
    """A retrieval candidate (a target-side sentence)."""

    id: str
    text: str


@dataclass(frozen=True)
class RetrievalItem:
    """Retrieval (Tatoeba, LAReQA, Mewsli-X): a query and the ids of its relevant candidates.

    The candidate pool of a (task, language) set travels beside the items (see
    ``xtremer_robust.data.TaskData.candidates``); perturbations touch the query only.
    """

    family: ClassVar[str] = "retrieval"
    id: str
    query: str
    relevant: tuple[str, ...]


Record = Union[PairItem, ChoiceItem, TaggingItem, QAItem, RetrievalItem]
RECORD_TYPES: dict[str, type] = {
    cls.family: cls for cls in (PairItem, ChoiceItem, TaggingItem, QAItem, RetrievalItem)
}


def record_to_dict(record: Record | Candidate) -> dict[str, Any]:
    """JSON-ready dict (tuples become lists)."""
    return asdict(record)


def record_from_dict(family: str, data: dict[str, Any]) -> Record:
    """Rebuild a record of ``family`` from its JSON form."""
    cls = RECORD_TYPES[family]
    names = {f.name for f in fields(cls)}
    kwargs = {k: v for k, v in data.items() if k in names}
    for key, value in list(kwargs.items()):
        if key == "answers":
            kwargs[key] = tuple(Answer(**a) for a in value)
        elif isinstance(value, list):
            kwargs[key] = tuple(value)
    return cls(**kwargs)


def content_hash(record: Record | Candidate) -> str:
    """sha256 of the canonical JSON of a record: the cache key of its prediction."""
    payload = json.dumps(record_to_dict(record), ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()
