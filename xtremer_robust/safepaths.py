"""The output boundary: every path built from input is checked here before anything opens it.

Names that arrive in files (a subset index, a manifest, a shard's ``results.json``, a
submission) or in arguments become folder and file names: task, language, split, variant,
item ids used as names, sidecar names, shard files. Each component must match one allow-list
pattern (letters, digits, ``_ . + -``, starting with a letter or digit, at most 128
characters), so ``..``, ``/``, ``\\``, NUL, drive letters, hidden files and control
characters never reach the file system. The joined path is then resolved and must stay
inside its root; a symbolic link below the root that points out of it is refused.

Output options are checked the same way, before any work: ``--out`` must be a folder (or a
file, for the options that name one) that can be created and written.
"""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path, PurePosixPath
from typing import Type

from xtremer_robust.errors import ConfigError, SchemaError, XtremerError

__all__ = [
    "NAME_PATTERN",
    "check_name",
    "safe_join",
    "safe_relpath",
    "inside",
    "check_output_dir",
    "check_output_file",
]

#: One path component derived from input. Task, language (``sw``, ``en-sw``), split, variant
#: (``char_swap_10``, ``adv-builtin_me5-small``) and file names (``clean.jsonl``) all fit.
NAME_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.+\-]{0,127}")


def check_name(value: object, *, field: str, error: Type[XtremerError] = SchemaError) -> str:
    """Return ``value`` if it is one safe path component, else raise ``error`` naming ``field``."""
    if not isinstance(value, str):
        raise error(f"{field}: expected a name (letters, digits, _ . + -), got {type(value).__name__} {_show(value)}")
    if not NAME_PATTERN.fullmatch(value) or ".." in value:
        raise error(
            f"{field}: {_show(value)} is not a safe name; expected 1-128 letters, digits, '_', '.', '+' or '-', "
            "starting with a letter or digit (no '/', '..', spaces or control characters)"
        )
    return value


def _show(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def inside(root: Path, target: Path) -> bool:
    """True when ``target`` (resolved) is ``root`` (resolved) or below it."""
    base = root.resolve()
    resolved = target.resolve()
    return resolved == base or base in resolved.parents


def safe_join(root: str | Path, *parts: object, field: str, error: Type[XtremerError] = SchemaError) -> Path:
    """``root / part / ...`` after checking every part with :func:`check_name` and containment.

    Symbolic links below ``root`` are followed only when they stay inside it.
    """
    root = Path(root)
    names = [check_name(part, field=field, error=error) for part in parts]
    target = root.joinpath(*names)
    if not inside(root, target):
        raise error(f"{field}: '{'/'.join(names)}' resolves outside '{root}' (through a symbolic link); refusing it")
    return target


def safe_relpath(root: str | Path, relpath: object, *, field: str, error: Type[XtremerError] = SchemaError) -> Path:
    """A relative POSIX path from an untrusted file (``items/xnli/sw/test/clean.jsonl``), checked part by part."""
    if not isinstance(relpath, str) or not relpath:
        raise error(f"{field}: expected a relative path, got {_show(relpath)}")
    if "\\" in relpath or PurePosixPath(relpath).is_absolute():
        raise error(f"{field}: {_show(relpath)} is not a relative POSIX path inside its folder")
    parts = relpath.split("/")
    return safe_join(root, *parts, field=field, error=error)


def _writable_dir(folder: Path) -> bool:
    try:
        fd, tmp = tempfile.mkstemp(prefix=".xr-write-check.", dir=folder)
    except OSError:
        return False
    os.close(fd)
    os.unlink(tmp)
    return True


def _nearest_existing(path: Path) -> Path:
    current = path.absolute()
    while not current.exists() and current != current.parent:
        current = current.parent
    return current


def check_output_dir(path: str | Path, *, option: str = "--out") -> Path:
    """Refuse an output folder that is a file, or that cannot be created or written, before any work.

    Nothing is created here: a folder that does not exist yet is checked through its nearest
    existing parent.
    """
    path = Path(path)
    if path.exists() and not path.is_dir():
        raise ConfigError(f"{option}: '{path}' is a file, but a folder is expected; pass a folder path (it is created if missing)")
    base = _nearest_existing(path)
    if not base.is_dir():
        raise ConfigError(f"{option}: '{path}' cannot be created because '{base}' is a file; choose another folder")
    if not _writable_dir(base):
        raise ConfigError(f"{option}: '{base}' is not writable; choose a folder you can write to")
    return path


def check_output_file(path: str | Path, *, option: str = "--out", example: str = "submission.json") -> Path:
    """Refuse an output file that is a folder, or whose folder cannot be created or written."""
    path = Path(path)
    if path.is_dir():
        raise ConfigError(f"{option}: '{path}' is a folder, but a file name is expected (e.g. '{path / example}')")
    if path.name in ("", ".", ".."):
        raise ConfigError(f"{option}: '{path}' names no file; pass a file name such as {example}")
    check_output_dir(path.parent, option=option)
    return path
