"""Case noise: words typed in lower case, upper case, title case, or with one letter flipped.

Náplava, Popel, Straka and Straková (2021), "Understanding Model Robustness to User-generated
Noisy Texts", W-NUT (casing as a natural noise). Only bicameral scripts (Latin, Cyrillic,
Greek, Armenian) are touched; Georgian Mtavruli is not used in running text, so Georgian is
left alone. Turkish and Azerbaijani keep their dotted and dotless i apart (i/İ, ı/I).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import regex

from xtremer_robust.perturb.base import Recipe
from xtremer_robust.perturb.edits import pick_sites
from xtremer_robust.perturb.segment import graphemes, keep_form, segment

#: Scripts with case in running text.
_CASED = regex.compile(r"[\p{Latin}\p{Cyrillic}\p{Greek}\p{Armenian}]")
#: Languages whose i has a dotted and a dotless form (Turkish, Azerbaijani).
_DOTTED_I_LANGS = ("tr", "az")
#: The four ways a word's case goes wrong, drawn uniformly.
MODES = ("lower", "upper", "title", "flip_one")


def _upper(text: str, lang: str) -> str:
    if lang in _DOTTED_I_LANGS:
        text = text.replace("i", "İ").replace("ı", "I")
    return text.upper()


def _lower(text: str, lang: str) -> str:
    if lang in _DOTTED_I_LANGS:
        text = text.replace("I", "ı").replace("İ", "i")
    return text.lower()


def _cased(word: str) -> bool:
    return bool(_CASED.search(word)) and word.lower() != word.upper()


@dataclass(frozen=True)
class CaseNoise(Recipe):
    """Change the case of each chosen cased word in one of :data:`MODES`."""

    name: ClassVar[str] = "case_noise"
    level: ClassVar[str] = "char"
    rate: float = 0.1  # probability that each cased word gets its case changed

    def applicable(self, text: str, *, lang: str) -> bool:
        return any(span.is_word and _cased(span.text) for span in segment(text))

    def perturb(self, text: str, *, lang: str, rng: np.random.Generator) -> str:
        spans = segment(text)
        words = [i for i, span in enumerate(spans) if span.is_word and _cased(span.text)]
        pieces = [span.text for span in spans]
        for k in pick_sites(len(words), self.rate, rng).tolist():
            word = pieces[words[k]]
            mode = MODES[int(rng.integers(len(MODES)))]
            if mode == "lower":
                new = _lower(word, lang)
            elif mode == "upper":
                new = _upper(word, lang)
            elif mode == "title":
                clusters = graphemes(word)
                new = _upper(clusters[0], lang) + _lower("".join(clusters[1:]), lang)
            else:
                clusters = graphemes(word)
                j = int(rng.integers(len(clusters)))
                c = clusters[j]
                clusters[j] = _lower(c, lang) if c != _lower(c, lang) else _upper(c, lang)
                new = "".join(clusters)
            pieces[words[k]] = new
        return keep_form(text, "".join(pieces))
