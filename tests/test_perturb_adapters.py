"""The TextAttack / nlpaug traps on Indic and Thai text, and how the adapters avoid them."""

from __future__ import annotations

import os
import random

import numpy as np
import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")

from xtremer_robust.perturb import get_recipe, is_well_formed, item_rng  # noqa: E402
from xtremer_robust.perturb.adapters_runtime import import_nlpaug_char, import_textattack, seeded_globals  # noqa: E402
from xtremer_robust.perturb.library_adapter import safe_candidates  # noqa: E402
from xtremer_robust.perturb.validity import split_clusters  # noqa: E402

HINDI = "हिन्दी भाषा बहुत सुंदर है।"
THAI = "ภาษาไทยเป็นภาษาที่สวยงาม แต่ยาก"


def test_raw_textattack_splits_clusters_and_the_adapter_does_not() -> None:
    import_textattack()  # offline: needs the package's own NLTK stopword list
    from textattack.shared.utils import words_from_text

    assert words_from_text("हिन्दी भाषा") == ["ह", "न", "द", "भ", "ष"]  # the trap, as documented
    deletion = import_textattack().WordSwapRandomCharacterDeletion(random_one=False)
    raw = deletion._get_replacement_words("हिन्दी")
    broken = [c for c in raw if split_clusters("हिन्दी", c) or not is_well_formed(c)]
    assert broken, "raw TextAttack deletions should cut vowel signs and viramas"
    assert set(safe_candidates("हिन्दी", raw)).isdisjoint(broken)

    recipe = get_recipe("textattack_deepwordbug", rate=0.8)
    for seed in range(5):
        out = recipe.perturb(HINDI, lang="hi", rng=item_rng(seed, "t", "hi", "1", recipe.name))
        assert is_well_formed(out) and not split_clusters(HINDI, out)
        assert out.count(" ") == HINDI.count(" ")


def test_raw_nlpaug_rejoins_with_spaces_and_the_adapter_does_not() -> None:
    char = import_nlpaug_char()
    with seeded_globals(np.random.default_rng(0)):
        raw = char.RandomCharAug(action="delete").augment(HINDI)[0]
    assert raw.count(" ") > HINDI.count(" ")  # nlpaug re-joins the pieces of a cut word with spaces
    with seeded_globals(np.random.default_rng(0)):
        raw_thai = char.KeyboardAug(lang="th").augment(THAI)[0]
    assert not is_well_formed(raw_thai) or raw_thai.count(" ") > THAI.count(" ")

    for name, text, lang in (("nlpaug_random_char", HINDI, "hi"), ("nlpaug_keyboard", THAI, "th"), ("nlpaug_ocr", HINDI, "hi")):
        recipe = get_recipe(name, rate=0.8)
        for seed in range(4):
            out = recipe.perturb(text, lang=lang, rng=item_rng(seed, "t", lang, "1", name))
            assert is_well_formed(out) and out.count(" ") == text.count(" ")
            assert not split_clusters(text, out, rewrites_marks=recipe.rewrites_marks)


def test_adapters_are_deterministic_and_leave_global_randomness_alone() -> None:
    random.seed(123)
    np.random.seed(123)
    expected_random, expected_numpy = random.random(), np.random.random()
    random.seed(123)
    np.random.seed(123)
    outs = []
    for _ in range(2):
        recipe = get_recipe("nlpaug_keyboard", rate=0.8)
        outs.append(recipe.perturb("The quick brown fox jumps over the lazy dog", lang="en", rng=item_rng(0, "t", "en", "1", "k")))
    assert outs[0] == outs[1] and outs[0] != "The quick brown fox jumps over the lazy dog"
    assert random.random() == expected_random and np.random.random() == expected_numpy


def test_nlpaug_keyboard_skips_languages_without_a_map() -> None:
    recipe = get_recipe("nlpaug_keyboard")
    assert not recipe.applicable(HINDI, lang="hi")
    assert recipe.metadata("hi")["supported"] is False


def test_random_char_action_is_checked() -> None:
    from xtremer_robust.errors import ConfigError

    with pytest.raises(ConfigError, match="action must be one of"):
        get_recipe("nlpaug_random_char", action="shuffle")
