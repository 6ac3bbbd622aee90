"""DeepWordBug's character transformations, as TextAttack composes them, made grapheme-safe.

Gao, Lanchantin, Soffa and Qi (2018), "Black-box Generation of Adversarial Text Sequences to
Evade Deep Learning Classifiers", IEEE S&P Workshops. TextAttack's recipe
(``attack_recipes/deepwordbug_gao_2018.py``) uses a ``CompositeTransformation`` of
neighbouring-character swap, random substitution, deletion and insertion. Without a model in
the loop (the search belongs to the subset builder), each chosen word gets one edit of a
type drawn uniformly from the four, and proposals that split a cluster are drawn again.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from xtremer_robust.perturb.recipes._textattack_common import textattack_candidates
from xtremer_robust.perturb.library_adapter import LibraryWordRecipe

#: The four transformations of TextAttack's DeepWordBug recipe, in its order.
TRANSFORMATIONS = (
    "WordSwapNeighboringCharacterSwap",
    "WordSwapRandomCharacterSubstitution",
    "WordSwapRandomCharacterDeletion",
    "WordSwapRandomCharacterInsertion",
)


@dataclass(frozen=True)
class TextAttackDeepWordBug(LibraryWordRecipe):
    """Each chosen word run gets one DeepWordBug edit (swap, substitute, delete or insert)."""

    name: ClassVar[str] = "textattack_deepwordbug"
    rate: float = 0.1  # probability that each word run is edited

    def propose(self, word: str, *, lang: str, rng: np.random.Generator) -> list[str]:
        name = TRANSFORMATIONS[int(rng.integers(len(TRANSFORMATIONS)))]  # one edit type per draw
        return textattack_candidates(name, word, rng)
