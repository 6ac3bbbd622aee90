"""Data sources (a local folder in the original layouts, or the Hugging Face Hub) and records.

The public entry point is :func:`load_task_data`; it returns a :class:`TaskData` with one
record type per task family, every item with a stable id.
"""

from xtremer_robust.data.records import (
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
from xtremer_robust.data.taskdata import TaskData

__all__ = [
    "Answer",
    "Candidate",
    "ChoiceItem",
    "PairItem",
    "QAItem",
    "Record",
    "RetrievalItem",
    "TaggingItem",
    "TaskData",
    "content_hash",
    "record_from_dict",
    "record_to_dict",
]
