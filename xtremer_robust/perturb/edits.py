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
from array import array
from dataclasses import dataclass
from functools import lru_cache
from typing import ClassVar, Sequence

import numpy as np

from xtremer_robust.perturb.base import Recipe
from xtremer_robust.perturb.keyboard import alphabet, script_pattern
from xtremer_robust.perturb.segment import keep_form, simple_runs
from xtremer_robust.perturb.segment import word_runs as segment_word_runs

__all__ = ["ClusterEditRecipe", "word_runs", "indexed_runs", "word_cluster_spans", "pick_sites", "letters_for", "match_case"]


def word_runs(text: str) -> list[tuple[str, bool]]:
    """(piece, is_word_run) pieces of ``text``; adjacent word spans are merged into one run."""
    return [("".join(clusters), is_word) for clusters, is_word in segment_word_runs(text)]


@lru_cache(maxsize=8192)
def indexed_runs(text: str) -> tuple[tuple[tuple[str, Sequence[str], bool, int, int], ...], int]:
    """(run text, clusters, is_word, first, end) per word run, the word clusters numbered
    in text order (the positions of the per-cluster draws), and the number of word clusters."""
    runs = []
    total = 0
    simple = simple_runs(text)
    if simple is not None:  # one cluster per code point: a run's text is its cluster sequence
        for piece, is_word in simple:
            lo = total
            if is_word:
                total += len(piece)
            runs.append((piece, piece, is_word, lo, total))
        return tuple(runs), total
    for clusters, is_word in segment_word_runs(text):
        lo = total
        if is_word:
            total += len(clusters)
        runs.append(("".join(clusters), clusters, is_word, lo, total))
    return tuple(runs), total


@lru_cache(maxsize=4096)
def word_cluster_spans(text: str) -> tuple[array, array]:
    """Start and end offsets in ``text`` of its word clusters, in the order of the per-cluster draws."""
    starts, ends = array("l"), array("l")
    offset = 0
    for piece, clusters, is_word, _, _ in indexed_runs(text)[0]:
        if is_word:
            if len(clusters) == len(piece):  # one code point per cluster
                starts.extend(range(offset, offset + len(piece)))
                ends.extend(range(offset + 1, offset + len(piece) + 1))
            else:
                for cluster in clusters:
                    starts.append(offset)
                    offset += len(cluster)
                    ends.append(offset)
                continue
        offset += len(piece)
    return starts, ends


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
        runs, total = indexed_runs(text)
        if not total:
            return text  # no cluster inside a word: nothing drawn, the text comes back as it came
        hits = (rng.random(total) < self.rate).nonzero()[0].tolist()
        if not hits:
            return text  # every cluster kept: joining the clusters gives the text back
        pieces = []
        k, n_hits = 0, len(hits)
        for piece, clusters, is_word, lo, hi in runs:
            if is_word and k < n_hits and hits[k] < hi:
                sites = []
                while k < n_hits and hits[k] < hi:
                    sites.append(hits[k] - lo)
                    k += 1
                pieces.extend(self.edit_clusters(list(clusters), sites, lang=lang, rng=rng, context=text))
            else:
                pieces.append(piece)
        return keep_form(text, "".join(pieces))

    @abstractmethod
    def edit_clusters(
        self, clusters: list[str], sites: list[int], *, lang: str, rng: np.random.Generator, context: str
    ) -> list[str]:
        """The new clusters of one word run; ``sites`` (sorted, non-empty) are the chosen indices.

        ``context`` is the whole text, for fallbacks that draw letters from it.
        """
