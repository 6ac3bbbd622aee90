"""Every recipe keeps text of every script well-formed: no orphan mark, no split cluster, NFC, UTF-8.

Scripts (issue 3): Devanagari (hi, mr), Bengali, Tamil, Telugu, Gujarati, Gurmukhi, Malayalam,
Thai, Burmese, Georgian, Arabic/Urdu/Persian, Hebrew, Chinese, Japanese, Korean, Cyrillic and
Latin with diacritics (vi, yo), plus a few more.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xtremer_robust.perturb import all_recipes, get_recipe, graphemes, is_well_formed, item_rng
from xtremer_robust.perturb.validity import split_clusters

FIXTURES = Path(__file__).parent / "fixtures" / "perturb"
LEXICON = str(FIXTURES / "neighbors.json")


def _sentences() -> dict[str, str]:
    rows = (FIXTURES / "sentences.tsv").read_text(encoding="utf-8").splitlines()
    return dict(line.split("\t", 1) for line in rows if line and not line.startswith("#"))


SENTENCES = _sentences()
#: Recipes implemented here (the library adapters run in the fixed-sentence test only: slower).
NATIVE = sorted(n for n in all_recipes() if not n.startswith(("textattack_", "nlpaug_")))


def _recipe(name: str, rate: float):  # type: ignore[no-untyped-def]
    return get_recipe(name, rate=rate, **({"lexicon": LEXICON} if name == "code_switch" else {}))


#: Recipes that put new letters of the same script in place of whole clusters. On random strings
#: full of repeated clusters, a new letter can equal the base of a neighbouring marked cluster and
#: the content-aligned cut check then sees a cut that did not happen; these recipes replace
#: whole clusters by construction, and the strict check runs on the real sentences below.
NEW_LETTERS = ("char_substitute", "char_insert")


def _check(name: str, text: str, lang: str, seed: int, *, strict: bool = True) -> None:
    recipe = _recipe(name, 0.5)
    out = recipe.perturb(text, lang=lang, rng=item_rng(seed, "safety", lang, "x", name))
    assert is_well_formed(out), (name, lang, text, out)
    # no U+FFFD: an edit made on bytes and decoded with errors="replace" would leave one
    assert out.count("\ufffd") <= text.count("\ufffd"), (name, lang, text, out)
    lenient = recipe.rewrites_marks or not strict
    assert not split_clusters(text, out, rewrites_marks=lenient), (name, lang, text, out)


@pytest.mark.parametrize("lang", sorted(SENTENCES))
def test_every_recipe_on_a_real_sentence(lang: str) -> None:
    for name in sorted(all_recipes()):
        for seed in range(3):
            _check(name, SENTENCES[lang], lang, seed)


@pytest.mark.parametrize("lang", sorted(SENTENCES))
def test_native_recipes_on_random_cluster_strings(lang: str) -> None:
    """Random strings built from the clusters of the language's sentence, spaces and punctuation."""
    pool = sorted(set(graphemes(SENTENCES[lang])) | {" ", " ", ",", "."})

    @given(st.lists(st.sampled_from(pool), min_size=1, max_size=30), st.integers(0, 2**16))
    @settings(max_examples=15, deadline=None, derandomize=True)
    def run(clusters: list[str], seed: int) -> None:
        text = "".join(clusters)
        if not is_well_formed(text):  # a random draw can itself start a word with a mark
            return
        for name in NATIVE:
            _check(name, text, lang, seed, strict=name not in NEW_LETTERS)

    run()
