"""Keyboard typos: a character replaced by one typed with a neighbouring key of the real layout.

Belinkov and Bisk (2018), "Synthetic and Natural Noise Both Break Neural Machine
Translation", ICLR ("Key" noise: a letter replaced by an adjacent key); Pruthi et al. (2019)
"key" edits. The neighbours come from the language's own layout (Debian xkb-data, e.g.
InScript ``in(deva)`` for Hindi, ``th`` Kedmanee for Thai), and a replacement keeps the
character class: a letter becomes a letter, a vowel sign a vowel sign, so clusters stay
well-formed. Latin characters inside a non-Latin text use the US layout.

Fallback, reported in :meth:`metadata`: Chinese, Japanese and Korean are typed through input
methods that no key grid describes; there a chosen cluster is replaced by another letter of
the same script taken from the item itself (an in-script substitution, not a keyboard model).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from xtremer_robust.perturb.edits import ClusterEditRecipe, letters_for, match_case
from xtremer_robust.perturb.keyboard import FALLBACK_LAYOUT, layout_of, neighbours

#: The character classes a typo must preserve (first letter of the Unicode general category).
_SAME_CLASS = ("L", "M")


def _class(char: str) -> str:
    return unicodedata.category(char)[0]


def _typo_options(cluster: str, layouts: tuple[str, ...]) -> list[tuple[int, str, tuple[str, ...]]]:
    """(code point index, form, neighbours of the same class) for each typeable code point.

    Tries the cluster as written (NFC), then decomposed (NFD), so that a precomposed letter
    absent from the layout (Vietnamese "ệ") can still have its base mistyped.
    """
    for form in ("NFC", "NFD"):
        chars = unicodedata.normalize(form, cluster)
        options = []
        for j, char in enumerate(chars):
            if _class(char) not in _SAME_CLASS:
                continue
            for layout in layouts:
                near = tuple(n for n in neighbours(char, layout) if _class(n) == _class(char) and len(n) == 1)
                if near:
                    options.append((j, form, near))
                    break
        if options:
            return options
    return []


@dataclass(frozen=True)
class KeyboardTypo(ClusterEditRecipe):
    """Replace one code point of each chosen cluster by a neighbouring key's character."""

    name: ClassVar[str] = "keyboard_typo"
    rewrites_marks: ClassVar[bool] = True  # a vowel sign may be mistyped as its neighbour key
    rate: float = 0.1  # probability that each cluster inside a word is mistyped

    def edit_clusters(
        self, clusters: list[str], sites: list[int], *, lang: str, rng: np.random.Generator, context: str
    ) -> list[str]:
        layout = layout_of(lang)
        layouts = (layout, FALLBACK_LAYOUT) if layout else (FALLBACK_LAYOUT,)
        out = list(clusters)
        for i in sites:
            options = _typo_options(out[i], layouts)
            if options:
                j, form, near = options[int(rng.integers(len(options)))]
                chars = list(unicodedata.normalize(form, out[i]))
                chars[j] = near[int(rng.integers(len(near)))]
                out[i] = unicodedata.normalize("NFC", "".join(chars))
            elif layout is None:  # input-method scripts: documented in-script fallback
                letters, _ = letters_for(lang, context)
                choices = [c for c in letters if c != out[i]]
                if choices:
                    out[i] = match_case(choices[int(rng.integers(len(choices)))], out[i])
        return out

    def metadata(self, lang: str) -> dict[str, object]:
        layout = layout_of(lang)
        if layout is None:
            return {"keyboard": None, "fallback": "same-script substitution from the item's own letters (input-method script, no key grid)"}
        return {"keyboard": layout, "keyboard_source": "Debian xkb-data", "latin_fallback_keyboard": FALLBACK_LAYOUT}
