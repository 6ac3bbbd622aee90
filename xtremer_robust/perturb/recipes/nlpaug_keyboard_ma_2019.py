"""nlpaug's ``KeyboardAug`` (keyboard-distance typos from nlpaug's own key maps), grapheme-safe.

Ma (2019), nlpaug, https://github.com/makcedward/nlpaug, ``augmenter/char/keyboard.py``;
the noise model follows Belinkov and Bisk (2018). nlpaug ships key maps for 11 languages
(de en es fr he it nl pl th tr uk); for the others the recipe has nothing to do and items are
counted as skips (use ``keyboard_typo``, built on xkb layouts, for all 50 languages).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from xtremer_robust.perturb.library_adapter import LibraryWordRecipe
from xtremer_robust.perturb.recipes._nlpaug_common import NLPAUG_KEYBOARD_LANGS, nlpaug_candidates


@dataclass(frozen=True)
class NlpaugKeyboard(LibraryWordRecipe):
    """Apply ``nlpaug.augmenter.char.KeyboardAug(lang=...)`` to each chosen word run."""

    name: ClassVar[str] = "nlpaug_keyboard"
    rewrites_marks: ClassVar[bool] = True  # Thai vowel signs may be mistyped as neighbour keys
    rate: float = 0.1  # probability that each word run is augmented (nlpaug: aug_word_p)

    def applicable(self, text: str, *, lang: str) -> bool:
        return lang in NLPAUG_KEYBOARD_LANGS and super().applicable(text, lang=lang)

    def propose(self, word: str, *, lang: str, rng: np.random.Generator) -> list[str]:
        if lang not in NLPAUG_KEYBOARD_LANGS:
            return []
        return nlpaug_candidates("KeyboardAug", word, rng, lang=lang)

    def metadata(self, lang: str) -> dict[str, object]:
        supported = lang in NLPAUG_KEYBOARD_LANGS
        return {"nlpaug_keyboard_lang": lang if supported else None, "supported": supported}
