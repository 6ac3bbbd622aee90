"""Transposition of neighbouring characters ("swap"), grapheme-cluster safe.

Pruthi, Dhingra and Lipton (2019), "Combating Adversarial Misspellings with Robust Word
Recognition", ACL; also Belinkov and Bisk (2018) "swap" noise. Two adjacent clusters of a
word change places; a cluster is never broken, so a vowel sign stays on its consonant.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from xtremer_robust.perturb.edits import ClusterEditRecipe


@dataclass(frozen=True)
class CharSwap(ClusterEditRecipe):
    """Swap each chosen cluster with the next one of its word run (no overlapping swaps)."""

    name: ClassVar[str] = "char_swap"
    rate: float = 0.1  # probability that each cluster starts a swap with its right neighbour

    def edit_clusters(
        self, clusters: list[str], sites: list[int], *, lang: str, rng: np.random.Generator, context: str
    ) -> list[str]:
        out = list(clusters)
        last = -2  # index of the last swapped start, so that swaps never overlap
        for i in sites:
            if i > last + 1 and i + 1 < len(out):
                out[i], out[i + 1] = out[i + 1], out[i]
                last = i
        return out
