"""Run TextAttack transformations and nlpaug augmenters on words we segmented, safely.

Why: users of those libraries know their recipes by name, but both libraries cut text with
tokenisers that split Indic and Thai grapheme clusters (ASSETS.md "Known traps") and edit
code points, so a deletion can take a virama away from its consonant. Here the library only
ever sees one word run from :func:`edits.word_runs`; each candidate it proposes (one call
per draw, the library's randomness seeded from the recipe's generator) is checked
(non-empty, no whitespace, no orphan mark, no mark moved to another letter or cut off its
consonant: :func:`validity.split_clusters`) and the first safe one is kept; after
:data:`DRAWS` unsafe proposals the word stays as it was. Separators never pass through the
library, so nothing is re-joined with spaces.
"""

from __future__ import annotations

from abc import abstractmethod
from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from xtremer_robust.perturb.base import Recipe
from xtremer_robust.perturb.edits import pick_sites, word_runs
from xtremer_robust.perturb.segment import is_well_formed, keep_form, nfc
from xtremer_robust.perturb.validity import split_clusters

__all__ = ["LibraryWordRecipe", "safe_candidates", "DRAWS"]

#: Proposals asked of the library per chosen word before the word is left unchanged.
DRAWS = 5


def safe_candidates(word: str, candidates: list[str], *, rewrites_marks: bool = False) -> list[str]:
    """The candidates that are still one well-formed word with every cluster intact."""
    kept = []
    for candidate in candidates:
        candidate = nfc(candidate)
        if (
            candidate
            and candidate != word
            and not any(ch.isspace() for ch in candidate)
            and is_well_formed(candidate)
            and not split_clusters(word, candidate, rewrites_marks=rewrites_marks)
        ):
            kept.append(candidate)
    return sorted(set(kept))  # sorted: the library's order must not decide the outcome


@dataclass(frozen=True)
class LibraryWordRecipe(Recipe):
    """Each word run is chosen with probability ``rate`` and replaced by a safe library candidate."""

    level: ClassVar[str] = "char"

    def perturb(self, text: str, *, lang: str, rng: np.random.Generator) -> str:
        if self.rate == 0.0:
            return text
        runs = word_runs(text)
        words = [i for i, (_, is_word) in enumerate(runs) if is_word]
        chosen = set(pick_sites(len(words), self.rate, rng).tolist())
        pieces = [piece for piece, _ in runs]
        for k, index in enumerate(words):
            if k in chosen:
                word = pieces[index]
                for _ in range(DRAWS):
                    options = safe_candidates(word, self.propose(word, lang=lang, rng=rng), rewrites_marks=self.rewrites_marks)
                    if options:
                        pieces[index] = options[int(rng.integers(len(options)))]
                        break
        return keep_form(text, "".join(pieces))

    @abstractmethod
    def propose(self, word: str, *, lang: str, rng: np.random.Generator) -> list[str]:
        """One draw of what the library proposes for ``word`` (unchecked; the caller filters)."""
