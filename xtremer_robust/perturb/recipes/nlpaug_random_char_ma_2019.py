"""nlpaug's ``RandomCharAug`` (random character insert / substitute / swap / delete), grapheme-safe.

Ma (2019), nlpaug, https://github.com/makcedward/nlpaug, ``augmenter/char/random.py``. As in
nlpaug, inserted and substituted characters are ASCII letters, digits and symbols: the recipe
reproduces the library, it is not an in-script noise (see ``char_insert``/``char_substitute``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from xtremer_robust.errors import ConfigError
from xtremer_robust.perturb.library_adapter import LibraryWordRecipe
from xtremer_robust.perturb.recipes._nlpaug_common import nlpaug_candidates

#: The actions nlpaug's RandomCharAug accepts.
ACTIONS = ("insert", "substitute", "swap", "delete")


@dataclass(frozen=True)
class NlpaugRandomChar(LibraryWordRecipe):
    """Apply ``nlpaug.augmenter.char.RandomCharAug(action=...)`` to each chosen word run."""

    name: ClassVar[str] = "nlpaug_random_char"
    rate: float = 0.1  # probability that each word run is augmented (nlpaug: aug_word_p)
    action: str = "substitute"  # nlpaug's action: insert, substitute, swap or delete

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.action not in ACTIONS:
            raise ConfigError(f"recipe '{self.name}': action must be one of {', '.join(ACTIONS)}, got {self.action!r}")

    def propose(self, word: str, *, lang: str, rng: np.random.Generator) -> list[str]:
        return nlpaug_candidates("RandomCharAug", word, rng, action=self.action)
