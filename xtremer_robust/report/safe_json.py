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
import json
import math
import os
import re
import zlib
from pathlib import Path, PurePosixPath
from typing import Any, Iterator

from xtremer_robust.errors import SchemaError

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

#: A submission of all 10 tasks x 50 languages x a dozen variants is a few MB; 64 MiB is generous.
MAX_JSON_BYTES = 64 * 1024 * 1024
#: The submission schema nests about 6 levels; 64 leaves room for any sane extension.
MAX_DEPTH = 64
#: Decompressed size cap of a per-item sidecar (protects against gzip bombs).
MAX_SIDECAR_BYTES = 2 * 1024 * 1024 * 1024
#: One per-item line (a prediction and a few statistics) is far below this.
MAX_LINE_BYTES = 1024 * 1024

#: A sidecar compresses about 5-10x; allow up to this ratio (and at least MIN_RATIO_BYTES)
#: before calling a file a gzip bomb, so a file of newlines is refused after a bounded read.
MAX_GZIP_RATIO = 200
MIN_RATIO_BYTES = 64 * 1024 * 1024
_LINE = re.compile(rb"[^\n]+")


def _reject_constant(name: str) -> Any:
    raise SchemaError(
        f"the file contains the non-JSON constant {name}; scores and statistics must be finite numbers "
        "(write null where a value is undefined)"
    )


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise SchemaError(f"the number {text[:40]} is too large to be a finite double; every number must be finite")
    return value


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    seen: dict[str, Any] = {}
    for key, value in pairs:
        if key in seen:
            raise SchemaError(f"duplicate key '{key}' in one object; each key may appear once")
        seen[key] = value
    return seen


def _check_tree(value: Any, max_depth: int, where: str) -> None:
    """Depth and Unicode of a parsed value, iteratively (one visit per node: linear time).

    The parser itself (C, linear) stops at Python's recursion limit; this walk enforces the
    smaller ``max_depth`` and refuses strings that hold lone surrogates (``"\\ud800"``
    escapes), which are not Unicode text and break every writer downstream.
    """
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, dict):
            children: Any = node.values()
            for key in node:
                _check_text(key, where)
        elif isinstance(node, list):
            children = node
        else:
            if isinstance(node, str):
                _check_text(node, where)
            continue
        if depth > max_depth:
            raise SchemaError(f"{where}: nesting deeper than {max_depth} levels; a submission nests about 6")
        stack.extend((child, depth + 1) for child in children if isinstance(child, (dict, list, str)))


def _check_text(text: str, where: str) -> None:
    if text.isascii():
        return
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise SchemaError(
            f"{where}: a string holds a lone surrogate (U+{ord(text[exc.start]):04X}), which is not Unicode text; "
            "write the character itself, or a valid surrogate pair"
        ) from None


def loads_strict(text: str, *, where: str = "JSON", max_depth: int = MAX_DEPTH) -> Any:
    """Parse ``text`` as strict JSON in linear time: finite numbers only, no duplicate keys,
    bounded depth, valid Unicode strings."""
    try:
        value = json.loads(
            text, parse_constant=_reject_constant, parse_float=_finite_float, object_pairs_hook=_no_duplicates
        )
    except SchemaError as exc:
        raise SchemaError(f"{where}: {exc}") from None
    except ValueError as exc:  # JSONDecodeError, and int() beyond Python's digit limit
        if "integer string conversion" in str(exc):
            raise SchemaError(f"{where}: not valid JSON here: an integer with thousands of digits; no field needs one") from None
        raise SchemaError(f"{where}: not valid JSON ({exc})") from None
    except RecursionError:
        raise SchemaError(f"{where}: nesting deeper than {max_depth} levels; refusing to parse it") from None
    _check_tree(value, max_depth, where)
    return value


def load_json_file(path: str | Path, *, max_bytes: int | None = None, max_depth: int = MAX_DEPTH) -> Any:
    """Read and strictly parse one JSON file, refusing oversized files before parsing.

    ``max_bytes`` defaults to :data:`MAX_JSON_BYTES` (read at call time).
    """
    max_bytes = MAX_JSON_BYTES if max_bytes is None else max_bytes
    path = Path(path)
    if not path.is_file():
        raise SchemaError(f"{path}: no such file (expected a JSON file)")
    size = path.stat().st_size
    if size > max_bytes:
        raise SchemaError(f"{path}: file is {size:,} bytes, over the {max_bytes:,}-byte limit; refusing to parse it")
    with path.open("rb") as handle:
        raw = handle.read(max_bytes + 1)
    if len(raw) > max_bytes:  # the file grew between stat and read
        raise SchemaError(f"{path}: file is over the {max_bytes:,}-byte limit; refusing to parse it")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise SchemaError(f"{path}: not UTF-8 text (byte {exc.start}); JSON files must be UTF-8") from None
    return loads_strict(text.removeprefix("\ufeff"), where=str(path), max_depth=max_depth)


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


def write_bytes_atomic(path: Path, data: bytes) -> None:
    """Write via a temporary file in the same folder and ``os.replace``: never half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with tmp.open("wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()
