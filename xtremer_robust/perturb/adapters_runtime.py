"""What TextAttack and nlpaug need to run inside this package: offline NLTK data, seeded globals.

Why: ``import textattack`` looks up NLTK's English stopwords and fails offline; we ship a
small list of English function words (``data/english_stopwords.txt``, written for this
package), lay it out as an NLTK data folder in the user cache (``$XTREMER_ROBUST_CACHE`` or
``~/.cache/xtremer-robust``) and put that folder on ``nltk.data.path`` before the import.
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

from xtremer_robust.atomic import atomic_write_text

__all__ = ["STOPWORDS", "nltk_data_dir", "import_textattack", "import_nlpaug_char", "seeded_globals"]

#: The shipped English stopword list TextAttack needs at import time.
STOPWORDS = Path(__file__).parent / "data" / "english_stopwords.txt"
#: Same variable as the rest of the package uses for its cache root.
CACHE_ENV = "XTREMER_ROBUST_CACHE"


def nltk_data_dir() -> Path:
    """An NLTK data folder holding ``corpora/stopwords/english`` (written once, atomically)."""
    env = os.environ.get(CACHE_ENV)
    root = (Path(env).expanduser() if env else Path.home() / ".cache" / "xtremer-robust") / "nltk_data"
    target = root / "corpora" / "stopwords" / "english"
    wanted = STOPWORDS.read_text(encoding="utf-8")
    if not target.exists() or target.read_text(encoding="utf-8") != wanted:
        atomic_write_text(target, wanted)
    return root


@lru_cache(maxsize=1)
def import_textattack() -> ModuleType:
    """``textattack.transformations``, importable offline (slow: pulls in torch and transformers)."""
    import nltk

    folder = str(nltk_data_dir())
    if folder not in nltk.data.path:
        nltk.data.path.insert(0, folder)
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
