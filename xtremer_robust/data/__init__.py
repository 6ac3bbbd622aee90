"""Data sources (a local folder in the original layouts, or the Hugging Face Hub) and records.

The public entry point is :func:`load_task_data`; it returns a :class:`TaskData` with one
record type per task family, every item with a stable id.
"""

from xtremer_robust.families.records import (
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
from xtremer_robust.data.loader import SetStatus, available_sets, load_task_data, scan_sets
from xtremer_robust.data.local import load_lareqa_multilingual
from xtremer_robust.data.taskdata import SourceFile, TaskData

__all__ = [
    "Answer",
    "Candidate",
    "ChoiceItem",
    "PairItem",
    "QAItem",
    "Record",
    "RetrievalItem",
    "TaggingItem",
    "SetStatus",
    "SourceFile",
    "TaskData",
    "available_sets",
    "load_lareqa_multilingual",
    "load_task_data",
    "scan_sets",
    "content_hash",
    "record_from_dict",
    "record_to_dict",
]
