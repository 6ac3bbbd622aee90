"""Script-aware segmentation that never splits a grapheme cluster and never re-joins with spaces.

Why: Python's ``\\w`` excludes combining marks, so tokenisers built on it (TextAttack's
``words_from_text``, nlpaug's default) cut Indic and Thai words inside their clusters and
re-join pieces with spaces. Here the unit of every edit is an extended grapheme cluster
(UAX #29, the ``regex`` package's ``\\X``, which also keeps Indic conjuncts together), and a
text is segmented into :class:`Span` s whose concatenation is the original text exactly, so
the separators (spaces, punctuation, zero-width joiners) survive untouched.

Words: in space-delimited scripts a word is a maximal run of clusters whose base is a letter,
digit or mark. Thai, Lao, Khmer and Burmese write no spaces between words and we ship no
dictionary segmenter, so a run of those scripts is one unit (word-level recipes then act on
the space-separated phrases these scripts do use); Han, Hiragana and Katakana characters are
one unit each (a character is roughly a morpheme).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from itertools import chain, groupby

import regex

__all__ = [
    "Span",
    "nfc",
    "keep_form",
    "graphemes",
    "segment",
    "word_indices",
    "word_runs",
    "is_combining",
    "orphan_marks",
    "is_well_formed",
    "UNSPACED_RUN_SCRIPTS",
]

#: UAX #29 leaves a few spacing vowel signs out of its SpacingMark class (Myanmar aa and
#: visarga, Tai Tham, Tai Viet, Ahom), so ``\X`` makes them clusters of their own although they
#: always belong to the preceding syllable; we attach them so that no edit can move them alone.
_DETACHED_MARKS = (
    "\u102B\u102C\u1038\u1062-\u1064\u1067-\u106D\u1083\u1087-\u108C\u108F\u109A-\u109C"
    "\u1A61\u1A63\u1A64\uAA7B\uAA7D\U00011720\U00011721"
)
_CLUSTER = regex.compile(rf"\X(?:(?<=[\p{{L}}\p{{M}}])[{_DETACHED_MARKS}][\p{{M}}\u200c\u200d]*)*")
#: Scripts written without spaces between words, segmented as whole runs (no dictionary here).
UNSPACED_RUN_SCRIPTS = ("Thai", "Lao", "Khmer", "Myanmar")
#: Scripts whose characters are each one unit (logographic / syllabic, no spaces).
_PER_CHARACTER = regex.compile(r"^[\p{Han}\p{Hiragana}\p{Katakana}]")
_UNSPACED_RUN = regex.compile(r"^[\p{Thai}\p{Lao}\p{Khmer}\p{Myanmar}]")
#: A cluster is part of a word when its first code point is a letter, digit or mark.
_WORDLIKE = regex.compile(r"^[\p{L}\p{N}\p{M}]")
_JOINERS = {"\u200c", "\u200d"}  # ZWNJ / ZWJ: format characters that live inside words


@dataclass(frozen=True)
class Span:
    """A piece of text: a word (``is_word``) or the separator between words."""

    text: str
    is_word: bool


def nfc(text: str) -> str:
    """NFC-normalise: recipes take and return NFC so that equal-looking texts compare equal."""
    return unicodedata.normalize("NFC", text)


def keep_form(original: str, output: str) -> str:
    """NFC in, NFC out; text that came in another form is left in it outside the edits.

    Normalising a non-NFC source (Hindi with precomposed nukta letters, say) would make every
    perturbed item differ from its clean item by more than the perturbation.
    """
    return nfc(output) if unicodedata.is_normalized("NFC", original) else output


#: Code points that can share a cluster with a neighbour: UAX #29 only joins code points
#: across the boundaries these sit at (GB3 CR LF, GB6-8 Hangul syllables, GB9 Extend / ZWJ,
#: GB9a SpacingMark, GB9b Prepend, GB9c and GB11 through Extend / ZWJ, GB12-13 regional
#: indicators), plus the detached marks attached above. A text without any is one cluster
#: per code point (GB999), which ``list`` gives without the regex.
_JOINING = regex.compile(
    r"[\r\p{GCB=Extend}\p{GCB=ZWJ}\p{GCB=SpacingMark}\p{GCB=Prepend}\p{GCB=Regional_Indicator}"
    rf"\p{{GCB=L}}\p{{GCB=V}}\p{{GCB=T}}\p{{GCB=LV}}\p{{GCB=LVT}}{_DETACHED_MARKS}]"
)


def _one_per_code_point(text: str) -> bool:
    """Whether every code point of ``text`` is a grapheme cluster of its own (see ``_JOINING``)."""
    if text.isascii():
        return "\r" not in text
    return _JOINING.search(text) is None


def graphemes(text: str) -> list[str]:
    """The grapheme clusters of ``text`` (``"".join`` gives ``text`` back).

    Extended grapheme clusters (UAX #29), with the few detached spacing vowel signs (Myanmar
    "ာ") kept on their syllable.
    """
    if _one_per_code_point(text):
        return list(text)
    return _CLUSTER.findall(text)


@lru_cache(maxsize=65536)
def cluster_tuple(text: str) -> tuple[str, ...]:
    """:func:`graphemes` as a tuple, cached: for texts segmented again and again (words, originals)."""
    return tuple(graphemes(text))


@lru_cache(maxsize=65536)
def _unit_kind(cluster: str) -> str:
    """'sep', 'char' (one unit per cluster), 'run' (unspaced script run) or 'word'."""
    if not _WORDLIKE.match(cluster):
        return "sep"
    if _PER_CHARACTER.match(cluster):
        return "char"
    if _UNSPACED_RUN.match(cluster):
        return "run"
    return "word"


def segment(text: str) -> list[Span]:
    """Split ``text`` into word and separator spans; their concatenation is ``text``.

    Word boundaries fall where the kind of cluster changes (e.g. Latin letters next to Han
    characters), so mixed-script text is handled without a language hint.
    """
    return list(_segment_cached(text))


#: Separator runs (code points that are not a letter, digit or mark), for texts of one cluster
#: per code point, where the pieces between them are exactly the word runs; ASCII needs no regex.
_SEPARATORS = regex.compile(r"([^\p{L}\p{N}\p{M}]+)")
_ASCII_SEPARATORS = re.compile(r"([^A-Za-z0-9]+)")


def simple_runs(text: str) -> list[tuple[str, bool]] | None:
    """(piece, is_word_run) pieces of ``text`` when every code point is a cluster of its own, else None.

    Then a cluster is a word cluster exactly when its code point is a letter, digit or mark,
    and a joiner (ZWNJ, ZWJ) cannot occur (both join clusters), so the word runs of
    :func:`word_runs` are the pieces between separator runs.
    """
    if text.isascii():
        if "\r" in text:
            return None
        parts = _ASCII_SEPARATORS.split(text)
    elif _JOINING.search(text) is None:
        parts = _SEPARATORS.split(text)
    else:
        return None
    return [(piece, not i & 1) for i, piece in enumerate(parts) if piece]


_ASCII_WORD_CHAR = re.compile(r"[A-Za-z0-9]")
_WORD_CHAR = regex.compile(r"[\p{L}\p{N}\p{M}]")


def has_word(text: str) -> bool:
    """Whether :func:`segment` finds a word span in ``text`` (without building the spans when it can)."""
    if text.isascii():
        return _ASCII_WORD_CHAR.search(text) is not None  # every ASCII code point is a cluster (CR LF is no word)
    if _JOINING.search(text) is None:
        return _WORD_CHAR.search(text) is not None
    return any(span.is_word for span in _segment_cached(text))


@lru_cache(maxsize=65536)
def _segment_cached(text: str) -> tuple[Span, ...]:
    if "\u200c" in text or "\u200d" in text:
        return _segment_joiners(text)
    if text.isascii() and "\r" not in text:  # ASCII words are all of one kind: spans are the word runs
        return tuple(Span(piece, is_word) for piece, is_word in simple_runs(text) or ())
    # no joiner: a span is a maximal run of clusters of one kind ("char" clusters stand alone)
    clusters = graphemes(text)
    spans: list[Span] = []
    pos = 0
    for kind, group in groupby(map(_unit_kind, clusters)):
        size = len(list(group))
        if kind == "char":
            spans.extend(Span(cluster, True) for cluster in clusters[pos : pos + size])
        else:
            spans.append(Span("".join(clusters[pos : pos + size]), kind != "sep"))
        pos += size
    return tuple(spans)


def _segment_joiners(text: str) -> tuple[Span, ...]:
    """:func:`segment` cluster by cluster, for texts with ZWNJ / ZWJ (a joiner takes its word's kind)."""
    spans: list[Span] = []
    current: list[str] = []
    current_kind = "sep"
    for cluster in graphemes(text):
        kind = _unit_kind(cluster)
        if kind == "sep" and cluster in _JOINERS and current_kind in ("word", "run"):
            kind = current_kind  # a joiner between two letters belongs to the word
        joins = kind == current_kind and kind != "char" and current
        if not joins:
            if current:
                spans.append(Span("".join(current), current_kind != "sep"))
            current = []
        current.append(cluster)
        current_kind = kind
    if current:
        spans.append(Span("".join(current), current_kind != "sep"))
    return tuple(spans)


def word_runs(text: str) -> tuple[tuple[tuple[str, ...], bool], ...]:
    """(clusters, is_word_run) pieces of ``text``; adjacent word spans are merged into one run.

    Character-level recipes edit word runs, so that Chinese or Japanese text (one word unit
    per character) is edited as runs of characters where deletion and transposition have room.
    """
    return _word_runs_cached(text)


@lru_cache(maxsize=65536)
def _word_runs_cached(text: str) -> tuple[tuple[tuple[str, ...], bool], ...]:
    simple = simple_runs(text)
    if simple is not None:
        return tuple((tuple(piece), is_word) for piece, is_word in simple)
    runs: list[tuple[tuple[str, ...], bool]] = []
    for is_word, group in groupby(_segment_cached(text), key=_is_word):
        if is_word:  # adjacent word spans make one run
            runs.append((tuple(chain.from_iterable(cluster_tuple(span.text) for span in group)), True))
        else:
            runs.extend((cluster_tuple(span.text), False) for span in group)
    return tuple(runs)


def _is_word(span: Span) -> bool:
    return span.is_word


def word_indices(spans: list[Span]) -> list[int]:
    """Indices of the word spans in ``spans``."""
    return [i for i, span in enumerate(spans) if span.is_word]


def is_combining(char: str) -> bool:
    """Whether ``char`` is a combining mark (general category Mn, Mc or Me)."""
    return unicodedata.category(char).startswith("M")


#: A combining mark at the start of the text or right after something that is not a letter,
#: digit, mark or joiner.
_ORPHAN = regex.compile(r"(?:^|(?<=[^\p{L}\p{N}\p{M}\u200c\u200d]))\p{M}")


def orphan_marks(text: str) -> list[int]:
    """Offsets of combining marks with no base: at the start or right after a separator.

    Such a mark renders on a dotted circle, the visible sign of a split cluster.
    """
    return [match.start() for match in _ORPHAN.finditer(text)]


def is_well_formed(text: str) -> bool:
    """NFC, encodable as UTF-8 (no lone surrogates), no orphan combining mark."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return unicodedata.is_normalized("NFC", text) and not orphan_marks(text)
