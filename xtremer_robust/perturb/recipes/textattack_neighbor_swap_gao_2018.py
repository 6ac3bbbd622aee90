"""TextAttack's ``WordSwapNeighboringCharacterSwap`` (swaps two neighbouring characters), made grapheme-safe.

Gao, Lanchantin, Soffa and Qi (2018), "Black-box Generation of Adversarial Text Sequences to
Evade Deep Learning Classifiers" (DeepWordBug), IEEE S&P Workshops; implemented in TextAttack
(Morris et al. 2020, EMNLP demos) as ``textattack.transformations.WordSwapNeighboringCharacterSwap``.

The transformation proposes one edit (``random_one=True``, as in TextAttack's recipes) for
one of our words, with TextAttack's global ``random`` and ``numpy.random`` seeded from the
recipe's generator; proposals that split a cluster are refused and drawn again (see
:mod:`library_adapter`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from xtremer_robust.perturb.recipes._textattack_common import textattack_candidates
from xtremer_robust.perturb.library_adapter import LibraryWordRecipe


@dataclass(frozen=True)
class TextAttackNeighborSwap(LibraryWordRecipe):
    """Apply TextAttack's ``WordSwapNeighboringCharacterSwap`` to each word run chosen with probability ``rate``."""

    name: ClassVar[str] = "textattack_neighbor_swap"
    rate: float = 0.1  # probability that each word run is transformed (TextAttack: pct_words_to_swap)

    def propose(self, word: str, *, lang: str, rng: np.random.Generator) -> list[str]:
        return textattack_candidates("WordSwapNeighboringCharacterSwap", word, rng)
