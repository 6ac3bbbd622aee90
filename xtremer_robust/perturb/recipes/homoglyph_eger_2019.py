"""Visual attacks: letters replaced by look-alike letters of another script (homoglyphs).

Eger, Sahin, Rücklé, Lee, Schulz, Mesgar, Swarnkar, Simpson and Gurevych (2019), "Text
Processing Like Humans Do: Visually Attacking and Shielding NLP Systems", NAACL (VIPER);
Boucher, Shumailov, Anderson and Papernot (2022), "Bad Characters", IEEE S&P ("homoglyphs").
The look-alikes come from the Unicode confusables table (UTS #39) via the
``confusable-homoglyphs`` package (TextAttack's own homoglyph swap misses a data file offline).

Only clusters that are one code point are replaced, by one code point that is a letter, stays
the same under NFC, and is not a mathematical, letterlike or full-width variant (those look
different in most fonts); by default only letters of another script count (Latin "a" -> Cyrillic "а").
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import ClassVar

import numpy as np

from xtremer_robust.perturb.edits import ClusterEditRecipe
from xtremer_robust.perturb.segment import graphemes

#: Character-name prefixes of look-alikes that do not look alike in ordinary fonts.
_EXCLUDED_NAMES = ("MATHEMATICAL", "FULLWIDTH", "HALFWIDTH", "CIRCLED", "PARENTHESIZED", "SQUARED", "NEGATIVE")


def _script_word(char: str) -> str:
    """The first word of a character's name (LATIN, CYRILLIC, GREEK...): a cheap script label."""
    return unicodedata.name(char, "?").split(" ")[0]


@lru_cache(maxsize=4096)
def homoglyphs(char: str, cross_script: bool = True) -> tuple[str, ...]:
    """The usable look-alikes of ``char`` (sorted by code point)."""
    from confusable_homoglyphs import confusables

    found = confusables.is_confusable(char, greedy=True, preferred_aliases=[]) or []
    out = set()
    for entry in found:
        for glyph in entry.get("homoglyphs", []):
            c = glyph["c"]
            if (
                len(c) == 1
                and unicodedata.category(c) in ("Lu", "Ll", "Lo")  # letters, not modifier letters
                and not 0x2100 <= ord(c) <= 0x214F  # letterlike symbols (script h, black-letter I...)
                and unicodedata.normalize("NFC", c) == c
                and not unicodedata.name(c, "").startswith(_EXCLUDED_NAMES)
                and (not cross_script or _script_word(c) != _script_word(char))
            ):
                out.add(c)
    return tuple(sorted(out))


@dataclass(frozen=True)
class Homoglyph(ClusterEditRecipe):
    """Replace each chosen single-code-point letter by one of its look-alikes."""

    name: ClassVar[str] = "homoglyph"
    rate: float = 0.1  # probability that each cluster inside a word is replaced (if it has a look-alike)
    cross_script: bool = True  # only look-alikes from another script (the classic spoofing attack)

    def applicable(self, text: str, *, lang: str) -> bool:
        return any(len(c) == 1 and homoglyphs(c, self.cross_script) for c in graphemes(text))

    def edit_clusters(
        self, clusters: list[str], sites: list[int], *, lang: str, rng: np.random.Generator, context: str
    ) -> list[str]:
        out = list(clusters)
        for i in sites:
            options = homoglyphs(out[i], self.cross_script) if len(out[i]) == 1 else ()
            if options:
                out[i] = options[int(rng.integers(len(options)))]
        return out
