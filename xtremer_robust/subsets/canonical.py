"""Canonical bytes, hashes and atomic writes: what makes two builds byte-identical.

Every file the builder writes goes through here: JSON with sorted keys, ``ensure_ascii=False``
and fixed separators (so the bytes do not depend on dict insertion order or the platform),
``\\n`` line ends, floats rounded to a fixed number of digits, and an atomic replace
(:func:`xtremer_robust.atomic.atomic_write_bytes`, re-exported here) so that a killed build
never leaves a half-written subset behind.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any, Iterable

from xtremer_robust.atomic import atomic_write_bytes

__all__ = [
    "FLOAT_DIGITS",
    "canonical_json",
    "jsonl_bytes",
    "sha256_bytes",
    "sha256_file",
    "atomic_write_bytes",
    "round_floats",
]

#: Digits kept in every float written to a manifest: enough for shares and ratios, few
#: enough that summation-order noise in the last bits can never reach the file.
FLOAT_DIGITS = 6


def round_floats(value: Any) -> Any:
    """Round every float inside ``value`` (dicts, lists, tuples) to :data:`FLOAT_DIGITS`."""
    if isinstance(value, float):
        return round(value, FLOAT_DIGITS)
    if isinstance(value, dict):
        return {k: round_floats(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [round_floats(v) for v in value]
    return value


def canonical_json(value: Any) -> str:
    """One line of canonical JSON: sorted keys, UTF-8 text kept as is, no spaces."""
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"), allow_nan=False)


def jsonl_bytes(rows: Iterable[Any]) -> bytes:
    """Canonical JSON Lines (one object per line, ``\\n`` after each) as UTF-8 bytes."""
    return "".join(canonical_json(row) + "\n" for row in rows).encode("utf-8")


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sha256_file(path: Path) -> str:
    """sha256 of a file, read in chunks (source files can be tens of MB)."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


