"""Reading files of a local data folder: path patterns, strict UTF-8, sha256, line numbers.

Every reader goes through :func:`read_source` so that every error names the file (relative
to the data folder, as the user wrote it into ``--data-dir``) and the 1-based line, and so
that the sha256 pinned into ``TaskData.sources`` is the hash of exactly the bytes parsed.
"""

from __future__ import annotations

import glob
import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, Sequence

from xtremer_robust.errors import DataError, DataUnavailableError
from xtremer_robust.languages import all_languages

__all__ = ["SourceText", "read_source", "expand_patterns", "resolve_files", "GLOB_CHARS"]

GLOB_CHARS = frozenset("*?[")


@dataclass(frozen=True)
class SourceText:
    """The decoded text of one file, with where it came from and the sha256 of its bytes."""

    rel: str  # path relative to the data folder, '/'-separated
    path: Path
    text: str
    sha256: str

    def lines(self) -> Iterator[tuple[int, str]]:
        """(1-based line number, line without its newline) for every line of the file."""
        lines = self.text.split("\n")
        if lines and lines[-1] == "":  # a final newline does not open a new line
            lines.pop()
        for number, line in enumerate(lines, start=1):
            yield number, line.removesuffix("\r")

    def error(self, message: str, line: int | None = None) -> DataError:
        return DataError(message, path=self.path, line=line)


def read_source(data_dir: Path, rel: str) -> SourceText:
    """Read ``data_dir/rel`` as strict UTF-8 (a leading byte-order mark is dropped).

    Raises DataUnavailableError when the file is absent (callers iterating over many sets
    skip it) and DataError naming the line when the bytes are not UTF-8.
    """
    path = data_dir / rel
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise DataUnavailableError(
            f"file not found (expected under the data folder '{data_dir}'). Put the file there in its "
            "original layout, point --data-dir at another folder, or leave --data-dir unset to use the Hub.",
            path=path,
        ) from None
    except OSError as exc:
        raise DataError(f"cannot read the file ({exc.strerror}); check its permissions.", path=path) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise DataError(
            f"invalid UTF-8 (byte 0x{raw[exc.start]:02x} at byte offset {exc.start}); the XTREME-R files are "
            "UTF-8: re-encode the file (e.g. iconv -t utf-8) or restore the original.",
            path=path,
            line=line,
        ) from None
    return SourceText(rel=rel, path=path, text=text.removeprefix("\ufeff"), sha256=hashlib.sha256(raw).hexdigest())


def expand_patterns(patterns: Sequence[str], lang: str) -> list[str]:
    """Fill ``{lang}`` (ISO 639-1) and ``{tatoeba}`` (ISO 639-3 of the Tatoeba files) into patterns."""
    language = all_languages()[lang]
    return [p.format(lang=lang, tatoeba=language.tatoeba_code or lang) for p in patterns]


def resolve_files(data_dir: Path, patterns: Sequence[str]) -> list[str]:
    """The files of one set: the matches of the FIRST pattern that matches anything.

    Patterns are alternatives (PAWS-X's labelled test of de and zh sit in two layouts); a glob
    pattern (UD's ``{lang}_*-ud-test.conllu``) matches several files, concatenated in sorted
    order as XTREME concatenates the treebanks of a language. Empty list: no file at all.
    """
    for pattern in patterns:
        if GLOB_CHARS & set(pattern):
            matches = sorted(
                Path(m).relative_to(data_dir).as_posix()
                for m in glob.glob(glob.escape(str(data_dir)) + "/" + pattern)
                if Path(m).is_file()
            )
            if matches:
                return matches
        elif (data_dir / pattern).is_file():
            return [pattern]
    return []
