"""Strict, bounded JSON for every file that arrives from elsewhere (results, submissions,
manifests, indexes, shards, data files).

Linear in the file size: :func:`json.loads` (the C parser, which stops at Python's
recursion limit) followed by one iterative walk of the value, which enforces the depth cap
and refuses strings holding lone surrogates. Refused while parsing: ``NaN``/``Infinity``,
numbers beyond a double (``1e309``), duplicate keys, integers with thousands of digits.
Files are size-checked before a byte is parsed. Each function raises the caller's error
class (:class:`SchemaError` by default, :class:`DataError` for data files), always with the
file and a reason.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from xtremer_robust.errors import SchemaError, XtremerError

__all__ = ["MAX_JSON_BYTES", "MAX_DEPTH", "loads_strict", "load_json_file", "check_value"]

#: A submission of all 10 tasks x 50 languages x a dozen variants is a few MB; 64 MiB is generous.
MAX_JSON_BYTES = 64 * 1024 * 1024
#: The submission schema nests about 6 levels; 64 leaves room for any sane extension.
MAX_DEPTH = 64


class _Refused(Exception):
    """Raised from inside the parser's hooks; re-raised as the caller's error with the file name."""


def _reject_constant(name: str) -> Any:
    raise _Refused(
        f"the file contains the non-JSON constant {name}; scores and statistics must be finite numbers "
        "(write null where a value is undefined)"
    )


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise _Refused(f"the number {text[:40]} is too large to be a finite double; every number must be finite")
    return value


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    seen: dict[str, Any] = {}
    for key, value in pairs:
        if key in seen:
            raise _Refused(f"duplicate key '{key}' in one object; each key may appear once")
        seen[key] = value
    return seen


def _check_tree(value: Any, max_depth: int, where: str, error: type[XtremerError]) -> None:
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
                _check_text(key, where, error)
        elif isinstance(node, list):
            children = node
        else:
            if isinstance(node, str):
                _check_text(node, where, error)
            continue
        if depth > max_depth:
            raise error(f"{where}: nesting deeper than {max_depth} levels; refusing it")
        stack.extend((child, depth + 1) for child in children if isinstance(child, (dict, list, str)))


def _check_text(text: str, where: str, error: type[XtremerError]) -> None:
    if text.isascii():
        return
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise error(
            f"{where}: a string holds a lone surrogate (U+{ord(text[exc.start]):04X}), which is not Unicode text; "
            "write the character itself, or a valid surrogate pair"
        ) from None


def loads_strict(text: str, *, where: str = "JSON", max_depth: int = MAX_DEPTH, error: type[XtremerError] = SchemaError) -> Any:
    """Parse ``text`` as strict JSON in linear time: finite numbers only, no duplicate keys,
    bounded depth, valid Unicode strings."""
    try:
        value = json.loads(
            text, parse_constant=_reject_constant, parse_float=_finite_float, object_pairs_hook=_no_duplicates
        )
    except _Refused as exc:
        raise error(f"{where}: {exc}") from None
    except ValueError as exc:  # JSONDecodeError, and int() beyond Python's digit limit
        if "integer string conversion" in str(exc):
            raise error(f"{where}: not valid JSON here: an integer with thousands of digits; no field needs one") from None
        raise error(f"{where}: not valid JSON ({exc})") from None
    except RecursionError:
        raise error(f"{where}: nesting deeper than {max_depth} levels; refusing to parse it") from None
    _check_tree(value, max_depth, where, error)
    return value


def load_json_file(
    path: str | Path, *, max_bytes: int | None = None, max_depth: int = MAX_DEPTH, error: type[XtremerError] = SchemaError
) -> Any:
    """Read and strictly parse one JSON file, refusing oversized files before parsing.

    ``max_bytes`` defaults to :data:`MAX_JSON_BYTES` (read at call time).
    """
    max_bytes = MAX_JSON_BYTES if max_bytes is None else max_bytes
    path = Path(path)
    if not path.is_file():  # also a folder
        raise error(f"{path}: no such file (expected a JSON file)")
    size = path.stat().st_size
    if size > max_bytes:
        raise error(f"{path}: file is {size:,} bytes, over the {max_bytes:,}-byte limit; refusing to parse it")
    try:
        with path.open("rb") as handle:
            raw = handle.read(max_bytes + 1)
    except OSError as exc:
        raise error(f"{path}: cannot read it ({exc.strerror}); check the path and its permissions") from None
    if len(raw) > max_bytes:  # the file grew between stat and read
        raise error(f"{path}: file is over the {max_bytes:,}-byte limit; refusing to parse it")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise error(f"{path}: not UTF-8 text (byte {exc.start}); JSON files must be UTF-8") from None
    return loads_strict(text.removeprefix("\ufeff"), where=str(path), max_depth=max_depth, error=error)


def check_value(value: Any, *, where: str, max_depth: int = MAX_DEPTH, error: type[XtremerError] = SchemaError) -> Any:
    """The depth and Unicode checks of :func:`loads_strict`, for a value parsed elsewhere."""
    _check_tree(value, max_depth, where, error)
    return value
