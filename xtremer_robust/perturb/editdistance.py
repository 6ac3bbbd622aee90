"""Levenshtein distance over grapheme clusters, and the character edit ratio built on it.

Why our own: the ratio must count what a reader sees (a Devanagari syllable is one edit, not
three code points), the inputs are cluster lists, and no C extension is needed. Common
prefixes and suffixes are stripped first (perturbations are sparse), then the bit-parallel
algorithm of Myers (1999, "A fast bit-vector algorithm for approximate string matching based
on dynamic programming", JACM) in Hyyrö's (2001) form for global edit distance runs with
Python integers as bit vectors: a dozen integer operations per cluster of the longer text.
When ``rapidfuzz`` is installed (TextAttack depends on it through ``Levenshtein``) its C++
Levenshtein distance computes the same number; the clusters are first renamed to distinct
code points, so no hashing of clusters is involved and the result is exact.
"""

from __future__ import annotations

from typing import Sequence

from xtremer_robust.perturb.segment import cluster_tuple, graphemes

try:  # the same distance in C++; the pure-Python form below is the reference and the fallback
    from rapidfuzz.distance.Levenshtein import distance as _c_distance
except ImportError:  # pragma: no cover - rapidfuzz comes with textattack
    _c_distance = None

__all__ = ["levenshtein", "grapheme_distance", "char_edit_ratio"]


def _as_code_points(a: Sequence[str], b: Sequence[str]) -> tuple[str, str]:
    """``a`` and ``b`` with each distinct item renamed to one code point (equal items, equal code points)."""
    names: dict[str, int] = {}
    a_text = "".join([chr(names.setdefault(item, len(names))) for item in a])
    b_text = "".join([chr(names.setdefault(item, len(names))) for item in b])
    return a_text, b_text


def levenshtein(a: Sequence[str] | str, b: Sequence[str] | str) -> int:
    """Edit distance (insertions, deletions, substitutions, all cost 1) between two sequences."""
    if _c_distance is not None and len(a) + len(b) < 0x10000:  # distinct items must fit in code points
        if not (isinstance(a, str) and isinstance(b, str)):
            a, b = _as_code_points(a, b)
        return int(_c_distance(a, b))
    return _levenshtein_python(a, b)


def _levenshtein_python(a: Sequence[str] | str, b: Sequence[str] | str) -> int:
    """:func:`levenshtein` in pure Python (prefix/suffix trim, then Myers / Hyyrö bit vectors)."""
    start = 0
    while start < len(a) and start < len(b) and a[start] == b[start]:
        start += 1
    end_a, end_b = len(a), len(b)
    while end_a > start and end_b > start and a[end_a - 1] == b[end_b - 1]:
        end_a -= 1
        end_b -= 1
    a, b = a[start:end_a], b[start:end_b]
    if not a or not b:
        return max(len(a), len(b))
    # Myers (1999) / Hyyrö (2001): one column of the DP table is a bit vector over b
    peq: dict[str, int] = {}
    for i, item in enumerate(b):
        peq[item] = peq.get(item, 0) | (1 << i)
    mask = (1 << len(b)) - 1
    high = 1 << (len(b) - 1)
    pv, mv, score = mask, 0, len(b)
    for item in a:
        eq = peq.get(item, 0)
        xv = eq | mv
        xh = (((eq & pv) + pv) ^ pv) | eq
        ph = (mv | ~(xh | pv)) & mask
        mh = pv & xh
        if ph & high:
            score += 1
        elif mh & high:
            score -= 1
        ph = ((ph << 1) | 1) & mask
        mh = (mh << 1) & mask
        pv = (mh | ~(xv | ph)) & mask
        mv = ph & xv
    return score


def grapheme_distance(original: str, perturbed: str) -> int:
    """Levenshtein distance between the grapheme clusters of two texts."""
    if original == perturbed:
        return 0
    before, after = cluster_tuple(original), graphemes(perturbed)
    if _c_distance is not None and len(before) == len(original) and len(after) == len(perturbed):
        return int(_c_distance(original, perturbed))  # one code point per cluster: the texts are the sequences
    return levenshtein(before, after)


def char_edit_ratio(original: str, perturbed: str) -> float:
    """Grapheme edit distance divided by the original's length in graphemes (0.0 for empty)."""
    length = len(cluster_tuple(original))
    if length == 0:
        return 0.0 if not perturbed else 1.0
    return grapheme_distance(original, perturbed) / length
