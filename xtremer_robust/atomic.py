"""Atomic file writes: the one helper every part writes its outputs with.

Why: an interrupted run must leave either the old file or the complete new one, never half
of one, so that resuming (score, build-subsets) and readers never meet a truncated file.
The data goes to a temporary file in the target's own folder (a rename across file systems
is not atomic), is flushed to disk, gets the permissions a plain ``open`` would give
(``mkstemp`` makes 0600, but outputs are shared read-only data), and is renamed into place
with ``os.replace``, which is atomic on POSIX and Windows. A failure removes the temporary
file and re-raises.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

__all__ = ["atomic_write_bytes", "atomic_write_text"]


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


def atomic_write_bytes(path: str | Path, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically (see the module docstring); creates the folder."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def atomic_write_text(path: str | Path, text: str) -> None:
    """Write ``text`` as UTF-8 to ``path`` atomically, newlines as given (no platform translation)."""
    atomic_write_bytes(path, text.encode("utf-8"))
