"""Segmentation, well-formedness checks, the grapheme edit distance and the keyboard grids."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xtremer_robust.perturb import char_edit_ratio, graphemes, is_well_formed, levenshtein, orphan_marks, segment
from xtremer_robust.perturb.keyboard import alphabet, key_grid, neighbours
from xtremer_robust.perturb.validity import split_clusters

FIXTURES = Path(__file__).parent / "fixtures" / "perturb"


@given(st.text(max_size=60))
@settings(max_examples=200, deadline=None)
def test_segments_concatenate_to_the_original(text: str) -> None:
    spans = segment(text)
    assert "".join(span.text for span in spans) == text
    assert all(span.text for span in spans)


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("हिन्दी भाषा", ["हिन्दी", "भाषा"]),  # Python's \w would cut at the vowel signs
        ("क्षत्रिय, ok.", ["क्षत्रिय", "ok"]),
        ("ภาษาไทย ดี", ["ภาษาไทย", "ดี"]),  # Thai: runs between spaces
        ("日本語AI", ["日", "本", "語", "AI"]),  # Han characters are one unit each
        ("می‌خواهم", ["می‌خواهم"]),  # the ZWNJ stays inside the Persian word
        ("Ẹ̀kọ́ dára", ["Ẹ̀kọ́", "dára"]),
    ],
)
def test_words_by_script(text: str, words: list[str]) -> None:
    assert [span.text for span in segment(text) if span.is_word] == words


def test_graphemes_keep_conjuncts_whole() -> None:
    assert graphemes("क्षत्रिय") == ["क्ष", "त्रि", "य"]
    assert graphemes("ẹ́") == ["ẹ́"]


def test_orphan_marks_and_well_formedness() -> None:
    assert orphan_marks("ि क") == [0]
    assert orphan_marks("क ि") == [2]
    assert is_well_formed("हिन्दी")
    assert not is_well_formed("\u093fहन्दी")  # a vowel sign with no consonant
    assert not is_well_formed("e\u0301")  # not NFC
    assert not is_well_formed("a\ud800")  # a lone surrogate is not UTF-8


def test_split_clusters_catches_the_code_point_edits() -> None:
    assert split_clusters("बहुत", "बहkत") == ["ह"]  # vowel sign replaced, consonant left bare
    assert split_clusters("हिन्दी", "हनि्दी")  # vowel sign moved onto another consonant
    assert split_clusters("हिन्दी", "न्दीहि") == []  # whole clusters swapped
    assert split_clusters("ഉണ്ട്", "ഉണ്ട്ക") == []  # a consonant joining a conjunct is not a split
    assert split_clusters("Việt", "Viet") == ["e"]
    assert split_clusters("Việt", "Viet", rewrites_marks=True) == []


@given(st.lists(st.sampled_from("abcdé"), max_size=150), st.lists(st.sampled_from("abcdé"), max_size=150))
@settings(max_examples=300, deadline=None)
def test_levenshtein_agrees_with_rapidfuzz(a: list[str], b: list[str]) -> None:
    from rapidfuzz.distance import Levenshtein  # an independent implementation (STYLE habit 5)

    assert levenshtein(a, b) == Levenshtein.distance(a, b)


def test_char_edit_ratio_counts_graphemes() -> None:
    assert char_edit_ratio("हिन्दी", "न्दी") == pytest.approx(1 / 2)  # one of two clusters deleted
    assert char_edit_ratio("abc", "abc") == 0.0
    assert char_edit_ratio("", "") == 0.0


def test_keyboard_neighbours_follow_the_real_layout() -> None:
    assert set(neighbours("k", "us")) == {"j", "l", "i", "o", "m", ","}
    assert "क" in key_grid("in(deva)")["AC08"]  # InScript: क on the K key
    assert set(neighbours("क", "in(deva)")) >= {"ग", "त"}
    assert "ẹ" in alphabet("yo") and "q" not in alphabet("yo")  # Yoruba keyboard: ẹ on the Q key
    assert alphabet("ja") == ()  # typed through an input method: no key grid


@pytest.mark.skipif(not Path("/usr/share/X11/xkb/symbols/us").exists(), reason="xkb-data not installed")
def test_shipped_keyboards_match_the_system_xkb_data() -> None:
    from xtremer_robust.perturb.xkb import extract_language_layouts

    if not Path("/usr/include/X11/keysymdef.h").exists():
        pytest.skip("keysymdef.h not installed")
    shipped = json.loads((Path(__file__).parents[1] / "xtremer_robust/perturb/data/keyboards.json").read_text("utf-8"))
    system = extract_language_layouts()
    assert set(system) == set(shipped["layouts"])
    differing = [name for name, entry in system.items() if entry["keys"] != shipped["layouts"][name]["keys"]]
    # a newer xkb-data may move a key; the shipped grids then need `python -m xtremer_robust.perturb.xkb --write`
    assert len(differing) <= 3, differing


def test_every_keyboard_types_its_languages_script() -> None:
    from xtremer_robust.languages import all_languages
    from xtremer_robust.perturb.keyboard import script_pattern

    for lang in all_languages().values():
        if lang.keyboard is None:
            continue
        letters = [c for pair in key_grid(lang.keyboard).values() for c in pair if c and c.isalpha()]
        in_script = [c for c in letters if script_pattern(lang.code).match(c)]
        assert len(in_script) >= 20, (lang.code, lang.keyboard, len(in_script))
