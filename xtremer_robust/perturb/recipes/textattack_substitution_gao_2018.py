"""TextAttack's ``WordSwapRandomCharacterSubstitution`` (replaces one character by a random ASCII letter), made grapheme-safe.

Gao, Lanchantin, Soffa and Qi (2018), "Black-box Generation of Adversarial Text Sequences to
Evade Deep Learning Classifiers" (DeepWordBug), IEEE S&P Workshops; implemented in TextAttack
(Morris et al. 2020, EMNLP demos) as ``textattack.transformations.WordSwapRandomCharacterSubstitution``.

The transformation proposes one edit (``random_one=True``, as in TextAttack's recipes) for
one of our words, with TextAttack's global ``random`` and ``numpy.random`` seeded from the
recipe's generator; proposals that split a cluster are refused and drawn again (see
:mod:`library_adapter`). As in TextAttack, random letters are ASCII letters: use the
``char_*`` recipes for letters of the language's own alphabet.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from xtremer_robust.perturb.recipes._textattack_common import textattack_candidates
from xtremer_robust.perturb.library_adapter import LibraryWordRecipe


@dataclass(frozen=True)
class TextAttackCharacterSubstitution(LibraryWordRecipe):
    """Apply TextAttack's ``WordSwapRandomCharacterSubstitution`` to each word run chosen with probability ``rate``."""

    name: ClassVar[str] = "textattack_char_substitution"
    rate: float = 0.1  # probability that each word run is transformed (TextAttack: pct_words_to_swap)

    def propose(self, word: str, *, lang: str, rng: np.random.Generator) -> list[str]:
        return textattack_candidates("WordSwapRandomCharacterSubstitution", word, rng)
