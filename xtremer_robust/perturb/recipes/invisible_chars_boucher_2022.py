"""Invisible characters inserted between the clusters of words.

Boucher, Shumailov, Anderson and Papernot (2022), "Bad Characters: Imperceptible NLP
Attacks", IEEE S&P ("invisible characters"). We insert only characters that are invisible in
every script: ZERO WIDTH SPACE (U+200B) and WORD JOINER (U+2060) are transparent to Arabic
joining and do not touch Indic conjuncts. ZWJ and ZWNJ are left out on purpose: in Arabic,
Persian and Indic scripts they change the shapes, so they are not imperceptible there. A
character goes between two clusters, never inside one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from xtremer_robust.errors import ConfigError
from xtremer_robust.perturb.edits import ClusterEditRecipe

#: Invisible, joining-transparent characters (code point: name).
INVISIBLE = {"\u200b": "ZERO WIDTH SPACE", "\u2060": "WORD JOINER"}


@dataclass(frozen=True)
class InvisibleChars(ClusterEditRecipe):
    """After each chosen cluster (not the last of its word run) insert an invisible character."""

    name: ClassVar[str] = "invisible_chars"
    rate: float = 0.1  # probability that an invisible character follows each inner cluster
    chars: str = "\u200b\u2060"  # the characters to draw from (a subset of INVISIBLE)

    def __post_init__(self) -> None:
        super().__post_init__()
        unknown = [f"U+{ord(c):04X}" for c in self.chars if c not in INVISIBLE]
        if not self.chars or unknown:
            raise ConfigError(f"recipe '{self.name}': chars must be drawn from U+200B, U+2060; got {unknown or 'none'}")

    def applicable(self, text: str, *, lang: str) -> bool:
        from xtremer_robust.perturb.edits import word_runs
        from xtremer_robust.perturb.segment import graphemes

        return any(is_word and len(graphemes(piece)) > 1 for piece, is_word in word_runs(text))

    def edit_clusters(
        self, clusters: list[str], sites: list[int], *, lang: str, rng: np.random.Generator, context: str
    ) -> list[str]:
        inner = {i for i in sites if i < len(clusters) - 1}  # never after the last cluster
        out: list[str] = []
        for i, cluster in enumerate(clusters):
            out.append(cluster)
            if i in inner:
                out.append(self.chars[int(rng.integers(len(self.chars)))])
        return out
