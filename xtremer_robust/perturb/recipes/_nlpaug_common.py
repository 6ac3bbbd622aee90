"""Shared by the nlpaug recipes: one cached augmenter per configuration, called per word.

nlpaug (Ma 2019, https://github.com/makcedward/nlpaug) has no per-augmenter seed: each call
runs inside :func:`adapters_runtime.seeded_globals`. The augmenter sees one word run at a time
(``aug_word_p=1``, one word), so its tokenizer never splits our text and nothing is re-joined
with spaces; its character-level parameters keep nlpaug's defaults.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import numpy as np

from xtremer_robust.perturb.adapters_runtime import import_nlpaug_char, seeded_globals

#: Languages with a keyboard model in nlpaug 1.1.11 (``res/char/keyboard/*.json``).
NLPAUG_KEYBOARD_LANGS = ("de", "en", "es", "fr", "he", "it", "nl", "pl", "th", "tr", "uk")


@lru_cache(maxsize=32)
def augmenter(kind: str, options: tuple[tuple[str, Any], ...]) -> Any:
    """An nlpaug character augmenter of class ``kind`` acting on exactly one word."""
    cls = getattr(import_nlpaug_char(), kind)
    return cls(aug_word_p=1.0, aug_word_min=1, aug_word_max=1, **dict(options))


def nlpaug_candidates(kind: str, word: str, rng: np.random.Generator, **options: Any) -> list[str]:
    """One output of the augmenter on ``word`` (unchecked; nlpaug 1.1 returns a list)."""
    aug = augmenter(kind, tuple(sorted(options.items())))
    with seeded_globals(rng):
        result = aug.augment(word)
    return list(result) if isinstance(result, list) else [result]
