"""The container every reader returns: one (task, language, split) set."""

from __future__ import annotations

from dataclasses import dataclass, field

from xtremer_robust.families.records import Candidate, Record

__all__ = ["TaskData", "SourceFile"]


@dataclass(frozen=True)
class SourceFile:
    """A file the set was read from, with its sha256 (pinned into subset manifests)."""

    path: str  # relative to the data folder, or "hub:<path>/<config>/<split>"
    sha256: str


@dataclass(frozen=True)
class TaskData:
    """The items of one (task, language, split), in source order, ids unique."""

    task: str
    language: str
    split: str
    family: str
    items: tuple[Record, ...]
    #: Retrieval only: the candidate pool queries are ranked against (never perturbed).
    candidates: tuple[Candidate, ...] = ()
    sources: tuple[SourceFile, ...] = field(default_factory=tuple)

    def __len__(self) -> int:
        return len(self.items)
