"""Random word swap (EDA "random swap").

Wei and Zou (2019), "EDA: Easy Data Augmentation Techniques for Boosting Performance on Text
Classification Tasks", EMNLP-IJCNLP. Words change places; separators stay where they were, so
punctuation and spacing are kept. In Chinese and Japanese a word unit is one character; in
Thai, Lao, Khmer and Burmese a space-separated phrase (no dictionary segmenter is shipped).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from xtremer_robust.perturb.base import Recipe
from xtremer_robust.perturb.segment import keep_form, segment


@dataclass(frozen=True)
class WordSwap(Recipe):
    """Swap two random words, Binomial(n_words, ``rate``) times (EDA's n = alpha * length)."""

    name: ClassVar[str] = "word_swap"
    level: ClassVar[str] = "word"
    rate: float = 0.1  # EDA's alpha: the expected number of swaps per word

    def applicable(self, text: str, *, lang: str) -> bool:
        return sum(span.is_word for span in segment(text)) > 1

    def perturb(self, text: str, *, lang: str, rng: np.random.Generator) -> str:
        spans = segment(text)
        words = [i for i, span in enumerate(spans) if span.is_word]
        pieces = [span.text for span in spans]
        if len(words) < 2 or self.rate == 0.0:
            return text
        for _ in range(int(rng.binomial(len(words), self.rate))):
            a, b = rng.choice(len(words), size=2, replace=False).tolist()
            pieces[words[a]], pieces[words[b]] = pieces[words[b]], pieces[words[a]]
        return keep_form(text, "".join(pieces))
