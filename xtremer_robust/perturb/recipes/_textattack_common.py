"""Shared by the TextAttack adapter recipes: one cached transformation per class, seeded calls."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import numpy as np

from xtremer_robust.perturb.adapters_runtime import import_textattack, seeded_globals


@lru_cache(maxsize=None)
def transformation(name: str) -> Any:
    """``textattack.transformations.<name>(random_one=True)``, built once (it holds no random state:
    TextAttack draws from the global ``random``/``numpy.random``, which the caller seeds)."""
    return getattr(import_textattack(), name)(random_one=True)


def textattack_candidates(name: str, word: str, rng: np.random.Generator) -> list[str]:
    """One draw of the transformation's replacements for ``word`` (unchecked; the caller filters)."""
    with seeded_globals(rng):
        return list(transformation(name)._get_replacement_words(word))
