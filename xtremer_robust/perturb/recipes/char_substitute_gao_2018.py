"""Character substitution inside words, from the language's own alphabet.

Gao, Lanchantin, Soffa and Qi (2018), "Black-box Generation of Adversarial Text Sequences to
Evade Deep Learning Classifiers" (DeepWordBug), IEEE S&P Workshops: "substitute" replaces a
character with a random letter. Here a whole cluster is replaced by one base letter of the
language's keyboard alphabet (same-script letters of the text where no layout exists).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from xtremer_robust.perturb.edits import ClusterEditRecipe, letters_for, match_case
from xtremer_robust.perturb.keyboard import layout_of


@dataclass(frozen=True)
class CharSubstitute(ClusterEditRecipe):
    """Replace each chosen cluster by a different letter of the language's alphabet."""

    name: ClassVar[str] = "char_substitute"
    rate: float = 0.1  # probability that each cluster inside a word is replaced

    def edit_clusters(
        self, clusters: list[str], sites: list[int], *, lang: str, rng: np.random.Generator, context: str
    ) -> list[str]:
        letters, _ = letters_for(lang, context)
        out = list(clusters)
        for i in sites:
            # never the cluster's own base: "हु" -> "ह" would be a cut vowel sign, not a substitution
            base = unicodedata.normalize("NFD", out[i])[0].lower()
            choices = [c for c in letters if c != out[i].lower() and c != base]
            if choices:
                out[i] = match_case(choices[int(rng.integers(len(choices)))], out[i])
        return out

    def metadata(self, lang: str) -> dict[str, object]:
        source = "keyboard alphabet" if layout_of(lang) else "same-script letters of the item itself (no layout)"
        return {"alphabet": source, "keyboard": layout_of(lang)}
