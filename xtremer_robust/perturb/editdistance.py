"""Levenshtein distance over grapheme clusters, and the character edit ratio built on it.

Why our own: the ratio must count what a reader sees (a Devanagari syllable is one edit, not
three code points), the inputs are cluster lists, and no C extension is needed. The row update
of the classic dynamic programme is vectorised with numpy: with ``d`` the costs from deletion
and substitution, the insertion chain ``new[j] = min(d[j], new[j-1] + 1)`` equals
``j + cummin(d[k] - k)``, so each row is a handful of array operations. Common prefixes and
suffixes are stripped first: perturbations are sparse, so most texts shrink a lot.
"""

from __future__ import annotations

import numpy as np

from xtremer_robust.perturb.segment import graphemes

__all__ = ["levenshtein", "grapheme_distance", "char_edit_ratio"]


def levenshtein(a: list[str] | tuple[str, ...] | str, b: list[str] | tuple[str, ...] | str) -> int:
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
    if len(a) < len(b):
        a, b = b, a
    codes: dict[str, int] = {}
    b_codes = np.array([codes.setdefault(x, len(codes)) for x in b], dtype=np.int64)
    positions = np.arange(len(b) + 1, dtype=np.int64)
    row = positions.copy()
    for i, item in enumerate(a, start=1):
        code = codes.get(item, -1)
        costs = np.empty(len(b) + 1, dtype=np.int64)
        costs[0] = i
        # substitution (or match) from the diagonal, deletion from above
        costs[1:] = np.minimum(row[:-1] + (b_codes != code), row[1:] + 1)
        row = positions + np.minimum.accumulate(costs - positions)  # insertions along the row
    return int(row[-1])


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
