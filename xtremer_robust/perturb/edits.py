"""The machinery shared by character-level recipes: edit whole grapheme clusters inside words.

Why one place: every character recipe must keep separators untouched, work on clusters (never
code points), take and give NFC, and draw its randomness from the handed generator in a fixed
order. Subclasses only say what happens to the clusters of one word run.

A *word run* is a maximal sequence of adjacent word spans (see :func:`segment.segment`), so
that Chinese or Japanese text, where each character is its own word unit, is edited as runs of
characters: deletion or transposition then has room to act.
"""

from __future__ import annotations

from abc import abstractmethod
from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from xtremer_robust.perturb.base import Recipe
from xtremer_robust.perturb.keyboard import alphabet, script_pattern
from xtremer_robust.perturb.segment import keep_form
from xtremer_robust.perturb.segment import word_runs as segment_word_runs

__all__ = ["ClusterEditRecipe", "word_runs", "pick_sites", "letters_for", "match_case"]


def word_runs(text: str) -> list[tuple[str, bool]]:
    """(piece, is_word_run) pieces of ``text``; adjacent word spans are merged into one run."""
    return [("".join(clusters), is_word) for clusters, is_word in segment_word_runs(text)]


def pick_sites(n: int, rate: float, rng: np.random.Generator) -> np.ndarray:
    """Indices chosen independently with probability ``rate`` (one uniform draw per position)."""
    if n == 0:
        return np.empty(0, dtype=np.int64)
    return np.flatnonzero(rng.random(n) < rate)


def match_case(replacement: str, original: str) -> str:
    """Upper-case ``replacement`` when the cluster it replaces is upper case."""
    return replacement.upper() if original.isupper() and len(replacement.upper()) == len(replacement) else replacement


def letters_for(lang: str, text: str) -> tuple[tuple[str, ...], str]:
    """The letters to draw insertions and substitutions from, and where they came from.

    The language's keyboard alphabet when it has one; otherwise (Chinese, Japanese, Korean:
    typed through input methods) the distinct letters of the language's script found in the
    text itself, a documented fallback that keeps the noise in-script.
    """
    letters = alphabet(lang)
    if letters:
        return letters, "keyboard"
    pattern = script_pattern(lang)
    own = sorted({c for c in text if pattern.match(c) and c.isalpha()})
    return tuple(own), "text"


@dataclass(frozen=True)
class ClusterEditRecipe(Recipe):
    """A recipe that rewrites the grapheme clusters of each word run, one run at a time.

    One uniform draw per cluster of the whole text decides the edit sites (a cluster is a site
    when its draw is below ``rate``), so that raising the rate only adds sites; subclasses then
    draw what they need at those sites.
    """

    level: ClassVar[str] = "char"

    def perturb(self, text: str, *, lang: str, rng: np.random.Generator) -> str:
        if self.rate == 0.0:
            return text
        runs = segment_word_runs(text)
        total = sum(len(clusters) for clusters, is_word in runs if is_word)
        flags = (rng.random(total) < self.rate).tolist() if total else []
        pieces = []
        offset = 0
        for clusters, is_word in runs:
            if is_word:
                n = len(clusters)
                sites = [i for i, flag in enumerate(flags[offset : offset + n]) if flag]
                offset += n
                if sites:
                    pieces.extend(self.edit_clusters(list(clusters), sites, lang=lang, rng=rng, context=text))
                    continue
            pieces.extend(clusters)
        return keep_form(text, "".join(pieces))

    @abstractmethod
    def edit_clusters(
        self, clusters: list[str], sites: list[int], *, lang: str, rng: np.random.Generator, context: str
    ) -> list[str]:
        """The new clusters of one word run; ``sites`` (sorted, non-empty) are the chosen indices.

        ``context`` is the whole text, for fallbacks that draw letters from it.
        """
