"""Whitespace noise: spaces between words dropped, and spaces inserted inside words.

Náplava, Popel, Straka and Straková (2021), "Understanding Model Robustness to User-generated
Noisy Texts", W-NUT (spacing errors). A space goes between two grapheme clusters, never inside
one. Token boundaries move, so tagging items are skipped (``level = "word"``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from xtremer_robust.perturb.base import Recipe
from xtremer_robust.perturb.edits import pick_sites, word_runs
from xtremer_robust.perturb.segment import graphemes, keep_form


@dataclass(frozen=True)
class WhitespaceNoise(Recipe):
    """Drop each single space between two words, and split each word run, with probability ``rate``."""

    name: ClassVar[str] = "whitespace_noise"
    level: ClassVar[str] = "word"
    rate: float = 0.1  # probability of each drop (per space between words) and each split (per word run)

    def perturb(self, text: str, *, lang: str, rng: np.random.Generator) -> str:
        if self.rate == 0.0:
            return text
        runs = word_runs(text)
        gaps = [
            i for i, (piece, is_word) in enumerate(runs)
            if not is_word and piece == " " and 0 < i < len(runs) - 1 and runs[i - 1][1] and runs[i + 1][1]
        ]
        dropped = {gaps[k] for k in pick_sites(len(gaps), self.rate, rng).tolist()}
        words = [i for i, (_, is_word) in enumerate(runs) if is_word]
        pieces = [piece for piece, _ in runs]
        for k in pick_sites(len(words), self.rate, rng).tolist():
            clusters = graphemes(pieces[words[k]])
            if len(clusters) > 1:
                cut = 1 + int(rng.integers(len(clusters) - 1))
                pieces[words[k]] = "".join(clusters[:cut]) + " " + "".join(clusters[cut:])
        return keep_form(text, "".join("" if i in dropped else piece for i, piece in enumerate(pieces)))
