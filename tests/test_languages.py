"""The language table: the 50 XTREME-R languages, Joshi classes, tiers, Tatoeba codes, coverage."""

from __future__ import annotations

import pytest

from xtremer_robust.errors import ConfigError
from xtremer_robust.languages import TIERS, all_languages, get_language, parse_languages

#: Joshi et al. 2020 classes of the XTREME-R languages, as tabulated in the project's
#: ANCHORS.md (Haitian pinned to 2: the taxonomy lists "haitian" as 2, "haitian creole" as 0).
JOSHI_CLASSES = {
    5: "ar de en es fr ja zh",
    4: "eu fa fi hi hu it ko nl pl pt ru tr vi",
    3: "af bg bn el et he id ka kk lt ms ro ta th tl uk ur",
    2: "mr pa sw wo yo ht",
    1: "az gu jv ml my qu te",
}
#: Languages missing from XLM-R's CC-100 pre-training data (ANCHORS.md).
NOT_IN_XLMR = {"ht", "qu", "wo", "yo"}


def test_exactly_the_fifty_languages() -> None:
    expected = {code for codes in JOSHI_CLASSES.values() for code in codes.split()}
    assert len(expected) == 50
    assert set(all_languages()) == expected


def test_joshi_classes_and_tiers() -> None:
    for joshi, codes in JOSHI_CLASSES.items():
        for code in codes.split():
            language = get_language(code)
            assert language.joshi_class == joshi, code
            assert language.tier == ("high" if joshi >= 4 else "mid" if joshi == 3 else "low"), code
    assert {lang.tier for lang in all_languages().values()} == set(TIERS)


def test_tatoeba_codes_are_the_laser_file_codes() -> None:
    codes = {code: lang.tatoeba_code for code, lang in all_languages().items()}
    assert codes["sw"] == "swh" and codes["fa"] == "pes" and codes["zh"] == "cmn"
    assert codes["tl"] == "tgl" and codes["jv"] == "jav" and codes["en"] is None


def test_pretraining_coverage() -> None:
    assert {c for c, lang in all_languages().items() if not lang.in_xlmr} == NOT_IN_XLMR
    assert get_language("en").seen_by("mbert") and not get_language("yo").seen_by("xlmr")
    with pytest.raises(ConfigError, match="Unknown model family 'xlmr2'. Did you mean 'xlmr'"):
        get_language("en").seen_by("xlmr2")


def test_parse_languages_expands_tiers_and_suggests() -> None:
    low = parse_languages("tier:low")
    assert low is not None and set(low) == set(JOSHI_CLASSES[2].split()) | set(JOSHI_CLASSES[1].split())
    assert parse_languages("sw,tier:low,sw")[0] == "sw"  # order kept, duplicates dropped
    assert parse_languages(None) is None and parse_languages(" ") is None
    with pytest.raises(ConfigError, match="Unknown language 'sww'. Did you mean 'sw'"):
        parse_languages("en,sww")
    with pytest.raises(ConfigError, match="Unknown tier 'lo'. Did you mean 'low'"):
        parse_languages("tier:lo")
