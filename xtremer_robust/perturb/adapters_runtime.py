"""What TextAttack and nlpaug need to run inside this package: offline NLTK data, seeded globals.

Why: ``import textattack`` looks up NLTK's English stopwords and fails offline; we ship a
small list in ``nltk_data/`` and put that folder on ``nltk.data.path`` before the import.
Both libraries draw from the global ``random`` and ``numpy.random`` state (nlpaug has no
per-augmenter seed), so :func:`seeded_globals` seeds both from the generator a recipe is
handed, right before each call, and restores the caller's state afterwards: outputs are then
a function of (seed, task, language, item, recipe) like every other recipe's.
"""

from __future__ import annotations

import os
import random
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from types import ModuleType
from typing import Iterator

import numpy as np

__all__ = ["NLTK_DATA", "import_textattack", "import_nlpaug_char", "seeded_globals"]

#: The package's own NLTK data folder (an English stopword list only).
NLTK_DATA = Path(__file__).parent / "nltk_data"


@lru_cache(maxsize=1)
def import_textattack() -> ModuleType:
    """``textattack.transformations``, importable offline (slow: pulls in torch and transformers)."""
    import nltk

    if str(NLTK_DATA) not in nltk.data.path:
        nltk.data.path.insert(0, str(NLTK_DATA))
    os.environ.setdefault("HF_HUB_OFFLINE", "1")  # TextAttack probes the Hub on import otherwise
    os.environ.setdefault("TQDM_DISABLE", "1")
    import textattack.transformations as transformations

    return transformations


@lru_cache(maxsize=1)
def import_nlpaug_char() -> ModuleType:
    """``nlpaug.augmenter.char``."""
    import nlpaug.augmenter.char as char

    return char


@contextmanager
def seeded_globals(rng: np.random.Generator) -> Iterator[None]:
    """Seed ``random`` and ``numpy.random`` from ``rng`` for one library call, then restore them."""
    saved_random, saved_numpy = random.getstate(), np.random.get_state()
    seed = int(rng.integers(2**32))
    random.seed(seed)
    np.random.seed(seed)
    try:
        yield
    finally:
        random.setstate(saved_random)
        np.random.set_state(saved_numpy)
