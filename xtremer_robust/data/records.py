"""The record types, under the name the readers and older code import them by.

They are defined in :mod:`xtremer_robust.families.records` (a family declares its record
type, and the families part sits below ``data``); this module only re-exports them.
"""

from xtremer_robust.families.records import (
    RECORD_TYPES,
    Answer,
    Candidate,
    ChoiceItem,
    PairItem,
    QAItem,
    Record,
    RetrievalItem,
    TaggingItem,
    content_hash,
    record_from_dict,
    record_to_dict,
)

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
