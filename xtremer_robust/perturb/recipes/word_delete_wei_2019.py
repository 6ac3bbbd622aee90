"""Random word deletion (EDA "random deletion").

Wei and Zou (2019), "EDA: Easy Data Augmentation Techniques for Boosting Performance on Text
Classification Tasks", EMNLP-IJCNLP. Each word is deleted with probability ``rate``, together
with one neighbouring run of plain spaces so that no double space is left; at least one word
always survives. Word units as in ``word_swap``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from xtremer_robust.perturb.base import Recipe
from xtremer_robust.perturb.edits import pick_sites
from xtremer_robust.perturb.segment import keep_form, segment


@dataclass(frozen=True)
class WordDelete(Recipe):
    """Delete each word with probability ``rate`` (never all of them)."""

    name: ClassVar[str] = "word_delete"
    level: ClassVar[str] = "word"
    rate: float = 0.1  # probability that each word is deleted

    def applicable(self, text: str, *, lang: str) -> bool:
        return sum(span.is_word for span in segment(text)) > 1

    def perturb(self, text: str, *, lang: str, rng: np.random.Generator) -> str:
        spans = segment(text)
        words = [i for i, span in enumerate(spans) if span.is_word]
        if len(words) < 2:
            return text
        chosen = set(pick_sites(len(words), self.rate, rng).tolist())
        if len(chosen) == len(words):
            chosen.discard(int(rng.integers(len(words))))
        removed: set[int] = set()
        for k in sorted(chosen):
            i = words[k]
            removed.add(i)
            for step in (1, -1):  # the nearest kept span after the word, else before it
                j = i + step
                while 0 <= j < len(spans) and j in removed:
                    j += step
                if 0 <= j < len(spans) and spans[j].text.isspace():
                    removed.add(j)
                    break
        return keep_form(text, "".join(span.text for i, span in enumerate(spans) if i not in removed))
