"""Reading JSON that somebody else wrote, without trusting it.

Submissions and results files arrive from other people's machines. Before any schema check,
this module refuses what could hurt the reader itself: files larger than a cap (checked on
the file size, before a byte is parsed), nesting deeper than a cap (a pre-scan, so that the
parser never recurses into a "billion brackets" file), ``NaN``/``Infinity`` (not JSON, and
they poison every comparison), duplicate keys (the JSON RFC leaves them undefined; two
readers could see two different files), huge integers, invalid UTF-8, and paths that leave
the folder they belong to. Nothing is ever executed or unpickled: the only parser is
:func:`json.loads`.
"""

from __future__ import annotations

import gzip
import json
import os
import re
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

_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
_BRACKET = re.compile(r"[\[\]{}]")


def _reject_constant(name: str) -> Any:
    raise SchemaError(
        f"the file contains the non-JSON constant {name}; scores and statistics must be finite numbers "
        "(write null where a value is undefined)"
    )


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    seen: dict[str, Any] = {}
    for key, value in pairs:
        if key in seen:
            raise SchemaError(f"duplicate key '{key}' in one object; each key may appear once")
        seen[key] = value
    return seen


def _check_depth(text: str, max_depth: int, where: str) -> None:
    """Reject nesting deeper than ``max_depth`` without recursing (strings are skipped first)."""
    depth = 0
    for match in _BRACKET.finditer(_STRING.sub('""', text)):
        if match.group() in "[{":
            depth += 1
            if depth > max_depth:
                raise SchemaError(f"{where}: nesting deeper than {max_depth} levels; a submission nests about 6")
        else:
            depth -= 1


def loads_strict(text: str, *, where: str = "JSON", max_depth: int = MAX_DEPTH) -> Any:
    """Parse ``text`` as strict JSON: no NaN/Infinity, no duplicate keys, bounded depth."""
    _check_depth(text, max_depth, where)
    try:
        return json.loads(text, parse_constant=_reject_constant, object_pairs_hook=_no_duplicates)
    except SchemaError as exc:
        raise SchemaError(f"{where}: {exc}") from None
    except ValueError as exc:  # JSONDecodeError, and int() beyond Python's digit limit
        if "integer string conversion" in str(exc):
            raise SchemaError(f"{where}: not valid JSON here: an integer with thousands of digits; no field needs one") from None
        raise SchemaError(f"{where}: not valid JSON ({exc})") from None
    except RecursionError:
        raise SchemaError(f"{where}: nesting too deep to parse") from None


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

    The caps default to :data:`MAX_SIDECAR_BYTES` and :data:`MAX_LINE_BYTES` (read at call time).
    """
    max_bytes = MAX_SIDECAR_BYTES if max_bytes is None else max_bytes
    max_line = MAX_LINE_BYTES if max_line is None else max_line
    total = 0
    try:
        with gzip.open(path, "rb") as handle:
            for number, line in enumerate(iter(lambda: handle.readline(max_line + 1), b""), start=1):
                total += len(line)
                if len(line) > max_line:
                    raise SchemaError(f"{path}, line {number}: longer than {max_line:,} bytes; refusing it")
                if total > max_bytes:
                    raise SchemaError(f"{path}: decompresses to over {max_bytes:,} bytes; refusing it")
                if not line.strip():
                    continue
                try:
                    text = line.decode("utf-8")
                except UnicodeDecodeError:
                    raise SchemaError(f"{path}, line {number}: not UTF-8 text") from None
                yield number, loads_strict(text, where=f"{path}, line {number}", max_depth=8)
    except (OSError, EOFError, gzip.BadGzipFile) as exc:
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
