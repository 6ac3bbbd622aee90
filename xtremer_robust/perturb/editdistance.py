"""Levenshtein distance over grapheme clusters, and the character edit ratio built on it.

Why our own: the ratio must count what a reader sees (a Devanagari syllable is one edit, not
three code points), the inputs are cluster lists, and no C extension is needed. Common
prefixes and suffixes are stripped first (perturbations are sparse), then the bit-parallel
algorithm of Myers (1999, "A fast bit-vector algorithm for approximate string matching based
on dynamic programming", JACM) in Hyyrö's (2001) form for global edit distance runs with
Python integers as bit vectors: a dozen integer operations per cluster of the longer text.
"""

from __future__ import annotations

from typing import Sequence

from xtremer_robust.perturb.segment import graphemes

__all__ = ["levenshtein", "grapheme_distance", "char_edit_ratio"]


def levenshtein(a: Sequence[str] | str, b: Sequence[str] | str) -> int:
    """Edit distance (insertions, deletions, substitutions, all cost 1) between two sequences."""
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
    return levenshtein(graphemes(original), graphemes(perturbed))


def char_edit_ratio(original: str, perturbed: str) -> float:
    """Grapheme edit distance divided by the original's length in graphemes (0.0 for empty)."""
    length = len(graphemes(original))
    if length == 0:
        return 0.0 if not perturbed else 1.0
    return grapheme_distance(original, perturbed) / length
