"""Diacritic stripping: writing without accents, tone marks or vowel points.

Náplava, Popel, Straka and Straková (2021), "Understanding Model Robustness to User-generated
Noisy Texts", W-NUT (diacritics removal as a natural noise); the restoration task it undoes is
Náplava et al. (2018), "Diacritics Restoration Using Neural Networks", LREC.

Stripped: combining marks on Latin and Greek letters (so Vietnamese "Tiếng Việt" -> "Tieng
Viet", Yoruba "Ẹ̀kọ́" -> "Eko"), Arabic harakat and Hebrew niqqud. Not stripped: Indic and
Thai vowel signs and viramas (they spell different words, not optional accents), Cyrillic
й/ё (separate letters). Vietnamese đ is written d by people who type without diacritics.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import regex

from xtremer_robust.perturb.edits import ClusterEditRecipe
from xtremer_robust.perturb.segment import graphemes, is_combining

#: Bases whose combining marks are optional accents.
_ACCENTED_BASE = regex.compile(r"[\p{Latin}\p{Greek}]")
#: Arabic harakat (fathatan..sukun, extended marks) and superscript alef; Hebrew points and accents.
_OPTIONAL_MARKS = regex.compile(r"[\u064B-\u065F\u0670\u0591-\u05BD\u05BF\u05C1\u05C2\u05C4\u05C5\u05C7]")
#: Letters that are not decomposable but lose their stroke the same way (Vietnamese, Croatian...).
_STROKED = {"đ": "d", "Đ": "D"}


def strip_cluster(cluster: str) -> str:
    """``cluster`` without its optional diacritics (unchanged when it has none)."""
    chars = unicodedata.normalize("NFD", cluster)
    base = chars[0]
    kept = [base if base not in _STROKED else _STROKED[base]]
    for char in chars[1:]:
        optional = _OPTIONAL_MARKS.match(char) or (is_combining(char) and _ACCENTED_BASE.match(base))
        if not optional:
            kept.append(char)
    return unicodedata.normalize("NFC", "".join(kept))


@dataclass(frozen=True)
class DiacriticStrip(ClusterEditRecipe):
    """Strip the optional diacritics of each chosen cluster."""

    name: ClassVar[str] = "diacritic_strip"
    rewrites_marks: ClassVar[bool] = True  # removes marks from inside clusters, on purpose
    rate: float = 1.0  # probability that each accented cluster is stripped (1.0: typing without accents)

    def applicable(self, text: str, *, lang: str) -> bool:
        return any(strip_cluster(c) != c for c in graphemes(text))

    def edit_clusters(
        self, clusters: list[str], sites: list[int], *, lang: str, rng: np.random.Generator, context: str
    ) -> list[str]:
        out = list(clusters)
        for i in sites:
            out[i] = strip_cluster(out[i])
        return out
