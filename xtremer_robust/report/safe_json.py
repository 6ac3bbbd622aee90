"""Reading JSON that somebody else wrote, without trusting it.

Submissions and results files arrive from other people's machines. Before any schema check,
this module refuses what could hurt the reader itself: files larger than a cap (checked on
the file size, before a byte is parsed), nesting deeper than a cap (the C parser stops at
the recursion limit and one walk of the parsed value enforces the cap: parsing and checks
are linear in the file size), ``NaN``/``Infinity`` and numbers beyond a double such as
``1e309`` (not finite, and they poison every comparison), lone surrogates, duplicate keys
(the JSON RFC leaves them undefined; two readers could see two different files), huge integers, invalid UTF-8, and paths that leave
the folder they belong to. Nothing is ever executed or unpickled: the only parser is
:func:`json.loads`.
"""

from __future__ import annotations

import gzip
import re
import zlib
from pathlib import Path, PurePosixPath
from typing import Any, Iterator

from xtremer_robust.atomic import atomic_write_bytes as write_bytes_atomic
from xtremer_robust.errors import SchemaError
from xtremer_robust.strict_json import MAX_DEPTH, MAX_JSON_BYTES, load_json_file, loads_strict

__all__ = [
    "MAX_JSON_BYTES",
    "MAX_DEPTH",
    "MAX_SIDECAR_BYTES",
    "MAX_LINE_BYTES",
    "loads_strict",
    "load_json_file",
    "iter_jsonl_gz",
    "safe_relative_path",
    "write_bytes_atomic",
]

#: Decompressed size cap of a per-item sidecar (protects against gzip bombs).
MAX_SIDECAR_BYTES = 2 * 1024 * 1024 * 1024
#: One per-item line (a prediction and a few statistics) is far below this.
MAX_LINE_BYTES = 1024 * 1024

#: A sidecar compresses about 5-10x; allow up to this ratio (and at least MIN_RATIO_BYTES)
#: before calling a file a gzip bomb, so a file of newlines is refused after a bounded read.
MAX_GZIP_RATIO = 200
MIN_RATIO_BYTES = 64 * 1024 * 1024
_LINE = re.compile(rb"[^\n]+")


def iter_jsonl_gz(path: Path, *, max_bytes: int | None = None, max_line: int | None = None) -> Iterator[tuple[int, Any]]:
    """Yield ``(line_number, object)`` from a gzipped JSON-lines file, with decompressed-size caps.

    Decompresses in 1 MiB blocks and splits lines in C, so blank lines cost nothing per line.
    Stops with a message when a line is longer than ``max_line``, or when the decompressed
    size passes ``max_bytes`` or :data:`MAX_GZIP_RATIO` times the compressed size (at least
    :data:`MIN_RATIO_BYTES`): a gzip bomb is refused after a bounded amount of work. The caps
    default to :data:`MAX_SIDECAR_BYTES` and :data:`MAX_LINE_BYTES` (read at call time).
    """
    max_bytes = MAX_SIDECAR_BYTES if max_bytes is None else max_bytes
    max_line = MAX_LINE_BYTES if max_line is None else max_line
    try:
        compressed = path.stat().st_size
    except OSError as exc:
        raise SchemaError(f"{path}: cannot read it ({exc.strerror})") from None
    limit = min(max_bytes, max(MIN_RATIO_BYTES, MAX_GZIP_RATIO * compressed))
    total = 0
    newlines = 0  # newline bytes before the current block position
    pending = b""
    try:
        with gzip.open(path, "rb") as handle:
            while True:
                block = handle.read(1 << 20)
                total += len(block)
                if total > limit:
                    ratio = "" if limit == max_bytes else f" ({MAX_GZIP_RATIO}x its compressed size)"
                    raise SchemaError(f"{path}: decompresses to over {limit:,} bytes{ratio}; refusing it as a possible gzip bomb")
                data = pending + block
                if block:
                    cut = data.rfind(b"\n") + 1
                    data, pending = data[:cut], data[cut:]
                    if len(pending) > max_line:
                        where = newlines + data.count(b"\n") + 1
                        raise SchemaError(f"{path}, line {where}: longer than {max_line:,} bytes; refusing it")
                last = 0
                for match in _LINE.finditer(data):  # non-empty lines only: empty ones are skipped in C
                    newlines += data.count(b"\n", last, match.start())
                    last = match.end()
                    number = newlines + 1
                    line = match.group()
                    if len(line) > max_line:
                        raise SchemaError(f"{path}, line {number}: longer than {max_line:,} bytes; refusing it")
                    if not line.strip():
                        raise SchemaError(f"{path}, line {number}: a line of only white space; each line must be one JSON object")
                    try:
                        text = line.decode("utf-8")
                    except UnicodeDecodeError:
                        raise SchemaError(f"{path}, line {number}: not UTF-8 text") from None
                    yield number, loads_strict(text, where=f"{path}, line {number}", max_depth=8)
                newlines += data.count(b"\n", last)
                if not block:
                    return
    except (OSError, EOFError, zlib.error) as exc:
        raise SchemaError(f"{path}: not a readable gzip file ({exc})") from None


def safe_relative_path(root: Path, name: object, *, field: str) -> Path:
    """Resolve ``name`` (from an untrusted file) inside ``root``, refusing every escape.

    Refused: non-strings, empty names, absolute paths (POSIX or Windows drive/UNC), any ``..``
    part, backslashes, and symlinks anywhere below ``root`` (a link could point outside).
    """
    if not isinstance(name, str) or not name:
        raise SchemaError(f"{field}: expected a relative file name, got {name!r}")
    if "\\" in name or "\x00" in name or re.match(r"^[A-Za-z]:", name):
        raise SchemaError(f"{field}: '{name}' is not a plain relative POSIX path; use forward slashes, no drive")
    pure = PurePosixPath(name)
    if pure.is_absolute():
        raise SchemaError(f"{field}: '{name}' is an absolute path; paths must be relative to the submission's folder")
    if any(part == ".." for part in pure.parts):
        raise SchemaError(f"{field}: '{name}' contains '..'; paths must stay inside the submission's folder")
    root_resolved = root.resolve()
    current = root
    for part in pure.parts:
        current = current / part
        if current.is_symlink():
            raise SchemaError(f"{field}: '{name}' goes through a symbolic link; links could leave the folder")
    target = (root / pure).resolve()
    if root_resolved != target and root_resolved not in target.parents:
        raise SchemaError(f"{field}: '{name}' resolves outside the submission's folder")
    return target


