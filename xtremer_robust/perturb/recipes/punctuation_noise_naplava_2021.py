"""Punctuation noise: marks dropped, and marks inserted after words.

Náplava, Popel, Straka and Straková (2021), "Understanding Model Robustness to User-generated
Noisy Texts", W-NUT (punctuation as a natural noise). Inserted marks are drawn from the
punctuation the text already uses, so that a Hindi sentence gets "।" and a Chinese one "，";
a text without punctuation gets its script's comma.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from xtremer_robust.perturb.base import Recipe
from xtremer_robust.perturb.edits import pick_sites
from xtremer_robust.perturb.segment import graphemes, keep_form, segment

#: Of the words, this share of ``rate`` receives an inserted mark (drops are the commoner noise).
INSERT_SHARE = 0.25
#: The comma used when a text has no punctuation of its own, by language (default ",").
_COMMA = {"ar": "،", "fa": "،", "ur": "،", "zh": "，", "ja": "、", "hi": ",", "my": "၊"}


def _is_punct(cluster: str) -> bool:
    return unicodedata.category(cluster[0]).startswith("P")


@dataclass(frozen=True)
class PunctuationNoise(Recipe):
    """Drop each punctuation mark with probability ``rate``; insert marks after words."""

    name: ClassVar[str] = "punctuation_noise"
    level: ClassVar[str] = "char"
    rate: float = 0.1  # probability that each punctuation mark is dropped

    def perturb(self, text: str, *, lang: str, rng: np.random.Generator) -> str:
        if self.rate == 0.0:
            return text
        clusters = graphemes(text)
        own = sorted({c for c in clusters if _is_punct(c)})
        marks = own or [_COMMA.get(lang, ",")]
        punct = [i for i, c in enumerate(clusters) if _is_punct(c)]
        dropped = {punct[k] for k in pick_sites(len(punct), self.rate, rng).tolist()}
        pieces = []
        spans = segment("".join(c for i, c in enumerate(clusters) if i not in dropped))
        words = [i for i, span in enumerate(spans) if span.is_word]
        inserted = {words[k] for k in pick_sites(len(words), self.rate * INSERT_SHARE, rng).tolist()}
        for i, span in enumerate(spans):
            pieces.append(span.text)
            if i in inserted:
                pieces.append(marks[int(rng.integers(len(marks)))])
        return keep_form(text, "".join(pieces))
