"""One conformance test over the whole recipe registry (STYLE habit 10) and the registry's errors."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest

from xtremer_robust.errors import ConfigError
from xtremer_robust.perturb import all_recipes, get_recipe, graphemes, is_well_formed, item_rng
from xtremer_robust.perturb.validity import split_clusters

FIXTURES = Path(__file__).parent / "fixtures" / "perturb"


def _sentences() -> dict[str, str]:
    rows = (FIXTURES / "sentences.tsv").read_text(encoding="utf-8").splitlines()
    return dict(line.split("\t", 1) for line in rows if line and not line.startswith("#"))


SENTENCES = _sentences()
# A handful of scripts per recipe keeps the conformance test fast; script_safety covers them all.
CONFORMANCE_LANGS = ("hi", "th", "ar", "zh", "vi", "yo", "en", "ko")


#: Parameters a recipe needs to run at all (a lexicon path is never built in).
PARAMS = {"code_switch": {"lexicon": str(FIXTURES / "neighbors.json")}}


def _run(name: str, text: str, lang: str, rate: float, seed: int = 0) -> str:
    recipe = get_recipe(name, rate=rate, **PARAMS.get(name, {}))
    return recipe.perturb(text, lang=lang, rng=item_rng(seed, "conformance", lang, "item-1", name))


@pytest.mark.parametrize("name", sorted(all_recipes()))
def test_recipe_conforms(name: str) -> None:
    cls = all_recipes()[name]
    assert cls.__doc__ and cls.__module__.split(".")[-1], "a recipe documents itself"
    assert cls.level in ("char", "word")
    changed = 0
    for lang in CONFORMANCE_LANGS:
        text = SENTENCES[lang]
        first = _run(name, text, lang, rate=0.5)
        assert first == _run(name, text, lang, rate=0.5), f"{name} is not deterministic on {lang}"
        assert unicodedata.is_normalized("NFC", first)
        assert is_well_formed(first), (name, lang, first)
        assert not split_clusters(text, first, rewrites_marks=cls.rewrites_marks), (name, lang, first)
        assert _run(name, text, lang, rate=0.0) == text, f"{name} at rate 0 changed {lang} text"
        changed += first != text
        assert isinstance(get_recipe(name, **PARAMS.get(name, {})).metadata(lang), dict)
    assert changed > 0, f"{name} changed none of the sample sentences at rate 0.5"


def test_unknown_recipe_suggests_the_closest_name() -> None:
    with pytest.raises(ConfigError, match="Did you mean 'char_swap'"):
        get_recipe("char_swp")


@pytest.mark.parametrize("rate", [-0.1, 1.5])
def test_rate_outside_unit_interval_names_the_recipe(rate: float) -> None:
    with pytest.raises(ConfigError, match="recipe 'char_delete': rate must be in"):
        get_recipe("char_delete", rate=rate)


def test_unknown_parameter_is_refused() -> None:
    with pytest.raises(ConfigError, match="unknown parameter"):
        get_recipe("char_delete", ratio=0.1)


def test_registry_is_a_copy() -> None:
    recipes = all_recipes()
    recipes.clear()
    assert all_recipes()


def test_seeds_change_the_output() -> None:
    text = SENTENCES["en"]
    outputs = {_run("char_swap", text, "en", rate=0.3, seed=s) for s in range(5)}
    assert len(outputs) > 1


@pytest.mark.parametrize("name", sorted(all_recipes()))
def test_text_outside_the_edits_keeps_its_form(name: str) -> None:
    """A source that is not NFC (Hindi with precomposed nukta letters) is not normalised wholesale."""
    words = ["\u0958\u0932\u092e", "\u0958\u093f\u0932\u093e", "\u0958\u0948\u0926", "\u0958\u0938\u092e", "\u0958\u093e\u092f\u0926\u093e"]
    text = " ".join(words)  # every word starts with U+0958, which NFC decomposes
    assert not unicodedata.is_normalized("NFC", text)
    assert _run(name, text, "hi", rate=0.0) == text
    out = _run(name, text, "hi", rate=0.2)
    assert "\u0958" in out, f"{name} normalised the whole text: {out!r}"
