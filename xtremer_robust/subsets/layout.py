"""Where each subset lives: ``<out>/<task>/<lang>/<split>/<variant>.jsonl`` and its manifest.

A subset's id is the same path without the extension (``xnli/sw/test/char_sub_5``); ids are
what the index, the views and the scorer's submissions refer to.
"""

from __future__ import annotations

from pathlib import Path

from xtremer_robust.errors import ConfigError

__all__ = [
    "INDEX_FILE",
    "CANDIDATES_FILE",
    "MANIFEST_SUFFIX",
    "subset_id",
    "parse_subset_id",
    "subset_file",
    "manifest_file",
    "candidates_file",
]

INDEX_FILE = "index.json"
CANDIDATES_FILE = "candidates.jsonl"
MANIFEST_SUFFIX = ".manifest.json"


def subset_id(task: str, lang: str, split: str, variant: str) -> str:
    return f"{task}/{lang}/{split}/{variant}"


def parse_subset_id(sid: str) -> tuple[str, str, str, str]:
    parts = sid.split("/")
    if len(parts) != 4 or not all(parts) or any(p in {".", ".."} for p in parts):
        raise ConfigError(f"subset id '{sid}': expected task/language/split/variant")
    return parts[0], parts[1], parts[2], parts[3]


def subset_file(out: Path, task: str, lang: str, split: str, variant: str) -> Path:
    return out / task / lang / split / f"{variant}.jsonl"


def manifest_file(out: Path, task: str, lang: str, split: str, variant: str) -> Path:
    return out / task / lang / split / f"{variant}{MANIFEST_SUFFIX}"


def candidates_file(out: Path, task: str, lang: str, split: str) -> Path:
    return out / task / lang / split / CANDIDATES_FILE
