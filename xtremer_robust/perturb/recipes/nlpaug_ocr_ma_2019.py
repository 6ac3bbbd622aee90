"""nlpaug's ``OcrAug`` (OCR confusions such as 0/o, 1/l, 5/s), grapheme-safe.

Ma (2019), nlpaug, https://github.com/makcedward/nlpaug, ``augmenter/char/ocr.py``. nlpaug's
OCR table covers Latin letters and digits; words of other scripts usually have nothing to
change and stay as they are.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from xtremer_robust.perturb.library_adapter import LibraryWordRecipe
from xtremer_robust.perturb.recipes._nlpaug_common import nlpaug_candidates


@dataclass(frozen=True)
class NlpaugOcr(LibraryWordRecipe):
    """Apply ``nlpaug.augmenter.char.OcrAug`` to each chosen word run."""

    name: ClassVar[str] = "nlpaug_ocr"
    rate: float = 0.1  # probability that each word run is augmented (nlpaug: aug_word_p)

    def propose(self, word: str, *, lang: str, rng: np.random.Generator) -> list[str]:
        return nlpaug_candidates("OcrAug", word, rng)
