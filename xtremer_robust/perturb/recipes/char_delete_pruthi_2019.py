"""Character deletion inside words ("drop"), one grapheme cluster at a time.

Pruthi, Dhingra and Lipton (2019), "Combating Adversarial Misspellings with Robust Word
Recognition", ACL: drop a character inside a word. Here the character is a whole grapheme
cluster, so a Devanagari consonant leaves with its vowel sign and virama.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from xtremer_robust.perturb.edits import ClusterEditRecipe


@dataclass(frozen=True)
class CharDelete(ClusterEditRecipe):
    """Delete each cluster of a word run with probability ``rate``; a run never becomes empty."""

    name: ClassVar[str] = "char_delete"
    rate: float = 0.1  # probability that each cluster inside a word is deleted

    def edit_clusters(
        self, clusters: list[str], sites: list[int], *, lang: str, rng: np.random.Generator, context: str
    ) -> list[str]:
        sites = set(sites)
        if len(sites) >= len(clusters):  # keep one cluster so that the word does not vanish
            sites.discard(int(rng.integers(len(clusters))))
        return [c for i, c in enumerate(clusters) if i not in sites]
