"""Character substitution inside words, from the language's own alphabet.

Gao, Lanchantin, Soffa and Qi (2018), "Black-box Generation of Adversarial Text Sequences to
Evade Deep Learning Classifiers" (DeepWordBug), IEEE S&P Workshops: "substitute" replaces a
character with a random letter. Here a whole cluster is replaced by one base letter of the
language's keyboard alphabet (same-script letters of the text where no layout exists).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import ClassVar

import numpy as np

from xtremer_robust.perturb.edits import ClusterEditRecipe, letters_for, match_case, word_cluster_spans
from xtremer_robust.perturb.segment import keep_form
from xtremer_robust.perturb.keyboard import layout_of


def _choices(letters: tuple[str, ...], cluster: str) -> tuple[str, ...]:
    """The letters that may replace ``cluster``, in alphabet order."""
    # never the cluster's own base: "हु" -> "ह" would be a cut vowel sign, not a substitution
    base = unicodedata.normalize("NFD", cluster)[0].lower()
    lower = cluster.lower()
    return tuple(c for c in letters if c != lower and c != base)


@lru_cache(maxsize=256)
def _choice_table(letters: tuple[str, ...]) -> dict[str, tuple[str, ...]]:
    """Cluster -> its replacement letters, filled as clusters come (one table per alphabet)."""
    return {}


#: Above this many substitutions in a text, their integers are drawn in one call.
_BATCH = 4


@dataclass(frozen=True)
class CharSubstitute(ClusterEditRecipe):
    """Replace each chosen cluster by a different letter of the language's alphabet."""

    name: ClassVar[str] = "char_substitute"
    rate: float = 0.1  # probability that each cluster inside a word is replaced

    def perturb(self, text: str, *, lang: str, rng: np.random.Generator) -> str:
        """:meth:`ClusterEditRecipe.perturb` and :meth:`edit_clusters` in one pass over the chosen clusters only.

        The same draws in the same order: one uniform per word cluster, then one integer per
        chosen cluster that has replacements (in one call when there are many: numpy's bounded
        integers with an array of bounds take the generator's 32-bit draws one by one, exactly
        as the same bounds given one at a time). Each replacement is spliced in at the
        cluster's offsets, so the text between edits is copied, not re-joined from clusters.
        """
        if self.rate == 0.0:
            return text
        starts, ends = word_cluster_spans(text)
        if not starts:
            return text
        hits = (rng.random(len(starts)) < self.rate).nonzero()[0].tolist()
        if not hits:
            return text
        letters, _ = letters_for(lang, text)
        table = _choice_table(letters)
        targets: list[tuple[int, int, str, tuple[str, ...]]] = []  # (start, end, cluster, its choices)
        for hit in hits:
            lo, hi = starts[hit], ends[hit]
            cluster = text[lo:hi]
            choices = table.get(cluster)
            if choices is None:
                choices = table[cluster] = _choices(letters, cluster)
            if choices:
                targets.append((lo, hi, cluster, choices))
        if len(targets) > _BATCH:
            bounds = np.array([len(choices) for _, _, _, choices in targets], dtype=np.int64)
            picks = rng.integers(0, bounds).tolist()
        else:  # a few draws: one call each is cheaper than building an array of bounds
            picks = [int(rng.integers(len(choices))) for _, _, _, choices in targets]
        pieces: list[str] = []
        done = 0
        for (lo, hi, cluster, choices), pick in zip(targets, picks):
            pieces.append(text[done:lo])
            pieces.append(match_case(choices[pick], cluster))
            done = hi
        pieces.append(text[done:])
        return keep_form(text, "".join(pieces))

    def edit_clusters(
        self, clusters: list[str], sites: list[int], *, lang: str, rng: np.random.Generator, context: str
    ) -> list[str]:
        letters, _ = letters_for(lang, context)
        table = _choice_table(letters)
        out = list(clusters)
        for i in sites:
            cluster = out[i]
            choices = table.get(cluster)
            if choices is None:
                choices = table[cluster] = _choices(letters, cluster)
            if choices:
                out[i] = match_case(choices[int(rng.integers(len(choices)))], cluster)
        return out

    def metadata(self, lang: str) -> dict[str, object]:
        source = "keyboard alphabet" if layout_of(lang) else "same-script letters of the item itself (no layout)"
        return {"alphabet": source, "keyboard": layout_of(lang)}
