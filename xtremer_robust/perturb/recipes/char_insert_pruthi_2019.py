"""Character insertion inside words ("add"), drawing from the language's own alphabet.

Pruthi, Dhingra and Lipton (2019), "Combating Adversarial Misspellings with Robust Word
Recognition", ACL: insert a character inside a word. The inserted letter comes from the
language's keyboard alphabet (see :func:`keyboard.alphabet`), never ``string.ascii_letters``;
it is a base letter, never a combining mark, and goes between clusters.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from xtremer_robust.perturb.edits import ClusterEditRecipe, letters_for, match_case
from xtremer_robust.perturb.keyboard import layout_of


@dataclass(frozen=True)
class CharInsert(ClusterEditRecipe):
    """After each chosen cluster insert one letter of the language's alphabet."""

    name: ClassVar[str] = "char_insert"
    rate: float = 0.1  # probability that a letter is inserted after each cluster of a word

    def edit_clusters(
        self, clusters: list[str], sites: list[int], *, lang: str, rng: np.random.Generator, context: str
    ) -> list[str]:
        letters, _ = letters_for(lang, context)
        if not letters:
            return clusters
        out: list[str] = []
        chosen = set(sites)
        for i, cluster in enumerate(clusters):
            out.append(cluster)
            if i in chosen:
                out.append(match_case(letters[int(rng.integers(len(letters)))], cluster))
        return out

    def metadata(self, lang: str) -> dict[str, object]:
        source = "keyboard alphabet" if layout_of(lang) else "same-script letters of the item itself (no layout)"
        return {"alphabet": source, "keyboard": layout_of(lang)}
